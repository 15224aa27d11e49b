/**
 * `npm run simulator`: the simulator as its own process, for the demo stack and for benchmarks
 * that want the upstream on another core. Reads its settings from the environment (checked with
 * zod, every problem listed, exit 1), prints one JSON line once listening, and closes cleanly on
 * SIGTERM or SIGINT.
 */
import { z } from 'zod';
import { startSimulator } from './server.ts';

const integer = (min: number, max: number) =>
  z
    .string()
    .trim()
    .regex(/^\d+$/, { error: 'must be a non-negative integer' })
    .transform(Number)
    .pipe(z.number().int().min(min, { error: `must be at least ${min}` }).max(max, { error: `must be at most ${max}` }));

/** A comma-separated list of model ids: spaces around each trimmed, none empty, none twice. */
const modelList = z
  .string()
  .transform((value) => value.split(',').map((id) => id.trim()))
  .superRefine((ids, context) => {
    if (ids.some((id) => id.length === 0)) context.addIssue({ code: 'custom', message: 'must be model ids separated by commas, none empty' });
    const twice = ids.find((id, index) => ids.indexOf(id) !== index);
    if (twice !== undefined) context.addIssue({ code: 'custom', message: `lists ${twice} twice` });
  });

const environmentSchema = z
  .object({
    SIM_PORT: integer(0, 65_535).default(8090),
    SIM_HOST: z.string().trim().min(1, { error: 'must not be empty' }).default('127.0.0.1'),
    /** Seeds fault decisions and completion text; an unsigned 32-bit integer. */
    SIM_SEED: integer(0, 0xffff_ffff).default(42),
    /** Embedding size for models without a known size. */
    SIM_EMBEDDING_DIMENSION: integer(1, 65_536).default(1536),
    /** When set, /v1 requests must carry it as a bearer token. Never printed. */
    SIM_API_KEY: z.string().min(1, { error: 'must not be empty when set' }).optional(),
    /** The only models served and listed, comma-separated; unset serves any model. */
    SIM_MODELS: modelList.optional(),
    /** Turns on the request rate limit (OpenAI's x-ratelimit-* headers, 429 when used up). */
    SIM_RATE_LIMIT_REQUESTS: integer(1, 1_000_000_000).optional(),
    /** The rate limit's window; needs SIM_RATE_LIMIT_REQUESTS. Default a minute, like OpenAI's RPM. */
    SIM_RATE_LIMIT_WINDOW_MS: integer(1, 86_400_000).optional(),
  })
  .refine((environment) => environment.SIM_RATE_LIMIT_WINDOW_MS === undefined || environment.SIM_RATE_LIMIT_REQUESTS !== undefined, {
    error: 'needs SIM_RATE_LIMIT_REQUESTS as well',
    path: ['SIM_RATE_LIMIT_WINDOW_MS'],
  });

function log(line: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify(line)}\n`);
}

const parsed = environmentSchema.safeParse(process.env);
if (!parsed.success) {
  // Names and messages only: values may be secrets (SIM_API_KEY).
  const problems = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
  process.stderr.write(`${JSON.stringify({ msg: 'simulator: invalid environment', problems })}\n`);
  process.exit(1);
}
const environment = parsed.data;

const rateLimit =
  environment.SIM_RATE_LIMIT_REQUESTS === undefined
    ? undefined
    : { requests: environment.SIM_RATE_LIMIT_REQUESTS, windowMs: environment.SIM_RATE_LIMIT_WINDOW_MS ?? 60_000 };

const simulator = await startSimulator({
  host: environment.SIM_HOST,
  port: environment.SIM_PORT,
  seed: environment.SIM_SEED,
  embeddingDimension: environment.SIM_EMBEDDING_DIMENSION,
  ...(environment.SIM_API_KEY === undefined ? {} : { apiKey: environment.SIM_API_KEY }),
  ...(environment.SIM_MODELS === undefined ? {} : { models: environment.SIM_MODELS }),
  ...(rateLimit === undefined ? {} : { rateLimit }),
}).catch((error: NodeJS.ErrnoException) => {
  // EADDRINUSE and friends: one readable line rather than a stack trace.
  process.stderr.write(`${JSON.stringify({ msg: 'simulator: could not listen', code: error.code, error: error.message })}\n`);
  process.exit(1);
});
log({
  msg: 'simulator listening',
  url: simulator.url,
  seed: environment.SIM_SEED,
  auth: environment.SIM_API_KEY !== undefined,
  ...(environment.SIM_MODELS === undefined ? {} : { models: environment.SIM_MODELS }),
  ...(rateLimit === undefined ? {} : { rate_limit: { requests: rateLimit.requests, window_ms: rateLimit.windowMs } }),
});

let stopping = false;
const stop = (signal: NodeJS.Signals): void => {
  if (stopping) return;
  stopping = true;
  void simulator.close().then(() => log({ msg: 'simulator closed', signal }));
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
