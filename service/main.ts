/**
 * The composition root: config → logger → health → app → listen → shutdown.
 * Run directly (`npm start`), or imported by tests that add routes of their own.
 */
import packageJson from '../package.json' with { type: 'json' };
import { ConfigError, loadConfig, type Config } from './config.ts';
import { createApp, type RouteModule } from './edge/app.ts';
import { startHttpServer, type RunningServer } from './edge/http-server.ts';
import { HealthService } from './features/health/health-service.ts';
import { flush, installShutdown } from './shutdown.ts';
import { createLogger, type Logger } from './telemetry/logger.ts';

export interface MainOptions {
  env?: Record<string, string | undefined>;
  extraRoutes?: RouteModule;
}

export async function main(options: MainOptions = {}): Promise<RunningServer> {
  const config = loadConfigOrExit(options.env ?? process.env);
  const logger = createLogger({ level: config.logLevel, base: { service: 'levee', version: packageJson.version } });
  logEmbeddedStandIns(logger, config);

  const health = new HealthService({ checkTimeoutMs: config.health.checkTimeoutMs, version: packageJson.version });
  const app = createApp({
    logger,
    health,
    http: config.http,
    requests: config.requests,
    ...(options.extraRoutes ? { extraRoutes: options.extraRoutes } : {}),
  });

  let server: RunningServer;
  try {
    server = await startHttpServer(app.callback(), config.http);
  } catch (error) {
    logger.fatal({ err: error, host: config.http.host, port: config.http.port }, 'cannot listen');
    await flush(logger);
    process.exit(1);
  }
  installShutdown({
    logger,
    health,
    server,
    drainDelayMs: config.shutdown.drainDelayMs,
    graceMs: config.shutdown.graceMs,
    closeables: [{ name: 'health', close: () => health.close() }],
  });
  health.markServing();
  logger.info({ host: server.host, port: server.port, environment: config.environment }, 'listening');
  return server;
}

function loadConfigOrExit(env: Record<string, string | undefined>): Config {
  try {
    return loadConfig(env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    // No logger yet (LOG_LEVEL itself may be the problem): plain text, one problem a line.
    process.stderr.write(`levee: ${error.message}\n`);
    process.exit(1);
  }
}

/** Say loudly what runs on embedded defaults, so nobody mistakes a demo set-up for production. */
function logEmbeddedStandIns(logger: Logger, config: Config): void {
  if (!config.apiKeys && !config.apiKeysFile) {
    logger.warn('API_KEYS unset: /v1 is open to anyone who can reach this port');
  }
  if (!config.adminToken) logger.info('ADMIN_TOKEN unset: /admin routes are disabled');
  if (config.environment === 'production' && config.allowEmbeddedInProduction) {
    logger.warn('ALLOW_EMBEDDED_IN_PRODUCTION=true: production is allowed to run on embedded stand-ins');
  }
}

if (import.meta.main) await main();
