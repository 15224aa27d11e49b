/**
 * What the soak runs: redis-server, two simulators as the providers `primary` and `secondary`
 * (each its own process, so an outage hits one of them), and Levee as `npm start` runs it with
 * REDIS_URL, API keys, far-off rate limits, small cache and store bounds, and `--inspect` on a
 * loopback port for the heap and handle samples. Faults are set per provider over the simulator's
 * admin API; a provider or Redis can be SIGKILLed and started again on its port.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from '../../stack/free-port.ts';
import type { FaultRuleInput } from '../../simulator/fault-rules.ts';
import { startLeveeProcess, startRedisProcess, startSimulatorProcess, type ServiceProcess } from '../processes.ts';
import { PROVIDERS, type ProviderId } from './schedule.ts';

export const CHAT_MODEL = 'gpt-4o-mini';
export const EMBEDDING_MODEL = 'text-embedding-3-small';
/** The search collection's model: the simulator's 64-dimension vectors keep the embedded store cheap. */
export const SEARCH_MODEL = 'soak-embedding-64';
export const SEARCH_DIMENSION = 64;
/** Batch lines ask for this model, which the simulators answer in a second: the batch lasts minutes, through faults. */
export const BATCH_MODEL = 'soak-batch';

/**
 * Levee's settings for the soak, beyond startLeveeProcess's defaults (API keys, rate limits at
 * 100,000,000 a minute, caches on). Each cache's memory tier, and the conversation and
 * idempotency stores used while Redis is away, are bounded small so they are full within the first
 * minutes and then evict: growth after that is not a cache filling up. Cache TTLs of a minute make
 * entries expire as well as be evicted. The breaker's half-open wait is 5 s instead of 60 s so a
 * provider that is back takes traffic well within the recovery bound (and before the next fault).
 */
export const SOAK_ENV: Record<string, string> = {
  CACHE_MEMORY_MAX_ENTRIES: '300',
  CACHE_MEMORY_MAX_BYTES: String(2 * 1024 * 1024),
  CACHE_CHAT_TTL_MS: '60000',
  CACHE_EMBEDDINGS_TTL_MS: '60000',
  CACHE_SEARCH_TTL_MS: '60000',
  CONVERSATION_MEMORY_MAX_ENTRIES: '100',
  IDEMPOTENCY_MEMORY_MAX_ENTRIES: '100',
  LLM_BREAKER_HALF_OPEN_AFTER_MS: '5000',
};

/** Every provider's rules under any fault: a healthy upstream is not instant, streams are paced, batch lines are slow. */
const BASELINE_RULES: FaultRuleInput[] = [
  { id: 'batch-model', route: 'chat', model: BATCH_MODEL, fault: { type: 'latency', distribution: { kind: 'fixed', ms: 1_000 } } },
  { id: 'healthy', route: '*', fault: { type: 'latency', distribution: { kind: 'long-tail', medianMs: 20, p99Ms: 150 } } },
  { id: 'stream-pacing', route: 'chat', fault: { type: 'slow-stream', chunkGapMs: 10 } },
];

/** One simulated provider: its rules, and its process that a fault may kill. */
class SimulatedProvider {
  readonly id: ProviderId;
  readonly port: number;
  readonly #workDir: string;
  #process: ServiceProcess;
  #faultRules: FaultRuleInput[] = [];
  #starts = 1;

  constructor(id: ProviderId, started: ServiceProcess, workDir: string) {
    this.id = id;
    this.port = started.port;
    this.#process = started;
    this.#workDir = workDir;
  }

  get origin(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Rules ahead of the baseline (the first matching rule of each kind wins). */
  async setFaultRules(rules: FaultRuleInput[]): Promise<void> {
    this.#faultRules = rules;
    const response = await fetch(`${this.origin}/_sim/faults`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ rules: [...rules, ...BASELINE_RULES] }),
    });
    if (!response.ok) throw new Error(`${this.id}: PUT /_sim/faults answered ${response.status}: ${await response.text()}`);
  }

  /** SIGKILL: nothing listens on its port until restart(). */
  async kill(): Promise<void> {
    process.kill(this.#process.pid, 'SIGKILL');
    await this.#process.stop();
  }

  /** Starts it again on its port, with the rules it had. */
  async restart(): Promise<void> {
    this.#starts += 1;
    this.#process = await startProviderProcess(this.id, this.#workDir, this.port, this.#starts);
    await this.setFaultRules(this.#faultRules);
  }

  stop(): Promise<void> {
    return this.#process.stop();
  }
}

/** A log file per start: the simulator's readiness is read from its log. */
function startProviderProcess(id: ProviderId, workDir: string, port: number | undefined, start: number): Promise<ServiceProcess> {
  return startSimulatorProcess({ workDir, embeddingDimension: SEARCH_DIMENSION, name: `simulator-${id}-${start}`, ...(port === undefined ? {} : { port }) });
}

/** redis-server that a fault SIGKILLs and starts again, empty, on the same port. */
class RestartableRedis {
  readonly url: string;
  readonly #workDir: string;
  #process: ServiceProcess;

  constructor(started: ServiceProcess, workDir: string) {
    this.url = started.origin;
    this.#process = started;
    this.#workDir = workDir;
  }

  async kill(): Promise<void> {
    process.kill(this.#process.pid, 'SIGKILL');
    await this.#process.stop();
  }

  async restart(): Promise<void> {
    this.#process = await startRedisProcess({ workDir: this.#workDir, port: this.#process.port });
  }

  stop(): Promise<void> {
    return this.#process.stop();
  }
}

function writeModelsFile(workDir: string, providers: Record<ProviderId, SimulatedProvider>): string {
  const path = join(workDir, 'soak-models.yaml');
  const deployments = PROVIDERS.map((id) => `\n      - { provider: ${id}, weight: 1 }`).join('');
  const model = (name: string, kind: string) => `  - name: ${name}\n    kind: ${kind}\n    deployments:${deployments}\n`;
  writeFileSync(
    path,
    `providers:\n${PROVIDERS.map((id) => `  - id: ${id}\n    base_url: ${providers[id].origin}/v1\n`).join('')}` +
      `models:\n${model(CHAT_MODEL, 'chat')}${model(BATCH_MODEL, 'chat')}${model(EMBEDDING_MODEL, 'embeddings')}${model(SEARCH_MODEL, 'embeddings')}`,
  );
  return path;
}

export interface SoakStack {
  levee: ServiceProcess;
  /** Levee's inspector (`--inspect=127.0.0.1:<port>`). */
  inspectorPort: number;
  providers: Record<ProviderId, SimulatedProvider>;
  redis: RestartableRedis;
  adminToken: string;
  stop(): Promise<void>;
}

export async function startSoakStack(workDir: string): Promise<SoakStack> {
  const providers = {} as Record<ProviderId, SimulatedProvider>;
  for (const id of PROVIDERS) {
    providers[id] = new SimulatedProvider(id, await startProviderProcess(id, workDir, undefined, 1), workDir);
    await providers[id].setFaultRules([]);
  }
  const redis = new RestartableRedis(await startRedisProcess({ workDir }), workDir);
  const adminToken = `soak-admin-${Date.now().toString(36)}-token`;
  const inspectorPort = await freePort();
  const levee = await startLeveeProcess({
    name: 'levee',
    workDir,
    upstreamUrl: `${providers.primary.origin}/v1`,
    adminToken,
    redisUrl: redis.url,
    nodeArgs: [`--inspect=127.0.0.1:${inspectorPort}`],
    env: { ...SOAK_ENV, MODELS_FILE: writeModelsFile(workDir, providers) },
  });
  return {
    levee,
    inspectorPort,
    providers,
    redis,
    adminToken,
    async stop() {
      await levee.stop();
      await redis.stop();
      for (const id of PROVIDERS) await providers[id].stop();
    },
  };
}
