/**
 * Chaos 9, interactive traffic beside a large batch. Two replicas (one Redis, one shared Postgres
 * serving both) with a small LLM bulkhead (16 slots each, half of them for background work):
 * steady interactive load (RATE chats/s through HAProxy, upstream latency 100 ms) for PHASE_MS
 * alone, then for PHASE_MS again while a batch of BATCH_LINES chat lines runs on both replicas'
 * workers, holding its whole share of both bulkheads.
 *
 * Expected: interactive clients hardly notice. Their p99 latency with the batch running is at most
 * P99_RATIO × the p99 without it (1.2 in the full variant; 1.5 in the short one, whose p99 rests on
 * ~80 samples), every interactive request answers 200, no interactive call queued behind a
 * background call (levee_bulkhead_waited_calls_total{behind="background"} stays 0 on both
 * replicas), background calls were turned away for interactive ones (background_yield > 0: the
 * batch really held its share), and the batch progressed on both replicas meanwhile.
 *
 * Settings: CHAOS_BASE_ENV, LLM_BULKHEAD_MAX_CONCURRENT 16, LLM_BACKGROUND_SHARE 0.5, JOB_POLL_INTERVAL_MS 500.
 */
import { after, before, describe, it } from 'node:test';
import OpenAI, { toFile } from 'openai';
import { INSTANCES, startChaosStack, type ChaosStack } from './support/chaos-stack.ts';
import { holdFor, nowMs, percentile, round } from './support/clock.ts';
import { startLoad, statusCounts, type RequestRecord } from './support/load-driver.ts';
import { byVariant, ChaosReport } from './support/result-writer.ts';
import { startSampler } from './support/sampler.ts';
import { scrapeMetric } from '../support/metrics-scrape.ts';
import { waitFor } from '../support/wait-for.ts';

const BATCH_LINES = byVariant(1_000, 5_000);
const PHASE_MS = byVariant(4_000, 15_000);
const RATE = 20;
const P99_RATIO = byVariant(1.5, 1.2);
const LATENCY = { route: 'chat', fault: { type: 'latency', distribution: { kind: 'fixed', ms: 100 } } } as const;

/** The sum over every llm series of a counter matching `label`, from one replica's /metrics. */
async function llmCounter(url: string, name: string, label: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  return text
    .split('\n')
    .filter((line) => line.startsWith(`${name}{`) && line.includes('dependency="llm"') && line.includes(label))
    .reduce((sum, line) => sum + Number(line.split(' ').at(-1)), 0);
}

const p99 = (records: readonly RequestRecord[]) => percentile(records.filter((record) => record.status === 200).map((record) => record.latencyMs), 99) ?? Number.POSITIVE_INFINITY;

describe('chaos: interactive traffic beside a large batch', { timeout: 240_000 }, () => {
  let stack: ChaosStack;
  before(async () => {
    stack = await startChaosStack({
      env: { LLM_BULKHEAD_MAX_CONCURRENT: '16', LLM_BACKGROUND_SHARE: '0.5', LLM_TIMEOUT_FLOOR_MS: '2000', JOB_POLL_INTERVAL_MS: '500' },
    });
    stack.providers.default!.simulator.setFaults([LATENCY]);
  });
  after(() => stack?.stop());

  it('keeps interactive p99 within the bound while a batch holds its share of both bulkheads', async (t) => {
    const report = new ChaosReport('09-background-priority', 'Interactive traffic beside a large batch');
    const client = new OpenAI({ apiKey: 'unused', baseURL: `${stack.url}/v1`, maxRetries: 2 });
    const input = Array.from({ length: BATCH_LINES }, (_, index) =>
      JSON.stringify({ custom_id: `c-${index}`, method: 'POST', url: '/v1/chat/completions', body: { model: 'gpt-4o-mini', max_tokens: 4, messages: [{ role: 'user', content: `line ${index}` }] } }),
    ).join('\n');
    const file = await client.files.create({ file: await toFile(Buffer.from(input), 'batch.jsonl'), purpose: 'batch' });

    const t0 = nowMs();
    const alone = startLoad({ url: stack.url, ratePerSecond: RATE });
    const loads = [alone.records];
    const sampler = startSampler(stack, { t0, records: () => loads, statuses: true });
    await holdFor(PHASE_MS);
    const aloneRecords = await alone.stop();

    const batch = await client.batches.create({ input_file_id: file.id, endpoint: '/v1/chat/completions', completion_window: '24h' });
    const completed = async () => (await client.batches.retrieve(batch.id)).request_counts?.completed ?? 0;
    await waitFor(async () => ((await completed()) > 0 ? true : undefined), { timeoutMs: 30_000, intervalMs: 100, what: () => 'the batch to start' });
    const linesPerReplica = () => Promise.all(INSTANCES.map((name) => scrapeMetric(stack.instances[name].url, 'levee_batch_lines_total', { endpoint: '/v1/chat/completions', result: 'completed' })));
    const before = { done: await completed(), perReplica: await linesPerReplica(), yields: await sumOverReplicas('levee_bulkhead_rejected_calls_total', 'reason="background_yield"') };
    const batchStart = nowMs();
    const beside = startLoad({ url: stack.url, ratePerSecond: RATE });
    loads.push(beside.records);
    await holdFor(PHASE_MS);
    const besideRecords = await beside.stop();
    const batchEnd = nowMs();
    const after = { done: await completed(), perReplica: await linesPerReplica(), yields: await sumOverReplicas('levee_bulkhead_rejected_calls_total', 'reason="background_yield"') };
    const behindBackground = await sumOverReplicas('levee_bulkhead_waited_calls_total', 'behind="background"');
    const samples = await sampler.stop();

    const [aloneP99, besideP99] = [p99(aloneRecords), p99(besideRecords)];
    const ratio = besideP99 / aloneP99;
    report.check(
      `interactive p99 with the batch running ≤ ${P99_RATIO}× the p99 without it`,
      ratio <= P99_RATIO,
      `${round(besideP99)} ms beside the batch vs ${round(aloneP99)} ms alone: ${round(ratio)}× (p50 ${round(percentile(besideRecords.map((record) => record.latencyMs), 50))} vs ${round(percentile(aloneRecords.map((record) => record.latencyMs), 50))} ms; ${besideRecords.length} and ${aloneRecords.length} requests)`,
    );
    const all = [...aloneRecords, ...besideRecords];
    report.check('every interactive request answers 200', all.every((record) => record.status === 200), JSON.stringify(statusCounts(all)));
    report.check('no interactive call queued behind a background call (both replicas)', behindBackground === 0, `levee_bulkhead_waited_calls_total{behind="background"} = ${behindBackground}`);
    report.check('the batch held its whole share: background calls were turned away for interactive ones', after.yields > before.yields, `${after.yields - before.yields} background calls deferred (background_yield)`);
    const ranOn = after.perReplica.map((count, index) => count - before.perReplica[index]!);
    report.check(
      'the batch progressed on both replicas meanwhile',
      after.done > before.done && ranOn.every((count) => count > 0),
      `${after.done - before.done} lines done in ${round((batchEnd - batchStart) / 1000)} s (${round(((after.done - before.done) * 1000) / (batchEnd - batchStart))} lines/s); per replica ${ranOn.join(' + ')}`,
    );

    Object.assign(report.figures, { aloneP99Ms: round(aloneP99), besideP99Ms: round(besideP99), ratio: round(ratio), batchLinesDuringPhase: after.done - before.done, batchLines: BATCH_LINES });
    await client.batches.cancel(batch.id).catch(() => undefined);
    report.finish(samples, { start: round((batchStart - t0) / 1000)!, end: round((batchEnd - t0) / 1000)!, label: `batch of ${BATCH_LINES} lines running` }, (m) => t.diagnostic(m));

    async function sumOverReplicas(name: string, label: string): Promise<number> {
      return (await Promise.all(INSTANCES.map((instance) => llmCounter(stack.instances[instance].url, name, label)))).reduce((sum, value) => sum + value, 0);
    }
  });
});
