/**
 * The Levee under fuzz: a real process (telemetry preloaded, the embedded Postgres in its own
 * DATA_DIR) in front of a healthy simulator, with two client keys and an admin token, inbound
 * limits far above any run (a 429 would hide the answer under test), small body and file limits
 * (so 413s are cheap to reach), and the objects the generated requests aim at.
 */
import { randomBytes } from 'node:crypto';
import { startSimulator, type SimulatorHandle } from '../../simulator/server.ts';
import { spawnLevee, type LeveeProcess } from '../support/levee-process.ts';
import { FAST_POLICIES, LEVEE_ENTRY } from '../support/levee-with-simulator.ts';
import { heapAfterGcBytes, inspectorUrl } from './heap-after-gc.ts';
import { MEMORY_BOUNDS } from './memory-watch.ts';
import type { FuzzFixtures } from './request-shape.ts';

/** Bytes; small so a 413 costs little to generate. */
export const FUZZ_LIMITS = { bodyLimitBytes: 256 * 1024, fileMaxBytes: 64 * 1024 } as const;
/** The fixture collections' model: unknown to the simulator, which embeds it with this many dimensions. */
const EMBEDDING = { model: 'sim-embed', dimension: 64 } as const;
/** Far above the largest run (tens of thousands of requests in minutes). */
const FAR_ABOVE_THE_RUN = '100000000';

export interface FuzzStack {
  levee: LeveeProcess;
  simulator: SimulatorHandle;
  fixtures: FuzzFixtures;
  /** A fetch to Levee with key a (or `key`), JSON in and out; throws unless 2xx. */
  call(method: string, path: string, options?: { body?: unknown; key?: string }): Promise<any>;
  /** Levee's heap after a forced full GC, in bytes. */
  heapAfterGc(): Promise<number>;
  stop(): Promise<void>;
}

export async function startFuzzStack(): Promise<FuzzStack> {
  const keys = { a: `fuzz-a-${randomBytes(12).toString('hex')}`, b: `fuzz-b-${randomBytes(12).toString('hex')}` };
  const simulator = await startSimulator({ seed: 20, embeddingDimension: EMBEDDING.dimension });
  const levee = await spawnLevee({
    // The inspector (on a free port) lets the run force a GC before it weighs what Levee retains.
    command: { file: process.execPath, args: ['--inspect=127.0.0.1:0', ...LEVEE_ENTRY] },
    startTimeoutMs: 30_000,
    env: {
      ...FAST_POLICIES,
      LLM_BASE_URL: simulator.url,
      API_KEYS: `fuzz-a:${keys.a},fuzz-b:${keys.b}`,
      RATE_LIMIT_IP_PER_MIN: FAR_ABOVE_THE_RUN,
      RATE_LIMIT_KEY_PER_MIN: FAR_ABOVE_THE_RUN,
      // Sign-ins are fuzzed for what they parse, not refused for their number.
      CONSOLE_LOGIN_ATTEMPTS_PER_15_MIN: '10000',
      WS_MAX_CONNECTIONS_PER_CLIENT: '10000',
      WS_MAX_CONNECTIONS: '100000',
      BODY_LIMIT_BYTES: String(FUZZ_LIMITS.bodyLimitBytes),
      FILE_MAX_BYTES: String(FUZZ_LIMITS.fileMaxBytes),
      JOB_POLL_INTERVAL_MS: '500',
      CACHE_MEMORY_MAX_BYTES: String(MEMORY_BOUNDS.cacheBytes),
    },
  });
  const call = async (method: string, path: string, options: { body?: unknown; key?: string } = {}) => {
    const isForm = options.body instanceof FormData;
    const response = await fetch(`${levee.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${options.key ?? keys.a}`, ...(options.body === undefined || isForm ? {} : { 'content-type': 'application/json' }) },
      ...(options.body === undefined ? {} : { body: isForm ? (options.body as FormData) : JSON.stringify(options.body) }),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text.slice(0, 500)}`);
    return text.startsWith('{') ? JSON.parse(text) : text;
  };
  try {
    const fixtures = await createFixtures(call, keys, FAST_POLICIES.ADMIN_TOKEN!);
    const heapAfterGc = () => {
      const url = inspectorUrl(levee.stderr);
      if (!url) throw new Error(`Levee's inspector did not say where it listens:\n${levee.stderr.join('\n')}`);
      return heapAfterGcBytes(url);
    };
    return {
      levee,
      simulator,
      fixtures,
      call,
      heapAfterGc,
      async stop() {
        await levee.stop();
        await simulator.close();
      },
    };
  } catch (error) {
    await levee.stop();
    await simulator.close();
    throw error;
  }
}

type Call = FuzzStack['call'];

async function createFixtures(call: Call, keys: FuzzFixtures['keys'], adminToken: string): Promise<FuzzFixtures> {
  const suffix = randomBytes(4).toString('hex');
  const docsCollection = `fixture-docs-${suffix}`;
  const importsCollection = `fixture-imports-${suffix}`;
  const documentId = `fixture-doc-${suffix}`;
  const upload = async (lines: object[], purpose: string) => {
    const form = new FormData();
    form.append('purpose', purpose);
    form.append('file', new Blob([lines.map((line) => JSON.stringify(line)).join('\n')]), `fixture-${purpose}.jsonl`);
    return (await call('POST', '/v1/files', { body: form })).id as string;
  };
  const chatLine = (index: number) => ({ custom_id: `line-${index}`, method: 'POST', url: '/v1/chat/completions', body: { model: 'gpt-4o-mini', messages: [{ role: 'user', content: `line ${index}` }] } });
  const batchFileId = await upload([chatLine(1), chatLine(2)], 'batch');
  const documentsFileId = await upload([{ id: 'imported-1', text: 'an imported document' }, { id: 'imported-2', text: 'another one' }], 'user_data');
  for (const name of [docsCollection, importsCollection]) await call('POST', '/v1/collections', { body: { name, model: EMBEDDING.model, dimension: EMBEDDING.dimension } });
  await call('POST', `/v1/collections/${docsCollection}/documents`, { body: { documents: [{ id: documentId, text: 'the fixture document', metadata: { kind: 'fixture' } }] } });
  const batchId = (await call('POST', '/v1/batches', { body: { input_file_id: batchFileId, endpoint: '/v1/chat/completions', completion_window: '24h' } })).id as string;
  const importId = (await call('POST', `/v1/collections/${importsCollection}/imports`, { body: { file_id: documentsFileId } })).id as string;
  const breakers = Object.keys((await call('GET', '/health/circuit-breakers')).circuit_breakers as Record<string, unknown>);
  return { keys, adminToken, docsCollection, documentId, importsCollection, batchFileId, documentsFileId, batchId, importId, breakers };
}
