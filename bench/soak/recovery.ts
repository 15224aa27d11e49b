/**
 * Did Levee recover after each fault, and how fast? Measured from the end of the fault's window
 * (the moment the fault was removed) to the first moment its criterion held:
 *
 * - provider outage: every LLM breaker closed in /health/circuit-breakers, and the provider that
 *   was down has served an answer again (X-Levee-Provider), i.e. it takes traffic, not just probes;
 * - latency shift: every LLM breaker closed, and five chat completions in a row (sent after the
 *   end) took at most HEALTHY_CHAT_MS at their median: answers are fast again;
 * - Redis restart: /health/detailed's redis check ok with no feature left on local state.
 *
 * Recovered when that happened within RECOVERY_BOUND_MS, well before the next fault (35 s later).
 */
import type { AnswerRecord, FaultWindow, HealthSample } from './soak-results.ts';

export const RECOVERY_BOUND_MS = 15_000;
/** A healthy upstream answers in ~20 ms (p99 150); the latency fault adds 1.5 s. */
const HEALTHY_CHAT_MS = 300;
const CONSECUTIVE_CHATS = 5;

export interface RecoveryCheck {
  recoveredAfterMs: number | null;
  criterion: string;
}

const llmBreakersClosed = (sample: HealthSample): boolean => {
  const llm = Object.entries(sample.breakers).filter(([name]) => name.startsWith('llm/'));
  return llm.length > 0 && llm.every(([, state]) => state === 'closed');
};

/** The first health sample at or after `fromMs` that satisfies `test`, as its time. */
function firstSample(health: readonly HealthSample[], fromMs: number, test: (sample: HealthSample) => boolean): number | undefined {
  return health.find((sample) => sample.t >= fromMs && test(sample))?.t;
}

/** When the first run of CONSECUTIVE_CHATS chat answers sent after `fromMs` had a fast median: the end of the run's last answer. */
function fastChatsAt(answers: readonly AnswerRecord[], fromMs: number): number | undefined {
  const chats = answers.filter((answer) => answer.kind === 'chat' && answer.sentMs >= fromMs && answer.status === 200).sort((a, b) => a.sentMs - b.sentMs);
  for (let index = 0; index + CONSECUTIVE_CHATS <= chats.length; index++) {
    const run = chats.slice(index, index + CONSECUTIVE_CHATS);
    const latencies = run.map((answer) => answer.endMs - answer.sentMs).sort((a, b) => a - b);
    if (latencies[Math.floor(CONSECUTIVE_CHATS / 2)]! <= HEALTHY_CHAT_MS) return Math.max(...run.map((answer) => answer.endMs));
  }
  return undefined;
}

/** The recovery time of one fault (null when its criterion never held in the recorded data). */
export function recoveryOf(window: FaultWindow, health: readonly HealthSample[], answers: readonly AnswerRecord[]): RecoveryCheck {
  const end = window.endMs;
  const after = (times: Array<number | undefined>): number | null =>
    times.every((time) => time !== undefined) ? Math.max(...(times as number[])) - end : null;
  switch (window.kind) {
    case 'provider-outage': {
      const served = answers
        .filter((answer) => answer.sentMs >= end && answer.provider === window.provider && answer.status >= 200 && answer.status < 300)
        .reduce<number | undefined>((first, answer) => (first === undefined ? answer.endMs : Math.min(first, answer.endMs)), undefined);
      return {
        recoveredAfterMs: after([firstSample(health, end, llmBreakersClosed), served]),
        criterion: 'every LLM breaker closed and the provider that was down serving answers again',
      };
    }
    case 'latency-shift':
      return {
        recoveredAfterMs: after([firstSample(health, end, llmBreakersClosed), fastChatsAt(answers, end)]),
        criterion: `every LLM breaker closed and ${CONSECUTIVE_CHATS} chats in a row with a median ≤ ${HEALTHY_CHAT_MS} ms`,
      };
    case 'redis-restart':
      return {
        recoveredAfterMs: after([firstSample(health, end, (sample) => sample.redis === 'ok' && sample.localFeatures.length === 0)]),
        criterion: 'redis check ok and no feature on local state (/health/detailed)',
      };
  }
}
