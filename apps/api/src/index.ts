/** Library entry: what tests, benchmarks and embedders use to build the BFF in-process. */
export { createApp, type App } from './app.js';
export { loadConfig, ConfigError, type Config } from './config/config.js';
export { createDeps, connectDeps, closeDeps, type Deps, type DepsOptions } from './deps.js';
export { createLogger } from './kernel/logger.js';
