import 'dotenv/config';
import { createApp } from './app.js';
import { ConfigError, loadConfig } from './config.js';
import { closeDeps, connectDeps, createDeps } from './deps.js';
import { createHttpServer } from './http-server.js';
import { createLogger } from './logger.js';

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
  const logger = createLogger(config.logLevel);
  if (config.sessionSecretGenerated) {
    logger.warn('SESSION_SECRET is not set: using a random one, so sessions end when the process restarts (dev only)');
  }
  const deps = createDeps(config, logger);
  await connectDeps(deps);
  const app = createApp(deps);
  const server = createHttpServer(app.handler);
  server.on('upgrade', app.upgrade);
  server.listen(config.port, () => {
    logger.info({ port: config.port, publicUrl: config.publicUrl, issuer: config.cognito.issuer, upstream: config.upstreamUrl }, 'BFF listening');
  });

  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down: no new connections, waiting for requests in flight');
    deps.live.closeAll(); // WebSockets: close code 1001 (going away), so clients reconnect elsewhere
    const force = setTimeout(() => {
      logger.warn('grace period over; closing remaining connections');
      server.closeAllConnections();
    }, config.shutdownGraceMs);
    force.unref();
    // keep-alive connections become idle as their last response ends: close them as they do
    const reaper = setInterval(() => server.closeIdleConnections(), 50);
    server.close(() => {
      clearTimeout(force);
      clearInterval(reaper);
      void closeDeps(deps).finally(() => process.exit(0));
    });
    server.closeIdleConnections();
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

void main();
