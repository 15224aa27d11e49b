/**
 * README's configuration tables against the config schema, the one source of every default: each
 * variable the schema reads is in a table, each variable a table names is read, and each default
 * shown is the schema's.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { environmentSchema } from './config.ts';

const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
const variables = environmentSchema.shape as Record<string, { safeParse(value: unknown): { success: boolean; data?: unknown } }>;

/** The schema's default as README writes it: `unset` when the variable has none. */
function schemaDefault(name: string): string {
  const parsed = variables[name]!.safeParse(undefined);
  assert.ok(parsed.success, `${name} parses when unset`);
  return parsed.data === undefined ? 'unset' : String(parsed.data);
}

/**
 * The rows of README's "Configuration" section: `| `A` / `_B` | `1` / `2` | … |`, where `_B`
 * shares A's prefix (`LLM_TIMEOUT_FLOOR_MS` / `_CEILING_MS`), and `unset` stands for no default.
 */
function documentedDefaults(): Map<string, string> {
  const section = readme.slice(readme.indexOf('\n## Configuration'), readme.indexOf('\n## ', readme.indexOf('\n## Configuration') + 1));
  const documented = new Map<string, string>();
  for (const line of section.split('\n')) {
    const cells = line.split('|').map((cell) => cell.trim());
    if (cells.length < 4 || !cells[1]!.startsWith('`')) continue;
    const names = [...cells[1]!.matchAll(/`([A-Z_][A-Z0-9_]*)`/g)].map((match) => match[1]!);
    const defaults = cells[2] === 'unset' ? names.map(() => 'unset') : [...cells[2]!.matchAll(/`([^`]*)`/g)].map((match) => match[1]!);
    assert.equal(defaults.length, names.length, `one default per variable in the row of ${names.join(', ')}`);
    const first = names[0]!;
    names.forEach((name, index) => documented.set(name.startsWith('_') ? withPrefixOf(first, name) : name, defaults[index]!));
  }
  return documented;
}

/** `_CEILING_MS` after `LLM_TIMEOUT_FLOOR_MS` is `LLM_TIMEOUT_CEILING_MS`: the longest prefix that names a variable. */
function withPrefixOf(first: string, suffix: string): string {
  const parts = first.split('_');
  for (let length = parts.length - 1; length > 0; length -= 1) {
    const candidate = parts.slice(0, length).join('_') + suffix;
    if (candidate in variables) return candidate;
  }
  return suffix;
}

describe('README configuration tables', () => {
  const documented = documentedDefaults();

  it('list every variable the schema reads', () => {
    const missing = Object.keys(variables).filter((name) => !documented.has(name));
    assert.deepEqual(missing, []);
  });

  it('list no variable the schema does not read', () => {
    const unknown = [...documented.keys()].filter((name) => !(name in variables));
    assert.deepEqual(unknown, []);
  });

  it("show each variable's default as the schema has it", () => {
    const wrong = [...documented].filter(([name, shown]) => name in variables && shown !== schemaDefault(name)).map(([name, shown]) => `${name}: README ${shown}, schema ${schemaDefault(name)}`);
    assert.deepEqual(wrong, []);
  });
});
