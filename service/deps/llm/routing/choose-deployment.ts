/**
 * Picks one deployment among candidates, at random in proportion to its effective weight: the
 * configured weight, times (with health weighting on) its live health and its speed relative to
 * the fastest candidate. Random rather than "always the best" so a small edge in health does not
 * send all traffic to one deployment, and every deployment keeps being sampled.
 */
import type { Deployment } from './deployment.ts';

export interface ChooseOptions {
  healthWeighting: boolean;
  /** Injected by tests; Math.random otherwise. */
  random?: () => number;
}

/**
 * Added to both latencies before comparing them: a few milliseconds of difference between two fast
 * deployments is noise (a loopback hop, a GC pause), not a reason to move most of the traffic.
 */
const LATENCY_SLACK_MS = 20;

export function effectiveWeights(candidates: readonly Deployment[], healthWeighting: boolean): number[] {
  if (!healthWeighting) return candidates.map((candidate) => candidate.weight);
  const latencies = candidates.map((candidate) => candidate.latencyMs).filter((latency): latency is number => latency !== undefined && latency > 0);
  const fastest = latencies.length > 0 ? Math.min(...latencies) : undefined;
  return candidates.map((candidate) => {
    const latency = candidate.latencyMs;
    const speed = fastest === undefined || latency === undefined || latency <= 0 ? 1 : (fastest + LATENCY_SLACK_MS) / (latency + LATENCY_SLACK_MS);
    return candidate.weight * candidate.health() * speed;
  });
}

/** One candidate, or undefined when there are none. */
export function chooseDeployment(candidates: readonly Deployment[], options: ChooseOptions): Deployment | undefined {
  if (candidates.length <= 1) return candidates[0];
  const weights = effectiveWeights(candidates, options.healthWeighting);
  const total = weights.reduce((sum, weight) => sum + weight, 0);
  if (!(total > 0)) return candidates[0];
  let point = (options.random ?? Math.random)() * total;
  for (let index = 0; index < candidates.length; index++) {
    point -= weights[index]!;
    if (point < 0) return candidates[index];
  }
  return candidates[candidates.length - 1];
}
