/**
 * The fault rule language: one zod schema shared by the admin API, the X-Sim-Fault header and the
 * in-process handle, so a rule means the same thing wherever it comes from. Objects are strict:
 * a misspelt field is an error, not a fault that silently never fires.
 */
import { z } from 'zod';

/** Longest delay a rule may ask for; beyond an hour it is a typo, and `hang` says "forever". */
const MAX_MS = 3_600_000;

const milliseconds = z.number().min(0).max(MAX_MS);

/** The routes a rule can target; `*` matches every /v1 request, known route or not. */
const ROUTES = ['chat', 'embeddings', 'models'] as const;
export type Route = (typeof ROUTES)[number];

/** The statuses an error fault may answer with: the ones real providers send. */
const ERROR_STATUSES = [400, 401, 403, 404, 408, 409, 422, 429, 500, 502, 503, 504] as const;

const latencyDistribution = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('fixed'), ms: milliseconds }),
  z.strictObject({ kind: z.literal('normal'), meanMs: milliseconds, stdDevMs: milliseconds }),
  z
    .strictObject({ kind: z.literal('long-tail'), medianMs: milliseconds.positive(), p99Ms: milliseconds.positive() })
    .refine((value) => value.p99Ms >= value.medianMs, { error: 'must be at least medianMs', path: ['p99Ms'] }),
  // atMs counts from when the rule was installed: "the upstream got slow two seconds in".
  z.strictObject({ kind: z.literal('step'), beforeMs: milliseconds, afterMs: milliseconds, atMs: milliseconds }),
]);

const fault = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('error'),
    status: z.literal(ERROR_STATUSES, { error: `must be one of ${ERROR_STATUSES.join(', ')}` }),
    /** Sets Retry-After (whole seconds, rounded up) and retry-after-ms, as OpenAI does on 429s. */
    retryAfterS: z.number().min(0).max(MAX_MS / 1000).optional(),
    message: z.string().max(2000).optional(),
  }),
  z.strictObject({ type: z.literal('latency'), distribution: latencyDistribution }),
  z.strictObject({ type: z.literal('hang') }),
  z.strictObject({ type: z.literal('reset') }),
  z.strictObject({
    type: z.literal('slow-stream'),
    /** Delay before the first chunk; the headers go out at once. Non-streaming: plain latency. */
    ttftMs: milliseconds.optional(),
    /** Delay between consecutive chunks. */
    chunkGapMs: milliseconds.optional(),
    /** Stall after this many chunks have been written. */
    stallAfterChunks: z.int().min(1).optional(),
    /** How long the stall lasts; omitted stalls until the client gives up. */
    stallMs: milliseconds.optional(),
    /** Reset the connection after this many chunks have been written. */
    resetAfterChunks: z.int().min(1).optional(),
  }),
]);

/** One fault rule as accepted from JSON. */
export const faultRuleSchema = z.strictObject({
  /** Caller-chosen id; generated when omitted. */
  id: z
    .string()
    .regex(/^[A-Za-z0-9_.:-]{1,64}$/, { error: 'must be 1-64 characters of A-Z a-z 0-9 _ . : -' })
    .optional(),
  route: z.enum([...ROUTES, '*']).default('*'),
  /** Only requests whose body.model equals this. */
  model: z.string().min(1).optional(),
  /** Chance that a matching request gets the fault, drawn from the seeded generator. */
  probability: z.number().min(0).max(1).default(1),
  /** Applies to the next N matching requests (that the probability lets through), then expires. */
  count: z.int().min(1).optional(),
  fault,
});

/** A rule as callers write it (defaults optional). */
export type FaultRuleInput = z.input<typeof faultRuleSchema>;
/** A validated rule with defaults filled in. */
export type FaultRule = z.output<typeof faultRuleSchema>;
type Fault = FaultRule['fault'];
type FaultType = Fault['type'];
export type ErrorFault = Extract<Fault, { type: 'error' }>;
type LatencyFault = Extract<Fault, { type: 'latency' }>;
export type SlowStreamFault = Extract<Fault, { type: 'slow-stream' }>;
export type LatencyDistribution = LatencyFault['distribution'];

/** A rule that failed validation; `field` is the dotted path of the first problem. */
export class InvalidFaultRuleError extends Error {
  readonly field: string | null;
  constructor(message: string, field: string | null) {
    super(message);
    this.name = 'InvalidFaultRuleError';
    this.field = field;
  }
}

/**
 * Validates `input` against `schema`, throwing {@link InvalidFaultRuleError} that names every
 * offending field (`fault.status: must be one of …`), so a 400 tells the caller what to fix.
 */
export function parseOrThrow<Output>(schema: z.ZodType<Output>, input: unknown, prefix = ''): Output {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const described = result.error.issues.map((issue) => {
    const field = [prefix, ...issue.path.map(String)].filter(Boolean).join('.');
    return { field, text: field ? `${field}: ${issue.message}` : issue.message };
  });
  throw new InvalidFaultRuleError(described.map((entry) => entry.text).join('; '), described[0]?.field || null);
}
