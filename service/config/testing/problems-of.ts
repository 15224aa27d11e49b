/** For config tests: the problems loadConfig lists for `env` (it must refuse it). */
import assert from 'node:assert/strict';
import { ConfigError, loadConfig } from '../../config.ts';

export function problemsOf(env: Record<string, string>): readonly string[] {
  try {
    loadConfig(env);
  } catch (error) {
    assert.ok(error instanceof ConfigError);
    return error.problems;
  }
  assert.fail('expected a ConfigError');
}
