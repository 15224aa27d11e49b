/**
 * Everything one simulator instance remembers between requests, in one place so the /v1 routes,
 * the admin API and the in-process handle all see the same faults, counters and log.
 */
import { randomBytes } from 'node:crypto';
import { FaultStore } from './faults.ts';
import { RateLimiter, type RateLimit } from './rate-limit.ts';
import { SeededRandom } from './random.ts';
import { RequestLog } from './request-log.ts';
import { ModelCatalogue } from './routes/models.ts';
import { SimulatorStats } from './stats.ts';

export interface SimulatorSettings {
  /** Seeds fault decisions, latency samples and completion text (an unsigned 32-bit integer). */
  readonly seed: number;
  /** Embedding size for models without a known size. */
  readonly embeddingDimension: number;
  /** When set, /v1 requests must carry `Authorization: Bearer <apiKey>`. */
  readonly apiKey: string | undefined;
  /** The only models served and listed; undefined serves any model and lists a default few. */
  readonly models: readonly string[] | undefined;
  /** The rate limit at start, and again after {@link resetState}; undefined for none. */
  readonly rateLimit: RateLimit | undefined;
}

export interface SimulatorState {
  readonly settings: SimulatorSettings;
  /** Fault decisions; reseeded only by {@link resetState}. */
  readonly random: SeededRandom;
  readonly faults: FaultStore;
  readonly stats: SimulatorStats;
  readonly log: RequestLog;
  readonly models: ModelCatalogue;
  /** Changed at runtime through the admin API or the handle. */
  readonly rateLimiter: RateLimiter;
  /** A fresh response id: `prefix`, a per-instance tag, then a counter. */
  nextId(prefix: string): string;
}

/** How many recent /v1 requests GET /_sim/requests returns. */
const REQUEST_LOG_SIZE = 200;

export function createState(settings: SimulatorSettings): SimulatorState {
  const random = new SeededRandom(settings.seed);
  // The tag keeps ids from two simulator runs apart; the counter keeps them unique within one.
  const tag = randomBytes(4).toString('hex');
  let counter = 0;
  return {
    settings,
    random,
    faults: new FaultStore(random),
    stats: new SimulatorStats(),
    log: new RequestLog(REQUEST_LOG_SIZE),
    models: new ModelCatalogue(settings.models),
    rateLimiter: new RateLimiter(settings.rateLimit),
    nextId: (prefix) => `${prefix}${tag}${(counter += 1).toString(36)}`,
  };
}

/**
 * Back to a fresh start: no faults, zero counters, empty log, the generator at its seed, the rate
 * limit as at start with no window open.
 */
export function resetState(state: SimulatorState): void {
  state.faults.clear();
  state.rateLimiter.set(state.settings.rateLimit);
  state.stats.reset();
  state.log.clear();
  state.random.reseed(state.settings.seed);
}
