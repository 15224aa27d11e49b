/**
 * The installed fault rules and the decision, per request, of which ones fire. Matching is the
 * only fault code on the hot path, so with no rules installed it returns at once and draws no
 * random numbers.
 *
 * Several rules may match one request. At most one rule per fault kind fires, the first matching
 * one in installation order: a latency, a slow-stream, and one outcome (error, hang or reset, which
 * exclude each other since a request can only end one way). So "latency then 503" is two rules.
 * Rules that are skipped because their kind is already taken neither draw a random number nor
 * spend their count, which keeps the sequence reproducible and counts honest.
 */
import {
  faultRuleSchema,
  InvalidFaultRuleError,
  parseOrThrow,
  type ErrorFault,
  type FaultRule,
  type LatencyDistribution,
  type Route,
  type SlowStreamFault,
} from './fault-rules.ts';
import type { SeededRandom } from './random.ts';

/** An installed rule with its bookkeeping. */
interface InstalledRule {
  readonly id: string;
  readonly rule: FaultRule;
  /** Requests left before the rule expires; undefined for rules without a count. */
  remaining: number | undefined;
  /** Monotonic install time, for `step` latency. */
  readonly installedAtMs: number;
  readonly installedAt: string;
}

/** What a rule looks like in GET /_sim/faults. */
export interface FaultRuleView extends FaultRule {
  id: string;
  /** Requests left before expiry; null when the rule has no count. */
  remaining: number | null;
  installed_at: string;
}

/** The outcome faults: the request ends this way instead of being answered. */
type OutcomeFault = ErrorFault | { type: 'hang' } | { type: 'reset' };

/** What the matched rules ask the server to do to one request. */
export interface FaultPlan {
  /** Delay before anything else happens, in milliseconds (0 when no latency rule fired). */
  latencyMs: number;
  outcome: OutcomeFault | undefined;
  slowStream: SlowStreamFault | undefined;
  /** The ids of the rules that fired (`header` for X-Sim-Fault), for the x-sim-faults header. */
  firedIds: string[];
}

/** The request attributes rules can target. */
export interface FaultTarget {
  route: Route | undefined;
  model: string | undefined;
}

export class FaultStore {
  readonly #random: SeededRandom;
  #rules: InstalledRule[] = [];
  #nextId = 1;

  constructor(random: SeededRandom) {
    this.#random = random;
  }

  /**
   * Replaces every rule; all or nothing, so one bad rule leaves the old set in place. Inputs are
   * validated here (the handle passes typed rules, the admin API raw JSON).
   */
  set(inputs: readonly unknown[]): string[] {
    const rules = inputs.map((input, index) => parseOrThrow(faultRuleSchema, input, `rules.${index}`));
    const ids = new Set<string>();
    for (const [index, rule] of rules.entries()) {
      if (rule.id === undefined) continue;
      if (ids.has(rule.id)) throw new InvalidFaultRuleError(`rules.${index}.id: duplicate id ${rule.id}`, `rules.${index}.id`);
      ids.add(rule.id);
    }
    this.#rules = rules.map((rule) => this.#install(rule, ids));
    return this.#rules.map((installed) => installed.id);
  }

  /** Adds one rule after the others; throws on an invalid rule or an id already in use. */
  add(input: unknown): string {
    const rule = parseOrThrow(faultRuleSchema, input);
    const taken = new Set(this.#rules.map((installed) => installed.id));
    if (rule.id !== undefined && taken.has(rule.id)) {
      throw new InvalidFaultRuleError(`id: a rule with id ${rule.id} is already installed`, 'id');
    }
    const installed = this.#install(rule, taken);
    this.#rules.push(installed);
    return installed.id;
  }

  /** Removes one rule; false when no rule has that id. */
  remove(id: string): boolean {
    const before = this.#rules.length;
    this.#rules = this.#rules.filter((installed) => installed.id !== id);
    return this.#rules.length < before;
  }

  /** Removes every rule and returns how many there were. */
  clear(): number {
    const count = this.#rules.length;
    this.#rules = [];
    return count;
  }

  list(): FaultRuleView[] {
    return this.#rules.map((installed) => ({
      ...installed.rule,
      id: installed.id,
      remaining: installed.remaining ?? null,
      installed_at: installed.installedAt,
    }));
  }

  /**
   * Decides which faults hit a request, spending counts and random draws. `headerRule` (from
   * X-Sim-Fault) is considered before the installed rules and applies to this request only.
   * Returns undefined when nothing fires.
   */
  plan(target: FaultTarget, headerRule?: FaultRule): FaultPlan | undefined {
    if (this.#rules.length === 0 && headerRule === undefined) return undefined;
    const candidates: InstalledRule[] = headerRule
      ? [{ id: 'header', rule: headerRule, remaining: undefined, installedAtMs: performance.now(), installedAt: '' }, ...this.#rules]
      : this.#rules;

    let plan: FaultPlan | undefined;
    let latency: LatencyDistribution | undefined;
    let latencySince = 0;
    let expired = false;
    for (const installed of candidates) {
      const { rule } = installed;
      if (installed.remaining === 0) continue;
      if (rule.route !== '*' && rule.route !== target.route) continue;
      if (rule.model !== undefined && rule.model !== target.model) continue;
      const kind = rule.fault.type;
      plan ??= { latencyMs: 0, outcome: undefined, slowStream: undefined, firedIds: [] };
      if (kind === 'latency' ? latency !== undefined : kind === 'slow-stream' ? plan.slowStream !== undefined : plan.outcome !== undefined) {
        continue;
      }
      // Certain rules draw nothing, so adding a 100 % rule does not shift a probabilistic one.
      if (rule.probability < 1 && !(this.#random.uniform() < rule.probability)) continue;

      if (installed.remaining !== undefined) {
        installed.remaining -= 1;
        if (installed.remaining === 0) expired = true;
      }
      plan.firedIds.push(installed.id);
      if (rule.fault.type === 'latency') {
        latency = rule.fault.distribution;
        latencySince = installed.installedAtMs;
      } else if (rule.fault.type === 'slow-stream') {
        plan.slowStream = rule.fault;
      } else {
        plan.outcome = rule.fault;
      }
    }
    if (expired) this.#rules = this.#rules.filter((installed) => installed.remaining !== 0);
    if (plan === undefined || plan.firedIds.length === 0) return undefined;
    if (latency !== undefined) plan.latencyMs = this.#sample(latency, latencySince);
    return plan;
  }

  #sample(distribution: LatencyDistribution, installedAtMs: number): number {
    switch (distribution.kind) {
      case 'fixed':
        return distribution.ms;
      case 'normal':
        return Math.max(0, this.#random.normal(distribution.meanMs, distribution.stdDevMs));
      case 'long-tail':
        return this.#random.longTail(distribution.medianMs, distribution.p99Ms);
      case 'step':
        return performance.now() - installedAtMs < distribution.atMs ? distribution.beforeMs : distribution.afterMs;
    }
  }

  #install(rule: FaultRule, taken: Set<string>): InstalledRule {
    let id = rule.id;
    while (id === undefined || (rule.id === undefined && taken.has(id))) id = `fault-${this.#nextId++}`;
    taken.add(id);
    return { id, rule, remaining: rule.count, installedAtMs: performance.now(), installedAt: new Date().toISOString() };
  }
}
