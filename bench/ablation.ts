/**
 * Bench only: `node --import ./bench/ablation.ts …` with LEVEE_BENCH_ABLATE=<parts> turns parts of
 * Levee's hot path off in that process, for the CPU breakdown (cpu-breakdown.ts) of parts that have
 * no setting of their own. Nothing in service/ knows about it: the parts are replaced as their
 * modules load (node:module registerHooks) or, for metrics, prom-client's mutators become no-ops.
 *
 * - `validation`: parseRequest hands the body on unchecked (no zod).
 * - `metrics`: every counter, gauge and histogram update does nothing (scrapes still answer).
 * - `idempotency`: the Idempotency-Key middleware is a pass-through.
 * - `cache`: Cache-Control is not read and X-Cache not set (a non-deterministic chat never reaches
 *   the cache itself: that check is one comparison).
 */
import { registerHooks } from 'node:module';
import client from 'prom-client';

const parts = new Set((process.env.LEVEE_BENCH_ABLATE ?? '').split(',').filter(Boolean));
const KNOWN = ['validation', 'metrics', 'idempotency', 'cache'];
for (const part of parts) if (!KNOWN.includes(part)) throw new Error(`LEVEE_BENCH_ABLATE: unknown part ${part} (known: ${KNOWN.join(', ')})`);

/** Module (path under service/) → the source that replaces it. */
const STUBS: Record<string, { part: string; source: string }> = {
  'service/features/validate.ts': {
    part: 'validation',
    source: 'export function parseRequest(_schema: unknown, body: any): any { return body; }',
  },
  'service/edge/middleware/idempotency.ts': {
    part: 'idempotency',
    source: 'export function idempotency(): any { return (_ctx: unknown, next: () => Promise<void>) => next(); }',
  },
  'service/edge/cache-control.ts': {
    part: 'cache',
    source: "export function cacheModeOf(): 'normal' { return 'normal'; }\nexport function setCacheStatus(): void {}",
  },
};

const stubbed = Object.entries(STUBS).filter(([, stub]) => parts.has(stub.part));
if (stubbed.length > 0) {
  registerHooks({
    load(url, context, nextLoad) {
      const match = stubbed.find(([path]) => url.endsWith(`/${path}`));
      return match ? { format: 'module-typescript', source: match[1].source, shortCircuit: true } : nextLoad(url, context);
    },
  });
}

if (parts.has('metrics')) {
  const noop = () => {};
  const prototypes = [client.Counter.prototype, client.Gauge.prototype, client.Histogram.prototype, client.Summary.prototype] as unknown as Array<Record<string, unknown>>;
  for (const prototype of prototypes) {
    for (const method of ['inc', 'dec', 'set', 'observe', 'incWithExemplar', 'incWithoutExemplar', 'observeWithExemplar', 'observeWithoutExemplar']) {
      if (typeof prototype[method] === 'function') prototype[method] = noop;
    }
  }
}
