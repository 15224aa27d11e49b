/**
 * Chaos 8, a large document import under interactive load. Steady load (5 chats/s through HAProxy)
 * while one client imports 1,000 (short) or 20,000 (full) documents into a collection: a JSONL file
 * uploaded through the Files API (through HAProxy, like the chats), embedded in chunks of 100 as
 * background work and written to the shared Postgres (the `npm run db` server, serving both replicas).
 *
 * Expected: the import completes with every document written and none failed, search finds the
 * first and the last document by their text, and every interactive chat during the import is
 * answered 200 (embedding calls yield to interactive ones in the provider's bulkhead). Measured:
 * the import's duration and throughput (documents/s), and the chats' latency before and during it.
 *
 * Settings: CHAOS_BASE_ENV; the simulator embeds the import's model in 64 dimensions (writes stay
 * cheap on the `npm run db` server) and answers chats in 50 ms.
 */
import { after, before, describe, it } from 'node:test';
import { startChaosStack, type ChaosStack } from './support/chaos-stack.ts';
import { holdFor, nowMs, percentile, round } from './support/clock.ts';
import { sentBetween, startLoad, statusCounts } from './support/load-driver.ts';
import { byVariant, ChaosReport } from './support/result-writer.ts';
import { startSampler } from './support/sampler.ts';
import { ended, IMPORT_DIMENSION, IMPORT_MODEL, importDocument, ImportClient, jsonl, type ImportObject } from '../support/import-client.ts';

const DOCUMENTS = byVariant(1_000, 20_000);
const LEAD_MS = byVariant(2_000, 5_000);
const TAIL_MS = byVariant(1_000, 3_000);
/** The longest the import may take: well above what it needs (full: ~1 min on the `npm run db` server). */
const IMPORT_TIMEOUT_MS = byVariant(60_000, 300_000);
const RATE = 5;

describe('chaos: a large document import under interactive load', { timeout: byVariant(180_000, 480_000) }, () => {
  let stack: ChaosStack;
  before(async () => {
    stack = await startChaosStack({ embeddingDimension: IMPORT_DIMENSION, env: { JOB_POLL_INTERVAL_MS: '500' } });
  });
  after(() => stack?.stop());

  it(`imports ${DOCUMENTS} documents while interactive chats keep being answered`, async (t) => {
    const report = new ChaosReport('08-document-import', `Document import (${DOCUMENTS} documents) under interactive load`);
    stack.simulator.setFaults([{ route: 'chat', fault: { type: 'latency', distribution: { kind: 'fixed', ms: 50 } } }]);
    const client = new ImportClient(stack.url);
    const collection = await client.request('POST', '/v1/collections', { name: 'bulk', model: IMPORT_MODEL, dimension: IMPORT_DIMENSION });
    if (collection.status !== 200) throw new Error(`creating the collection answered ${collection.status}`);
    const documents = Array.from({ length: DOCUMENTS }, (_, index) => importDocument(index));
    const fileId = await client.upload(jsonl(documents));

    const t0 = nowMs();
    const load = startLoad({ url: stack.url, ratePerSecond: RATE });
    const sampler = startSampler(stack, { t0, records: () => [load.records], statuses: true });
    await holdFor(LEAD_MS);
    const importStart = nowMs();
    const created = await client.startImport('bulk', fileId);
    let done: ImportObject | undefined;
    try {
      done = await client.waitImport('bulk', created.id, ended, IMPORT_TIMEOUT_MS);
    } catch {
      done = undefined;
    }
    const importEnd = nowMs();
    await holdFor(TAIL_MS);
    await load.stop();
    const samples = await sampler.stop();

    const seconds = (importEnd - importStart) / 1000;
    report.figures.import_seconds = round(seconds);
    report.figures.documents_per_second = round(DOCUMENTS / seconds);
    report.check(
      'the import completes with every document written',
      done?.status === 'completed' && done.request_counts.completed === DOCUMENTS && done.request_counts.failed === 0,
      done
        ? `${done.status} after ${round(seconds)} s (${round(DOCUMENTS / seconds)} documents/s): ${JSON.stringify(done.request_counts)}, ${done.usage.total_tokens} tokens, errors ${JSON.stringify(done.errors?.data.slice(0, 3) ?? null)}`
        : `not ended within ${IMPORT_TIMEOUT_MS / 1000} s`,
    );
    const hits: Array<readonly [number, string | undefined]> = [];
    for (const index of [0, DOCUMENTS - 1]) hits.push([index, await client.topHit('bulk', documents[index]!.text).catch((error: unknown) => String(error))]);
    report.check(
      'search finds the first and the last document by their text',
      hits.every(([index, id]) => id === documents[index]!.id),
      hits.map(([index, id]) => `document ${index}: ${id === documents[index]!.id ? 'first' : `top hit ${id}`}`).join('; '),
    );
    const latency = (from: number, to: number) => {
      const records = sentBetween(load.records, from, to);
      const latencies = records.filter((record) => record.status !== 0).map((record) => record.latencyMs);
      return { records, text: `${records.length} chats, p50 ${round(percentile(latencies, 50))} ms, p99 ${round(percentile(latencies, 99))} ms` };
    };
    const lead = latency(t0, importStart);
    const during = latency(importStart, importEnd);
    report.check(
      'every interactive chat during the import is answered 200',
      during.records.length > 0 && during.records.every((record) => record.status === 200),
      `during the import: ${JSON.stringify(statusCounts(during.records))}, ${during.text}; before it: ${lead.text}`,
    );
    report.finish(
      samples,
      { start: round((importStart - t0) / 1000)!, end: round((importEnd - t0) / 1000)!, label: `${DOCUMENTS}-document import running` },
      (message) => t.diagnostic(message),
    );
  });
});
