import 'dotenv/config';
import { createApp } from './app.js';
import { ConfigError, loadConfig } from './config/config.js';
import { closeDeps, connectDeps, createDeps } from './deps.js';
import { createHttpServer } from './http/http-server.js';
import { closeConnectionsWhileDraining, shutDownGracefully } from './kernel/lifecycle.js';
import { createLogger, stdoutDestination } from './kernel/logger.js';

/** Process entry point: validate config, wire, listen, shut down gracefully on SIGTERM/SIGINT. */
async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exit(1);
    }
    throw err;
  }
  const logger = createLogger(config.logLevel, stdoutDestination());
  if (config.sessionSecretGenerated) {
    logger.warn('SESSION_SECRET is not set: using a random one, so sessions end when the process restarts (dev only)');
  }
  const deps = createDeps(config, logger);
  await connectDeps(deps);
  const app = createApp(deps);
  const server = createHttpServer(app.handler);
  closeConnectionsWhileDraining(server, deps.lifecycle);
  server.on('upgrade', app.upgrade);
  server.listen(config.port, () => {
    logger.info({ port: config.port, publicUrl: config.publicUrl, issuer: config.cognito.issuer, upstream: config.upstreamUrl }, 'BFF listening');
  });
  // forward auth, metrics and health for the ingress and Prometheus only (contract: "The internal listener")
  const internal = config.internal && app.internalHandler ? createHttpServer(app.internalHandler) : undefined;
  if (internal && config.internal) {
    const { port, host } = config.internal;
    closeConnectionsWhileDraining(internal, deps.lifecycle);
    internal.listen(port, host, () => logger.info({ port, host }, 'internal listener (forward auth, metrics, health) listening'));
  }

  let stopping = false;
  const shutdown = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    deps.live.closeAll(); // WebSockets: close code 1001 (going away), so clients reconnect elsewhere
    // SIGTERM comes from an orchestrator with a load balancer to drain; Ctrl-C (SIGINT) from a person waiting
    const drainMs = signal === 'SIGTERM' ? config.shutdownDrainMs : 0;
    const timings = { drainMs, graceMs: config.shutdownGraceMs };
    // the internal listener drains with the public one: the ingress keeps checking requests it still sends
    void Promise.all([shutDownGracefully(server, deps.lifecycle, timings, logger), internal ? shutDownGracefully(internal, deps.lifecycle, timings, logger, 'internal') : undefined])
      .then(() => Promise.race([closeDeps(deps), new Promise((r) => setTimeout(r, 2_000).unref())]))
      .finally(() => process.exit(0));
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

void main();
