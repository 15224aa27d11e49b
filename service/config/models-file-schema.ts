/**
 * The shape of MODELS_FILE: snake_case YAML in, the camelCase config of models.ts out, with every
 * limit and default written here. A provider's policies default to the LLM_* values Levee started
 * with, so the schema is built per load from them. References between entries (deployments to
 * providers, fallbacks to models) and API keys are checked in models-file.ts.
 */
import { z } from 'zod';
import type { LlmPolicyConfig } from './llm.ts';
import { DEFAULT_HEDGE_FLOOR_MS, DEFAULT_ROUTING, type ModelRouteConfig, type RoutingConfig } from './models.ts';
import type { QuotaConfig } from './shared-state.ts';

/** A metric label, a Redis key part and the admin name `llm/<id>`, hence short and plain. */
const PROVIDER_ID = /^[a-z0-9][a-z0-9_-]{0,31}$/;
/** A public or upstream model name: clients send it, logs and metrics carry it. */
const MODEL_NAME = /^[^\p{Cc}]{1,128}$/u;
/** RFC 9110 token. */
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
/** No CR/LF (header injection) nor other controls; a tab is legal in a field value. */
const HEADER_VALUE = /^[^\x00-\x08\x0a-\x1f\x7f]*$/;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** Levee sets these from the request and the provider's key; a file must not override them. */
const RESERVED_HEADERS = new Set(['authorization', 'content-type', 'content-length', 'host']);

const count = (min: number) => z.number().int({ error: 'must be an integer' }).min(min, { error: `must be at least ${min}` });
const ratio = (min: number, max: number) =>
  z.number().min(min, { error: `must be at least ${min}` }).max(max, { error: `must be at most ${max}` });
const modelName = z.string().regex(MODEL_NAME, { error: 'must be 1-128 characters without control characters' });

/** Each field overrides the matching LLM_* / LLM_QUOTA_* value; what the file cannot set keeps the base value. */
function policiesSchema(base: { policies: LlmPolicyConfig; quota: QuotaConfig }) {
  const { policies, quota } = base;
  const timeout = z
    .strictObject({ floor_ms: count(1).default(policies.timeout.floorMs), ceiling_ms: count(1).default(policies.timeout.ceilingMs) })
    // Checked after the merge: a provider that only lowers ceiling_ms may fall below LLM_TIMEOUT_FLOOR_MS.
    .refine((value) => value.floor_ms <= value.ceiling_ms, { error: 'floor_ms must not exceed ceiling_ms (unset ones are LLM_TIMEOUT_*)' })
    .prefault({});
  const bulkhead = z
    .strictObject({
      max_concurrent: count(1).default(policies.bulkhead.maxConcurrent),
      max_queued: count(0).default(policies.bulkhead.maxQueued),
      queue_timeout_ms: count(1).default(policies.bulkhead.queueTimeoutMs),
    })
    .prefault({});
  const breaker = z
    .strictObject({
      min_failures: count(1).default(policies.breaker.minimumFailures),
      /** 0: off. */
      consecutive_failures: count(0).default(policies.breaker.consecutiveFailures),
      failure_rate: ratio(0.01, 1).default(policies.breaker.failureRate),
      window_ms: count(1_000).default(policies.breaker.windowMs),
      half_open_after_ms: count(1).default(policies.breaker.halfOpenAfterMs),
      successes_to_close: count(1).default(policies.breaker.successesToClose),
    })
    .prefault({});
  /** The provider account's limits across the fleet; 0 = that dimension unlimited. */
  const quotaOverrides = z
    .strictObject({
      requests_per_min: count(0).default(quota.requestsPerMinute),
      tokens_per_min: count(0).default(quota.tokensPerMinute),
      concurrent: count(0).default(quota.concurrent),
    })
    .prefault({});
  return z
    .strictObject({ timeout, bulkhead, breaker, quota: quotaOverrides })
    .prefault({})
    .transform((value): { policies: LlmPolicyConfig; quota: QuotaConfig } => ({
      policies: {
        ...policies,
        timeout: { ...policies.timeout, floorMs: value.timeout.floor_ms, ceilingMs: value.timeout.ceiling_ms },
        bulkhead: { ...policies.bulkhead, maxConcurrent: value.bulkhead.max_concurrent, maxQueued: value.bulkhead.max_queued, queueTimeoutMs: value.bulkhead.queue_timeout_ms },
        breaker: {
          enabled: policies.breaker.enabled,
          minimumFailures: value.breaker.min_failures,
          consecutiveFailures: value.breaker.consecutive_failures,
          failureRate: value.breaker.failure_rate,
          windowMs: value.breaker.window_ms,
          halfOpenAfterMs: value.breaker.half_open_after_ms,
          successesToClose: value.breaker.successes_to_close,
        },
      },
      quota: { requestsPerMinute: value.quota.requests_per_min, tokensPerMinute: value.quota.tokens_per_min, concurrent: value.quota.concurrent },
    }));
}

const headerName = z
  .string()
  .regex(HEADER_NAME, { error: 'must be a valid header name' })
  .refine((name) => !RESERVED_HEADERS.has(name.toLowerCase()), { error: 'is set by Levee itself' });

function providerSchema(base: { policies: LlmPolicyConfig; quota: QuotaConfig }) {
  return z
    .strictObject({
      id: z.string().regex(PROVIDER_ID, { error: 'must match [a-z0-9][a-z0-9_-]{0,31}' }),
      /** OpenAI-compatible, including /v1. */
      base_url: z.url({ protocol: /^https?$/, error: (issue) => (issue.code === 'invalid_type' ? undefined : 'must be an http(s) URL') }),
      /** Where the key is, never the key: at most one of the two; neither = the provider takes no key (a local server). */
      api_key_env: z.string().regex(ENV_NAME, { error: 'must be an environment variable name' }).optional(),
      api_key_file: z.string().min(1, { error: 'must not be empty' }).optional(),
      /** Sent on every request to this provider (an organisation, an API version); never logged. */
      headers: z.record(headerName, z.string().regex(HEADER_VALUE, { error: 'must not contain control characters' })).default({}),
      policies: policiesSchema(base),
    })
    .refine((value) => value.api_key_env === undefined || value.api_key_file === undefined, {
      error: 'set api_key_env or api_key_file, not both',
      // Also when other fields failed, so it is listed with them.
      when: (payload) => typeof payload.value === 'object' && payload.value !== null,
    })
    .transform((value) => ({
      id: value.id,
      baseUrl: value.base_url,
      // The key itself is read by models-file.ts, from every entry that names one.
      headers: value.headers,
      policies: value.policies.policies,
      quota: value.policies.quota,
    }));
}

const deploymentSchema = z.strictObject({
  provider: z.string(),
  /** The provider's own name for the model; default: the public name. */
  model: modelName.optional(),
  /** Relative share of traffic among the model's deployments. */
  weight: z.number().gt(0, { error: 'must be greater than 0' }).default(1),
});

const modelSchema = z
  .strictObject({
    name: modelName,
    kind: z.enum(['chat', 'embeddings'], { error: 'must be chat or embeddings' }).default('chat'),
    deployments: z.array(deploymentSchema).min(1, { error: 'must list at least one deployment' }),
    /** Tried in order once every deployment failed; chat models only (checked with the references). */
    fallbacks: z.array(modelName).default([]),
    hedge: z
      .strictObject({
        /** Default: on for embeddings (idempotent and short), off for chat (a second generation costs tokens). */
        enabled: z.boolean().optional(),
        floor_ms: count(1).default(DEFAULT_HEDGE_FLOOR_MS),
      })
      .prefault({}),
  })
  .transform(
    (value): ModelRouteConfig => ({
      name: value.name,
      kind: value.kind,
      deployments: value.deployments.map((deployment) => ({ provider: deployment.provider, model: deployment.model ?? value.name, weight: deployment.weight })),
      fallbacks: value.fallbacks,
      hedge: { enabled: value.hedge.enabled ?? value.kind === 'embeddings', floorMs: value.hedge.floor_ms },
    }),
  );

const routingSchema = z
  .strictObject({
    /** Weight deployments by live health as well as by their weight. */
    health_weighting: z.boolean().default(DEFAULT_ROUTING.healthWeighting),
    /** Share of calls hedges may add over the window. */
    hedge_budget_ratio: ratio(0, 1).default(DEFAULT_ROUTING.hedgeBudgetRatio),
    hedge_budget_window_ms: count(1_000).default(DEFAULT_ROUTING.hedgeBudgetWindowMs),
  })
  .prefault({})
  .transform((value): RoutingConfig => ({
    healthWeighting: value.health_weighting,
    hedgeBudgetRatio: value.hedge_budget_ratio,
    hedgeBudgetWindowMs: value.hedge_budget_window_ms,
  }));

/**
 * The whole file, plus a model entry on its own: when the file has problems, models-file.ts still
 * checks references among the models that are valid, so one run lists everything.
 */
export function modelsFileSchema(base: { policies: LlmPolicyConfig; quota: QuotaConfig }) {
  const document = z.strictObject({
    providers: z.array(providerSchema(base)).min(1, { error: 'must list at least one provider' }),
    models: z.array(modelSchema).min(1, { error: 'must list at least one model' }),
    routing: routingSchema,
  });
  return { document, model: modelSchema };
}

const TYPE_NAMES: Record<string, string> = { object: 'a mapping', array: 'a list', string: 'a string', number: 'a number', boolean: 'true or false' };

/** Parse-level messages, used where a field sets none: plain words and YAML's vocabulary. */
export function defaultMessage(issue: z.core.$ZodRawIssue): string | undefined {
  if (issue.code !== 'invalid_type') return undefined;
  return issue.input === undefined ? 'is required' : `must be ${TYPE_NAMES[issue.expected] ?? issue.expected}`;
}

const pathText = (path: readonly PropertyKey[]) =>
  path.map((part, index) => (typeof part === 'number' ? `[${part}]` : `${index === 0 ? '' : '.'}${String(part)}`)).join('');

/** `models[1].deployments[0].weight: must be greater than 0`; an unknown key is named in the path. Never echoes a value. */
export function describeIssue(issue: z.core.$ZodIssue): string[] {
  const at = (path: readonly PropertyKey[]) => pathText(path) || '(top level)';
  if (issue.code === 'unrecognized_keys') return issue.keys.map((key) => `${at([...issue.path, key])}: unknown key`);
  if (issue.code === 'invalid_key') return issue.issues.map((inner) => `${at(issue.path)}: ${inner.message}`);
  return [`${at(issue.path)}: ${issue.message}`];
}
