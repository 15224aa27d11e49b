/**
 * The composition root: config → logger → metrics → dependencies → app → listen → shutdown.
 * Run directly (`npm start`, with the telemetry preload), or imported by tests that add routes.
 */
import packageJson from '../package.json' with { type: 'json' };
import { RedisConversationStore } from './capabilities/conversations/redis-conversation-store.ts';
import { MemoryConversationStore } from './capabilities/conversations/memory-conversation-store.ts';
import { PostgresFileStore } from './capabilities/files/postgres-file-store.ts';
import { SharedState } from './capabilities/fleet/shared-state.ts';
import { postgresHealthCheck } from './capabilities/health/postgres-health-check.ts';
import { redisHealthCheck } from './capabilities/health/redis-health-check.ts';
import { MemoryIdempotencyStore } from './capabilities/idempotency/memory-idempotency-store.ts';
import { RedisIdempotencyStore } from './capabilities/idempotency/redis-idempotency-store.ts';
import { SlidingWindowRateLimits } from './capabilities/rate-limits/sliding-window-rate-limits.ts';
import { SHARED_FEATURES } from './capabilities/shared-features.ts';
import { PostgresVectorStore } from './capabilities/vector-store/postgres-vector-store.ts';
import { consoleSources } from './composition/console-sources.ts';
import { createBatches } from './composition/create-batches.ts';
import { createJobs } from './composition/create-jobs.ts';
import { LocalJobNotices } from './capabilities/job-notices/local-job-notices.ts';
import { RedisJobNotices } from './capabilities/job-notices/redis-job-notices.ts';
import { ConnectionManager } from './edge/websocket/connection-manager.ts';
import { Events } from './features/events/events.ts';
import { createCaches } from './composition/create-caches.ts';
import { createImports } from './composition/create-imports.ts';
import { createLlm } from './composition/create-llm.ts';
import { ConfigError, loadConfig, type Config } from './config.ts';
import { createPostgresDependency } from './deps/postgres/create-postgres.ts';
import { DataDirInUseError } from './deps/postgres/embedded/data-dir-lock.ts';
import type { PostgresDependency } from './deps/postgres/postgres-dependency.ts';
import { RedisDependency } from './deps/redis/redis-dependency.ts';
import { createApp } from './edge/app.ts';
import { startHttpServer, type RunningServer } from './edge/http-server.ts';
import { v1Access } from './edge/middleware/v1-access.ts';
import type { RouteModule } from './edge/route-tools.ts';
import { ApiKeyRegistry, ApiKeysError } from './features/access/api-key-registry.ts';
import { AdminCredentials } from './features/console/admin-credentials.ts';
import { Conversations } from './features/conversations/conversations.ts';
import { Files } from './features/files/files.ts';
import { HealthService } from './features/health/health-service.ts';
import { IdempotentRequests } from './features/idempotency/idempotent-requests.ts';
import type { CircuitBreaker } from './resilience/circuit-breaker.ts';
import { flush, installShutdown, type Closeable } from './shutdown.ts';
import { createLogger, type Logger } from './telemetry/logger.ts';
import { MetricsExposition } from './telemetry/metrics-exposition.ts';
import { createMetrics } from './telemetry/metrics.ts';
import { shutdownTracing } from './telemetry/tracing.ts';

/** A running request that never finishes frees its Idempotency-Key this long after its deadline. */
const IDEMPOTENCY_LEASE_MARGIN_MS = 10_000;

export interface MainOptions {
  env?: Record<string, string | undefined>;
  /**
   * `worker` (`npm run worker`): runs background jobs only, serving health and metrics but no API;
   * it needs DATABASE_URL, the Postgres server the API replicas queue their jobs in. Default `api`.
   */
  role?: 'api' | 'worker';
  /** Routes only tests mount; they may reach the dependencies (e.g. to make the store slow on purpose). */
  extraRoutes?: (deps: { postgres: PostgresDependency }) => RouteModule;
}

export async function main(options: MainOptions = {}): Promise<RunningServer> {
  const config = loadConfigOrExit(options.env ?? process.env);
  const role = options.role ?? 'api';
  if (role === 'worker' && (!config.databaseUrl || config.jobs.concurrency === 0)) {
    process.stderr.write('levee: a worker (npm run worker) needs DATABASE_URL, the Postgres server the API replicas queue jobs in (the embedded store belongs to one process), and JOB_CONCURRENCY above 0\n');
    process.exit(1);
  }
  const logger = createLogger({ level: config.logLevel, base: { service: 'levee', version: packageJson.version } });
  logEmbeddedStandIns(logger, config);
  const metrics = createMetrics();
  const exposition = new MetricsExposition(metrics);
  const closeables: Closeable[] = [];
  const apiKeys = await loadApiKeysOrExit(config, logger);
  // First among the dependencies: a DATA_DIR another process holds is refused before any wait.
  const postgres = createPostgresOrExit(config, metrics, logger);

  const redis = await connectRedis(config, metrics, logger);
  const fleet = redis ? new SharedState(redis, logger) : undefined;
  // While Redis is away, each replica takes its share of a fleet-wide limit.
  const localShare = () => fleet?.liveReplicas ?? 1;
  const health = new HealthService({ checkTimeoutMs: config.health.checkTimeoutMs, version: packageJson.version });
  // Live: a models reload replaces the `llm/<provider>` entries.
  const breakers = new Map<string, CircuitBreaker>();
  const { llm, reload: reloadModels, reloadable: modelsReloadable } = await createLlm({ config, metrics, logger, redis, fleet, localShare, breakers, health, closeables });
  reloadOnSighup(apiKeys, modelsReloadable ? reloadModels : undefined, logger, closeables);
  breakers.set('postgres', postgres.policies.breaker);
  if (redis) breakers.set('redis', redis.policies.breaker);

  // Before serving: a replica that starts while the fleet's breaker is open starts open.
  if (fleet) {
    await fleet.start();
    closeables.push({ name: 'shared state', close: () => fleet.close() });
  }
  if (redis) closeables.push({ name: 'redis', close: () => redis.close() });

  closeables.unshift({ name: 'postgres', close: () => postgres.close() });

  if (redis) health.register(redisHealthCheck(redis, () => ({ live_replicas: localShare() })));
  health.register(postgresHealthCheck(postgres));
  closeables.push({ name: 'health', close: () => health.close() });

  const caches = createCaches({ config: config.cache, redis, metrics, logger });
  const conversations = new Conversations(redis ? new RedisConversationStore(redis, config.conversations) : new MemoryConversationStore(config.conversations));
  const idempotencyRecords = new MemoryIdempotencyStore(config.idempotency.maxLocalRecords);
  const embeddingBatching = config.llm.policies.embeddings;
  const fileStore = new PostgresFileStore(postgres);
  const chat = { llm: llm.gateway, cache: caches.chat, conversations };
  const embeddings = { llm: llm.gateway, batching: embeddingBatching, cache: caches.embeddings };
  const files = new Files({ store: fileStore, ...config.files, logger });
  const backgroundJobs = createJobs({ config, postgres, logger, metrics, closeables });
  const notices = redis ? new RedisJobNotices(redis, logger) : new LocalJobNotices();
  const batches = createBatches({ jobs: backgroundJobs, postgres, files: fileStore, outputFiles: files, lines: { chat, embeddings, timeoutMs: config.requests.timeoutMs }, logger, metrics, notices });
  const imports = createImports({ jobs: backgroundJobs, postgres, files: fileStore, llm: llm.gateway, embeddings: embeddingBatching, timeoutMs: config.requests.timeoutMs, logger, metrics, notices });
  const events = new Events({ batches, imports, notices, breakers, pollIntervalMs: config.events.pollIntervalMs, logger });
  const connections = new ConnectionManager({ config: config.events, logger, metrics });
  closeables.push({ name: 'events', close: () => events.close() });
  backgroundJobs.resume();

  const app = createApp({
    logger,
    health,
    http: config.http,
    requests: config.requests,
    metrics,
    jobs: backgroundJobs.report,
    breakers,
    ...(config.metricsPort === undefined ? { exposition } : {}),
    // A worker serves its health and metrics only.
    ...(role === 'api'
      ? {
          caches,
          idempotency: new IdempotentRequests({
            store: redis ? new RedisIdempotencyStore(redis, idempotencyRecords) : idempotencyRecords,
            ttlMs: config.idempotency.ttlMs,
            leaseMs: config.requests.timeoutMs + IDEMPOTENCY_LEASE_MARGIN_MS,
          }),
          v1: {
            chat,
            embeddings,
            models: { llm: llm.gateway },
            guards: v1Access({ apiKeys, rateLimits: new SlidingWindowRateLimits({ policies: config.rateLimits.policies, redis, localShare }), metrics }),
            conversations,
          },
          retrieval: { store: new PostgresVectorStore(postgres), llm: llm.gateway, embeddings: embeddingBatching, searchCache: caches.search },
          files,
          batches,
          imports,
          events: { events, manager: connections, health, metrics },
          ...(config.adminToken
            ? {
                admin: new AdminCredentials({ token: config.adminToken.reveal(), sessionTtlMs: config.console.sessionTtlMs }),
                console: consoleSources({ health, llm, postgres, redis, fleet, breakers, metrics, caches, batches, imports }),
                consoleLogins: new SlidingWindowRateLimits({ policies: [config.console.loginPolicy], redis, localShare }),
              }
            : {}),
          ...(options.extraRoutes ? { extraRoutes: options.extraRoutes({ postgres }) } : {}),
        }
      : {}),
  });

  const server = await listenOrExit(app.callback(), config.http, logger);
  if (config.metricsPort !== undefined) {
    const metricsApp = createApp({ logger, health, http: config.http, requests: config.requests, metrics, exposition, breakers: new Map() });
    const metricsServer = await listenOrExit(metricsApp.callback(), { ...config.http, port: config.metricsPort }, logger);
    closeables.unshift({ name: 'metrics listener', close: () => metricsServer.stop(1_000).then(() => undefined) });
    logger.info({ port: metricsServer.port }, 'metrics listening on their own port');
  }
  closeables.push({ name: 'telemetry', close: shutdownTracing });
  installShutdown({
    logger,
    health,
    server,
    drainDelayMs: config.shutdown.drainDelayMs,
    graceMs: config.shutdown.graceMs,
    closeables,
    // Within the drain delay, or a moment when there is none: a client that never completes the close is cut.
    onDrain: [() => connections.closeAll(Math.max(config.shutdown.drainDelayMs, 1_000))],
  });
  health.markServing();
  logger.info({ host: server.host, port: server.port, environment: config.environment, role }, 'listening');
  return server;
}

/**
 * The client keys when API_KEYS or API_KEYS_FILE is set. Keys that cannot be used stop the start
 * like a config error; later, SIGHUP re-reads the file (a bad file then keeps the previous keys).
 */
async function loadApiKeysOrExit(config: Config, logger: Logger): Promise<ApiKeyRegistry | undefined> {
  if (!config.apiKeys && !config.apiKeysFile) return undefined;
  let registry: ApiKeyRegistry;
  try {
    registry = await ApiKeyRegistry.load({ inline: config.apiKeys?.reveal(), file: config.apiKeysFile, logger });
  } catch (error) {
    if (!(error instanceof ApiKeysError)) throw error;
    process.stderr.write(`levee: Unusable API keys:\n${error.problems.map((problem) => `  - ${problem}`).join('\n')}\n`);
    process.exit(1);
  }
  logger.info({ clients: registry.clients }, 'api keys loaded');
  return registry;
}

/**
 * SIGHUP re-reads API_KEYS_FILE (how a key is revoked without a restart) and MODELS_FILE (routing,
 * and provider keys from api_key_file); with neither it is ignored, never fatal.
 */
function reloadOnSighup(apiKeys: ApiKeyRegistry | undefined, reloadModels: (() => Promise<void>) | undefined, logger: Logger, closeables: Closeable[]): void {
  const keys = apiKeys?.reloadable ? apiKeys : undefined;
  const reload =
    keys || reloadModels
      ? () => {
          if (keys) void keys.reload();
          if (reloadModels) void reloadModels().catch((error: unknown) => logger.error({ err: error }, 'models file reload failed'));
        }
      : () => logger.info('SIGHUP ignored: no API_KEYS_FILE or MODELS_FILE to re-read');
  process.on('SIGHUP', reload);
  closeables.push({ name: 'sighup', close: () => void process.off('SIGHUP', reload) });
}

/** The vector store: DATABASE_URL, or the embedded server (its DATA_DIR locked now, started on first use). */
function createPostgresOrExit(config: Config, metrics: ReturnType<typeof createMetrics>, logger: Logger) {
  try {
    return createPostgresDependency({ databaseUrl: config.databaseUrl?.reveal(), config: config.postgres, metrics, logger });
  } catch (error) {
    if (!(error instanceof DataDirInUseError)) throw error;
    process.stderr.write(`levee: ${error.message}\n`);
    process.exit(1);
  }
}

/** Redis when REDIS_URL is set; a Redis that is down at start-up is waited for briefly, then used once it is back. */
async function connectRedis(config: Config, metrics: ReturnType<typeof createMetrics>, logger: Logger): Promise<RedisDependency | undefined> {
  if (!config.redisUrl) return undefined;
  const redis = new RedisDependency({ url: config.redisUrl.reveal(), config: config.sharedState, metrics, logger, sharedFeatures: SHARED_FEATURES });
  await redis.connect(2_000);
  return redis;
}

async function listenOrExit(handler: Parameters<typeof startHttpServer>[0], http: Config['http'], logger: Logger): Promise<RunningServer> {
  try {
    return await startHttpServer(handler, http);
  } catch (error) {
    logger.fatal({ err: error, host: http.host, port: http.port }, 'cannot listen');
    await flush(logger);
    process.exit(1);
  }
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
    // Without keys there is no client identity to count, so these policies would silently do nothing.
    const perKey = config.rateLimits.policies.filter((policy) => policy.scope === 'key').map((policy) => policy.name);
    if (perKey.length > 0) logger.warn({ policies: perKey }, 'per-key rate limits configured without API keys: they apply to nobody');
  }
  if (!config.redisUrl) logger.info('REDIS_URL unset: breakers, rate limits and quotas are kept by this replica alone');
  if (!config.adminToken) logger.info('ADMIN_TOKEN unset: /admin routes and the console are disabled');
  if (config.environment === 'production' && config.allowEmbeddedInProduction) {
    logger.warn('ALLOW_EMBEDDED_IN_PRODUCTION=true: production is allowed to run on embedded stand-ins');
  }
}

if (import.meta.main) await main();
