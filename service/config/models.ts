/**
 * Providers and models: what the LLM routing runs on. Read from MODELS_FILE (models-file.ts), or
 * built from LLM_BASE_URL / LLM_API_KEY as one provider `default` serving every model
 * (`singleProviderModels`). Both give the same shape, so routing has one code path.
 */
import type { LlmPolicyConfig } from './llm.ts';
import type { Secret } from './secret.ts';
import type { QuotaConfig } from './shared-state.ts';

/** Where a provider's API key comes from; the key itself is never in the models file. */
export type ApiKeySource = { env: string } | { file: string };

export interface ProviderConfig {
  /** `[a-z0-9][a-z0-9_-]{0,31}`: a metric label, a Redis key part and the admin name `llm/<id>`. */
  id: string;
  /** OpenAI-compatible base URL including /v1. */
  baseUrl: string;
  apiKey: Secret | undefined;
  apiKeySource: ApiKeySource | undefined;
  /** Extra request headers (e.g. an organisation or an API version); never logged. */
  headers: Record<string, string>;
  /** The LLM_* policies with this provider's overrides applied. */
  policies: LlmPolicyConfig;
  /** LLM_QUOTA_* with this provider's overrides applied (0 = that dimension unlimited). */
  quota: QuotaConfig;
}

interface DeploymentConfig {
  provider: string;
  /** The provider's own name for the model. */
  model: string;
  /** Relative share of traffic among the model's deployments (> 0). */
  weight: number;
}

export interface HedgeConfig {
  enabled: boolean;
  /** Never hedge earlier than this after the first attempt started, in ms. */
  floorMs: number;
}

export interface ModelRouteConfig {
  /** The public name clients send. */
  name: string;
  /** Only chat models have fallbacks: another model's embeddings live in another vector space. */
  kind: 'chat' | 'embeddings';
  deployments: DeploymentConfig[];
  /** Other public chat models tried in order once every deployment of this one failed. */
  fallbacks: string[];
  /** On by default for embeddings, opt-in for chat. */
  hedge: HedgeConfig;
}

export interface RoutingConfig {
  /** Weight deployments by live health (in-flight load, latency, recent failures) as well as by their weight. */
  healthWeighting: boolean;
  /** Hedges may add at most this share of calls over the budget's window (0.05). */
  hedgeBudgetRatio: number;
  hedgeBudgetWindowMs: number;
}

export interface ModelsConfig {
  /** `file`: MODELS_FILE; `environment`: one provider `default` from LLM_BASE_URL / LLM_API_KEY. */
  source: 'file' | 'environment';
  providers: ProviderConfig[];
  models: ModelRouteConfig[];
  /**
   * A provider that serves any model not listed, under the client's own name (the single-provider
   * set-up); undefined: an unlisted model is 404 model_not_found.
   */
  catchAllProvider: string | undefined;
  routing: RoutingConfig;
}

const DEFAULT_PROVIDER_ID = 'default';

export const DEFAULT_ROUTING: RoutingConfig = { healthWeighting: true, hedgeBudgetRatio: 0.05, hedgeBudgetWindowMs: 10_000 };

/** Hedging waits at least this long by default (the live P95 usually decides). */
export const DEFAULT_HEDGE_FLOOR_MS = 50;

/** Today's configuration as one provider serving every model under the client's name. */
export function singleProviderModels(provider: { baseUrl: string; apiKey: Secret | undefined; policies: LlmPolicyConfig; quota: QuotaConfig }): ModelsConfig {
  return {
    source: 'environment',
    providers: [{ id: DEFAULT_PROVIDER_ID, baseUrl: provider.baseUrl, apiKey: provider.apiKey, apiKeySource: undefined, headers: {}, policies: provider.policies, quota: provider.quota }],
    models: [],
    catchAllProvider: DEFAULT_PROVIDER_ID,
    routing: DEFAULT_ROUTING,
  };
}
