/**
 * What a scenario hands in: its samples and assertions as a ChaosResult (bench/results.ts),
 * written to `$CHAOS_RESULTS_DIR/<scenario>.json` when that is set (`npm run chaos` merges them
 * into chaos.json), then asserted with node:assert so the test fails on any failed check.
 */
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ChaosAssertion, ChaosResult, ChaosSample } from '../../../bench/results.ts';

export type Variant = ChaosResult['variant'];

/** `full` under `npm run chaos` (CHAOS_VARIANT=full), `short` inside `npm test`. */
export const VARIANT: Variant = process.env.CHAOS_VARIANT === 'full' ? 'full' : 'short';

/** Picks the short or the full value of a setting. */
export function byVariant<T>(short: T, full: T): T {
  return VARIANT === 'full' ? full : short;
}

export class ChaosReport {
  readonly scenario: string;
  readonly title: string;
  readonly assertions: ChaosAssertion[] = [];
  /** Extra measured figures, printed as test diagnostics (not part of the schema). */
  readonly figures: Record<string, unknown> = {};

  constructor(scenario: string, title: string) {
    this.scenario = scenario;
    this.title = title;
  }

  /** Records one check with the numbers it was decided on. */
  check(name: string, passed: boolean, detail: string): boolean {
    this.assertions.push({ name, passed, detail });
    return passed;
  }

  /** Writes the result (when CHAOS_RESULTS_DIR is set) and fails the test if any check failed. */
  finish(samples: ChaosSample[], fault: ChaosResult['fault'], diagnostic: (message: string) => void = () => {}): ChaosResult {
    const result: ChaosResult = { scenario: this.scenario, title: this.title, variant: VARIANT, fault, samples, assertions: this.assertions };
    writeResult(result);
    for (const assertion of this.assertions) diagnostic(`${assertion.passed ? 'ok  ' : 'FAIL'} ${assertion.name}: ${assertion.detail}`);
    if (Object.keys(this.figures).length > 0) diagnostic(`figures ${JSON.stringify(this.figures)}`);
    const failed = this.assertions.filter((assertion) => !assertion.passed);
    assert.deepEqual(
      failed.map((assertion) => `${assertion.name}: ${assertion.detail}`),
      [],
      `${this.scenario} (${VARIANT}): ${failed.length} of ${this.assertions.length} checks failed`,
    );
    return result;
  }
}

/** `$CHAOS_RESULTS_DIR/<scenario>.json`, when the variable is set. */
export function writeResult(result: ChaosResult, dir = process.env.CHAOS_RESULTS_DIR): string | undefined {
  if (!dir) return undefined;
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${result.scenario}.json`);
  writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
  return file;
}
