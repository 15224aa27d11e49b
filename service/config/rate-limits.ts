/**
 * Inbound rate-limit policies: which /v1 routes, counted per client key or per client IP, how
 * many requests over what window. Three come from their own variables (the all-routes limits per
 * IP and per key, and the hourly AI budget per key); RATE_LIMITS adds more in a compact syntax:
 *
 *   RATE_LIMITS=chat:key=50/1m,embeddings:ip=20/10s
 *
 * Each entry is `<routes>:<key|ip>=<limit>/<window>`, the window a whole number of s, m, h or d
 * between 1s and 1d. A policy's name (`chat.key.1m`) is a metric label and part of its Redis keys.
 */
import { z } from 'zod';

/**
 * Route groups a policy can name: `all` /v1 routes, `ai` (the routes that call the LLM for the
 * client: chat completions, embeddings, retrieval search and document upserts), or one endpoint
 * family. Which route belongs to which group is the edge's (edge/route-groups.ts).
 */
export const RATE_LIMIT_ROUTE_GROUPS = ['all', 'ai', 'chat', 'embeddings', 'models', 'files', 'batches', 'retrieval', 'conversations', 'imports', 'events'] as const;
export type RouteGroup = (typeof RATE_LIMIT_ROUTE_GROUPS)[number];

export type RateLimitScope = 'key' | 'ip';

export interface RateLimitPolicy {
  /** `<routes>.<scope>.<window>`, e.g. `ai.key.1h`: unique, a metric label, part of the Redis keys. */
  name: string;
  routes: RouteGroup;
  /** Counted per client key name (needs API keys) or per client IP. */
  scope: RateLimitScope;
  /** Requests per identity per window, fleet-wide. */
  limit: number;
  windowSeconds: number;
}

/** Bounds the policies (and so the `policy` label's values and the checks per request). */
const MAX_EXTRA_POLICIES = 32;
const MAX_WINDOW_SECONDS = 86_400;
const MAX_LIMIT = 1_000_000_000;
const UNIT_SECONDS = { s: 1, m: 60, h: 3_600, d: 86_400 } as const;

export type WindowUnit = keyof typeof UNIT_SECONDS;
const UNITS_LARGEST_FIRST: readonly WindowUnit[] = ['d', 'h', 'm', 's'];

/** The window in the largest unit that divides it: 60 → 1 m, 90 → 90 s (policy names, the 429's wording). */
export function windowInUnits(windowSeconds: number): { count: number; unit: WindowUnit } {
  const unit = UNITS_LARGEST_FIRST.find((candidate) => windowSeconds % UNIT_SECONDS[candidate] === 0) ?? 's';
  return { count: windowSeconds / UNIT_SECONDS[unit], unit };
}

export function rateLimitPolicy(routes: RouteGroup, scope: RateLimitScope, limit: number, windowSeconds: number): RateLimitPolicy {
  const { count, unit } = windowInUnits(windowSeconds);
  return { name: `${routes}.${scope}.${count}${unit}`, routes, scope, limit, windowSeconds };
}

/** The policies that have variables of their own; RATE_LIMITS may not repeat them. */
const RESERVED: Record<string, string> = {
  'all.ip.1m': 'RATE_LIMIT_IP_PER_MIN',
  'all.key.1m': 'RATE_LIMIT_KEY_PER_MIN',
  'ai.key.1h': 'RATE_LIMIT_AI_KEY_PER_HOUR',
};

const ENTRY = /^([^:=/]*):([^:=/]*)=([^:=/]*)\/([^:=/]*)$/;

/** One RATE_LIMITS entry, or the problems with it. */
function parseEntry(entry: string): RateLimitPolicy | string[] {
  const match = ENTRY.exec(entry);
  if (!match) return ['must be <routes>:<key|ip>=<limit>/<window>, e.g. chat:key=50/1m'];
  const [, routes = '', scope = '', limit = '', window = ''] = match;
  const problems: string[] = [];
  if (!(RATE_LIMIT_ROUTE_GROUPS as readonly string[]).includes(routes)) problems.push(`routes must be one of ${RATE_LIMIT_ROUTE_GROUPS.join(', ')}`);
  if (scope !== 'key' && scope !== 'ip') problems.push('scope must be key or ip');
  const count = /^\d+$/.test(limit) ? Number(limit) : Number.NaN;
  if (!(count >= 1 && count <= MAX_LIMIT)) problems.push(`limit must be a whole number from 1 to ${MAX_LIMIT}`);
  const windowMatch = /^(\d+)([smhd])$/.exec(window);
  const seconds = windowMatch ? Number(windowMatch[1]) * UNIT_SECONDS[windowMatch[2] as keyof typeof UNIT_SECONDS] : Number.NaN;
  if (!(seconds >= 1 && seconds <= MAX_WINDOW_SECONDS)) problems.push('window must be a whole number of s, m, h or d from 1s to 1d, e.g. 10s or 1h');
  if (problems.length > 0) return problems;
  return rateLimitPolicy(routes as RouteGroup, scope as RateLimitScope, count, seconds);
}

/** RATE_LIMITS: comma-separated entries; blank entries are ignored. Every problem is its own issue. */
export const extraRateLimitPolicies = z.string().transform((value, ctx) => {
  const entries = value.split(',').map((entry) => entry.trim()).filter((entry) => entry !== '');
  const policies: RateLimitPolicy[] = [];
  // Each message quotes its entry, so the whole value is not echoed after it (config.ts).
  const problem = (message: string) => ctx.issues.push({ code: 'custom', message, input: value, params: { quotesInput: true } });
  if (entries.length > MAX_EXTRA_POLICIES) problem(`at most ${MAX_EXTRA_POLICIES} entries`);
  for (const entry of entries) {
    const parsed = parseEntry(entry);
    if (Array.isArray(parsed)) {
      for (const message of parsed) problem(`${JSON.stringify(entry)}: ${message}`);
    } else if (RESERVED[parsed.name]) {
      problem(`${JSON.stringify(entry)}: is ${RESERVED[parsed.name]}'s policy, set that variable instead`);
    } else if (policies.some((other) => other.name === parsed.name)) {
      problem(`${JSON.stringify(entry)}: a second ${parsed.name} (same routes, scope and window)`);
    } else {
      policies.push(parsed);
    }
  }
  return policies;
});

/** Every policy in force: the three with variables of their own (when not 0), then RATE_LIMITS in order. */
export function rateLimitPolicies(env: { ipPerMinute: number; keyPerMinute: number; aiKeyPerHour: number; extra: readonly RateLimitPolicy[] }): RateLimitPolicy[] {
  return [
    ...(env.ipPerMinute > 0 ? [rateLimitPolicy('all', 'ip', env.ipPerMinute, 60)] : []),
    ...(env.keyPerMinute > 0 ? [rateLimitPolicy('all', 'key', env.keyPerMinute, 60)] : []),
    ...(env.aiKeyPerHour > 0 ? [rateLimitPolicy('ai', 'key', env.aiKeyPerHour, 3_600)] : []),
    ...env.extra,
  ];
}
