/**
 * The only reader of process.env (OTEL_* aside, which the OpenTelemetry SDK reads itself).
 * One zod schema, parsed once at boot: every problem is reported at once, and secret values
 * never appear in a message, a log line or a serialised Config.
 */
import { z } from 'zod';
import { flag, integer, url } from './config/env-parsers.ts';
import { llmEnvironment, llmPolicyConfig, type LlmPolicyConfig } from './config/llm.ts';
import { postgresConfig, postgresEnvironment, type PostgresConfig } from './config/postgres.ts';
import { cacheConfig, cacheEnvironment, type CacheConfig } from './config/cache.ts';
import { filesConfig, filesEnvironment, type FilesConfig } from './config/files.ts';
import { conversationsConfig, idempotencyConfig, clientStateEnvironment, type ConversationsConfig, type IdempotencyConfig } from './config/client-state.ts';
import { eventsConfig, eventsEnvironment, type EventsConfig } from './config/events.ts';
import { jobsConfig, jobsEnvironment, type JobsConfig } from './config/jobs.ts';
import type { RateLimitPolicy } from './config/rate-limits.ts';
import { sharedStateConfig, sharedStateEnvironment, type QuotaConfig, type RateLimitConfig, type SharedStateConfig } from './config/shared-state.ts';

import { inspect } from 'node:util';
export { Secret } from './config/secret.ts';
import { Secret } from './config/secret.ts';

/** Variables whose values must never be echoed, even in a config error. URLs may carry passwords. */
const SECRET_VARIABLES = new Set(['LLM_API_KEY', 'DATABASE_URL', 'REDIS_URL', 'ADMIN_TOKEN', 'API_KEYS']);

/** `name:key` pairs separated by commas; names become client identities in logs and limits. */
const apiKeyList = z
  .string()
  .refine((value) => value.split(',').every((pair) => /^[A-Za-z0-9_.-]{1,64}:\S{8,}$/.test(pair.trim())), {
    error: 'must be comma-separated name:key pairs (name [A-Za-z0-9_.-]{1,64}, key at least 8 characters)',
  });

/** The environment as Levee reads it. Defaults live here and nowhere else. */
export const environmentSchema = z.object({
  /** `production` refuses embedded stand-ins (simulator upstream, open access) unless allowed. */
  LEVEE_ENV: z.enum(['development', 'production'], { error: 'must be development or production' }).default('development'),
  /** Lets a production instance run on embedded stand-ins anyway (demos, staging). */
  ALLOW_EMBEDDED_IN_PRODUCTION: flag.default(false),
  /** Listening port; 0 picks a free one (the chosen port is logged). */
  PORT: integer({ min: 0, max: 65535 }).default(8080),
  HOST: z.string().trim().min(1, { error: 'must not be empty' }).default('0.0.0.0'),
  LOG_LEVEL: z
    .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], {
      error: 'must be one of fatal, error, warn, info, debug, trace, silent',
    })
    .default('info'),
  /** Whole-request deadline (long enough for a long LLM answer); clients may only shorten it. */
  REQUEST_TIMEOUT_MS: integer({ min: 1 }).default(120_000),
  /** Requests slower than this are logged at warn. */
  SLOW_REQUEST_MS: integer({ min: 1 }).default(5_000),
  /** After SIGTERM, readiness answers 503 but the listener keeps accepting this long, so load balancers notice. */
  SHUTDOWN_DRAIN_DELAY_MS: integer({ min: 0 }).default(5_000),
  /** Then in-flight requests (streams included) get this long to finish before their sockets are cut. */
  SHUTDOWN_GRACE_MS: integer({ min: 0 }).default(30_000),
  /** Largest request body accepted; larger gets 413. */
  BODY_LIMIT_BYTES: integer({ min: 1 }).default(8 * 1024 * 1024),
  /** How many proxies in front of Levee append to X-Forwarded-For; 0 ignores the header (Koa's maxIpsCount). */
  TRUST_PROXY_HOPS: integer({ min: 0, max: 16 }).default(0),
  /** Idle keep-alive sockets close after this; keep it above the load balancer's idle timeout (often 60 s), or it may reuse a socket Levee is closing. */
  HTTP_KEEP_ALIVE_TIMEOUT_MS: integer({ min: 1 }).default(65_000),
  /** Each health check gives up after this, so a probe never hangs. */
  HEALTH_CHECK_TIMEOUT_MS: integer({ min: 1 }).default(1_000),
  /** The provider's OpenAI-compatible base URL including /v1; unset runs the embedded simulator. */
  LLM_BASE_URL: url(/^https?$/, 'http(s)').optional(),
  LLM_API_KEY: z.string().min(1).optional(),
  /** A YAML file of providers and models (README "Providers and models"); unset: LLM_BASE_URL is the one provider, serving every model. */
  MODELS_FILE: z.string().trim().min(1, { error: 'must not be empty' }).optional(),
  /** postgres://… of a server with pgvector; unset runs the embedded PGlite. */
  DATABASE_URL: url(/^postgres(ql)?$/, 'postgres://').optional(),
  /** redis://… shared by the replicas; unset keeps all state local. */
  REDIS_URL: url(/^rediss?$/, 'redis://').optional(),
  /** Bearer token for /admin routes; unset disables them. */
  ADMIN_TOKEN: z.string().min(16, { error: 'must be at least 16 characters' }).optional(),
  /** How long an ops console session (the cookie /console/login issues for ADMIN_TOKEN) lasts: 1 min to 7 days. */
  CONSOLE_SESSION_TTL_MS: integer({ min: 60_000, max: 7 * 24 * 60 * 60 * 1000 }).default(8 * 60 * 60 * 1000),
  /** Sign-in attempts per client IP per 15 minutes at /console/login, fleet-wide with Redis. */
  CONSOLE_LOGIN_ATTEMPTS_PER_15_MIN: integer({ min: 1, max: 10_000 }).default(10),
  /** Client keys as name:key pairs; unset leaves /v1 open. */
  API_KEYS: apiKeyList.optional(),
  /** A file of name:key pairs, one a line, re-read on SIGHUP. */
  API_KEYS_FILE: z.string().min(1).optional(),
  /** Serve /metrics on this port instead of the public one. */
  METRICS_PORT: integer({ min: 1, max: 65535 }).optional(),
  ...llmEnvironment,
  ...sharedStateEnvironment,
  ...postgresEnvironment,
  ...cacheEnvironment,
  ...filesEnvironment,
  ...clientStateEnvironment,
  ...jobsEnvironment,
  ...eventsEnvironment,
});

type Environment = z.infer<typeof environmentSchema>;

export interface HttpConfig {
  host: string;
  port: number;
  bodyLimitBytes: number;
  trustProxyHops: number;
  keepAliveTimeoutMs: number;
}

export interface Config {
  environment: 'development' | 'production';
  allowEmbeddedInProduction: boolean;
  logLevel: Environment['LOG_LEVEL'];
  http: HttpConfig;
  requests: { timeoutMs: number; slowMs: number };
  shutdown: { drainDelayMs: number; graceMs: number };
  health: { checkTimeoutMs: number };
  llm: {
    baseUrl: string | undefined;
    apiKey: Secret | undefined;
    /** MODELS_FILE's path; its providers' `api_key_env` names are looked up in `environment`. */
    modelsFile: string | undefined;
    policies: LlmPolicyConfig;
    quota: QuotaConfig;
  };
  /** The environment Levee started with, for the models file's `api_key_env` (also on reload); never logged. */
  startEnvironment: EnvironmentSnapshot;
  /** Unset: /metrics is served on the public port. */
  metricsPort: number | undefined;
  databaseUrl: Secret | undefined;
  postgres: PostgresConfig;
  cache: CacheConfig;
  files: FilesConfig;
  conversations: ConversationsConfig;
  jobs: JobsConfig;
  events: EventsConfig;
  idempotency: IdempotencyConfig;
  redisUrl: Secret | undefined;
  adminToken: Secret | undefined;
  /** The ops console at /console (mounted with ADMIN_TOKEN only). */
  console: { sessionTtlMs: number; loginPolicy: RateLimitPolicy };
  apiKeys: Secret | undefined;
  apiKeysFile: string | undefined;
  sharedState: SharedStateConfig;
  rateLimits: RateLimitConfig;
}

/** Thrown with every problem at once; its message is safe to print. */
export class ConfigError extends Error {
  readonly problems: readonly string[];
  constructor(problems: readonly string[]) {
    super(`Invalid configuration:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

/** A frozen copy of the start-up environment that prints as `[environment]`: it holds secrets. */
class EnvironmentSnapshot {
  readonly #values: Readonly<Record<string, string | undefined>>;
  constructor(values: Record<string, string | undefined>) {
    this.#values = Object.freeze({ ...values });
  }
  get values(): Readonly<Record<string, string | undefined>> {
    return this.#values;
  }
  toJSON(): string {
    return '[environment]';
  }
  [inspect.custom](): string {
    return '[environment]';
  }
}

const secret = (value: string | undefined) => (value === undefined ? undefined : new Secret(value));

/** Embedded stand-ins that production must not run on by accident. */
function productionStandInProblems(env: Environment): string[] {
  if (env.LEVEE_ENV !== 'production' || env.ALLOW_EMBEDDED_IN_PRODUCTION) return [];
  const problems: string[] = [];
  if (!env.LLM_BASE_URL && !env.MODELS_FILE) {
    problems.push('LLM_BASE_URL: required when LEVEE_ENV=production without a MODELS_FILE (unset serves from the embedded simulator); or set ALLOW_EMBEDDED_IN_PRODUCTION=true');
  }
  if (!env.API_KEYS && !env.API_KEYS_FILE) {
    problems.push('API_KEYS: required when LEVEE_ENV=production (unset leaves /v1 open to anyone); set API_KEYS or API_KEYS_FILE, or ALLOW_EMBEDDED_IN_PRODUCTION=true');
  }
  return problems;
}

function describeIssue(issue: z.core.$ZodIssue, source: Record<string, string | undefined>): string {
  const name = String(issue.path[0] ?? '(environment)');
  const raw = source[name];
  const quoted = issue.code === 'custom' && issue.params?.['quotesInput'] === true;
  const shown = raw === undefined || SECRET_VARIABLES.has(name) || quoted ? '' : ` (got ${JSON.stringify(raw.slice(0, 64))})`;
  return `${name}: ${issue.message}${shown}`;
}

/** Parses the environment once. Empty strings count as unset, as compose files often pass them. */
export function loadConfig(source: Record<string, string | undefined> = process.env): Config {
  const present = Object.fromEntries(Object.entries(source).filter(([, value]) => value !== undefined && value !== ''));
  const parsed = environmentSchema.safeParse(present);
  if (!parsed.success) throw new ConfigError(parsed.error.issues.map((issue) => describeIssue(issue, present)));
  const env = parsed.data;
  const standIns = productionStandInProblems(env);
  if (standIns.length > 0) throw new ConfigError(standIns);
  const shared = sharedStateConfig(env);

  return {
    environment: env.LEVEE_ENV,
    allowEmbeddedInProduction: env.ALLOW_EMBEDDED_IN_PRODUCTION,
    logLevel: env.LOG_LEVEL,
    http: {
      host: env.HOST,
      port: env.PORT,
      bodyLimitBytes: env.BODY_LIMIT_BYTES,
      trustProxyHops: env.TRUST_PROXY_HOPS,
      keepAliveTimeoutMs: env.HTTP_KEEP_ALIVE_TIMEOUT_MS,
    },
    requests: { timeoutMs: env.REQUEST_TIMEOUT_MS, slowMs: env.SLOW_REQUEST_MS },
    shutdown: { drainDelayMs: env.SHUTDOWN_DRAIN_DELAY_MS, graceMs: env.SHUTDOWN_GRACE_MS },
    health: { checkTimeoutMs: env.HEALTH_CHECK_TIMEOUT_MS },
    llm: { baseUrl: env.LLM_BASE_URL, apiKey: secret(env.LLM_API_KEY), modelsFile: env.MODELS_FILE, policies: llmPolicyConfig(env), quota: shared.llmQuota },
    startEnvironment: new EnvironmentSnapshot(present),
    metricsPort: env.METRICS_PORT,
    databaseUrl: secret(env.DATABASE_URL),
    postgres: postgresConfig(env),
    cache: cacheConfig(env),
    files: filesConfig(env),
    conversations: conversationsConfig(env),
    jobs: jobsConfig(env),
    events: eventsConfig(env),
    idempotency: idempotencyConfig(env),
    redisUrl: secret(env.REDIS_URL),
    adminToken: secret(env.ADMIN_TOKEN),
    console: {
      sessionTtlMs: env.CONSOLE_SESSION_TTL_MS,
      // Counted per IP like any limit (its name is a metric label and part of the Redis key).
      loginPolicy: { name: 'console_login.ip.15m', routes: 'all', scope: 'ip', limit: env.CONSOLE_LOGIN_ATTEMPTS_PER_15_MIN, windowSeconds: 15 * 60 },
    },
    apiKeys: secret(env.API_KEYS),
    apiKeysFile: env.API_KEYS_FILE,
    sharedState: shared.sharedState,
    rateLimits: shared.rateLimits,
  };
}
