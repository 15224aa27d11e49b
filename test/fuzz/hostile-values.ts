/**
 * Values a hostile or careless client sends where a field is expected: wrong types, huge and
 * non-finite numbers, deep nesting, long strings, Unicode and control characters, prototype keys.
 * Also the one-step mutations that turn a valid body into a near-valid one, so validation deep
 * inside a route is reached and not only the JSON parser.
 */
import fc from 'fast-check';
import { Entries, RawJson, slotsOf, toEntries } from './json-text.ts';

/** Strings that have broken parsers, stores, regexes, logs or templates somewhere. */
const NOTORIOUS_STRINGS = [
  '', ' ', '\u0000', 'a\u0000b', '\ud800', 'x\udfff', 'a\ud83d', '\u202e\u202dRTL', '\ufeff', '\u200b', '\u001b[31mred', '\t\n\r',
  '__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'valueOf',
  "'; DROP TABLE collections; --", '../../etc/passwd', '..%2F..%2F', '%00', '%', '%zz', '${7*7}', '{{7*7}}', '<script>alert(1)</script>',
  'null', 'true', '0', '-1', 'NaN', '1e999', 'Infinity', '[]', '{}', '"', '\\', '\\u0000', '🙂', 'ǅİß', 'é', 'e\u0301',
  'file-00000000000000000000000000000000', 'batch_00', 'imp_00', 'gpt-4o-mini', 'text-embedding-3-small', '*', '?', '#', '&', '=',
] as const;

/** Number tokens JSON.stringify never writes; some are not JSON at all (a client bug is a client bug). */
const RAW_NUMBERS = ['1e999', '-1e999', '1e-999', '-0', '123456789012345678901234567890', '0.1e1', '1E+2', '9007199254740993', 'NaN', 'Infinity', '-Infinity', '0x10', '01', '.5', '1.', '+1'] as const;

/** What Postgres cannot store in text or JSON (NUL, lone surrogates), or a header cannot carry (controls, non-Latin-1). */
const STORAGE_POISON = ['\u0000', 'a\u0000', '\ud800', 'x\udfff', '\u0000\ud800', 'a\u0001', '🙂', 'a\u007f'] as const;

/** A string chosen to hurt: notorious, poison to a store or a header, random (any code point), or long. */
export const hostileString: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...NOTORIOUS_STRINGS) },
  { weight: 1, arbitrary: fc.constantFrom(...STORAGE_POISON) },
  { weight: 2, arbitrary: fc.string({ maxLength: 40 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 20 }) },
  { weight: 1, arbitrary: fc.tuple(fc.constantFrom('x', 'é', '🙂', '\u0000', 'a\ud800'), fc.integer({ min: 100, max: 70_000 })).map(([unit, count]) => unit.repeat(count)) },
);

/** A number chosen to hurt: boundaries, random doubles, or a raw token. */
export const hostileNumber: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(0, -1, 1, 2.5, 0.5, 3, 16, 20, 64, 101, 128, 129, 1024, 2049, 4000, 4001, 65_536, 2 ** 31, 2 ** 32, Number.MAX_SAFE_INTEGER, -Number.MAX_SAFE_INTEGER, 1e308, -1e308, Number.MIN_VALUE),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.integer(),
  fc.constantFrom(...RAW_NUMBERS).map((text) => new RawJson(text)),
);

/** `depth` levels of arrays or objects, as text (the parser meets it before any schema). */
const deepNesting: fc.Arbitrary<unknown> = fc
  .tuple(fc.integer({ min: 30, max: 3_000 }), fc.boolean())
  .map(([depth, arrays]) => new RawJson(arrays ? `${'['.repeat(depth)}${']'.repeat(depth)}` : `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`));

/** An object whose keys are the dangerous ones, or repeated. */
const hostileObject: fc.Arbitrary<unknown> = fc
  .array(fc.tuple(fc.oneof(fc.constantFrom('__proto__', 'constructor', 'prototype', '', 'a', 'a'), hostileString), fc.jsonValue({ maxDepth: 2 })), { minLength: 1, maxLength: 4 })
  .map((pairs) => new Entries(pairs));

/** Any value at all, weighted towards the ones that break things. */
export const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: hostileString },
  { weight: 3, arbitrary: hostileNumber },
  { weight: 2, arbitrary: fc.constantFrom(null, true, false, [], {}, [null], [''], { '': '' }) },
  { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
  { weight: 1, arbitrary: deepNesting },
  { weight: 1, arbitrary: hostileObject },
  { weight: 1, arbitrary: fc.array(hostileString, { maxLength: 6 }) },
  { weight: 1, arbitrary: fc.integer({ min: 100, max: 3_000 }).map((count) => Array.from({ length: count }, (_, index) => `x${index}`)) },
);

type BodyMutation =
  | { kind: 'replace'; at: number; value: unknown }
  | { kind: 'remove'; at: number }
  | { kind: 'add-key'; at: number; key: string; value: unknown }
  | { kind: 'repeat-key'; at: number; value: unknown };

const mutation: fc.Arbitrary<BodyMutation> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ kind: fc.constant('replace' as const), at: fc.nat(), value: hostileValue }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('remove' as const), at: fc.nat() }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('add-key' as const), at: fc.nat(), key: fc.oneof(fc.constantFrom('__proto__', 'constructor', 'prototype', 'stream', 'model', ''), hostileString), value: hostileValue }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('repeat-key' as const), at: fc.nat(), value: hostileValue }) },
);

/** A copy of `valid` with one or two mutations applied (as Entries, so any key may be added). */
export function mutatedBody(valid: unknown): fc.Arbitrary<unknown> {
  return fc.array(mutation, { minLength: 1, maxLength: 2 }).map((mutations) => {
    const root = { value: toEntries(valid) };
    for (const step of mutations) apply(root, step);
    return root.value;
  });
}

function apply(root: { value: unknown }, step: BodyMutation): void {
  const slots = slotsOf(root);
  if (step.kind === 'replace') return slots[step.at % slots.length]!.set(step.value);
  if (step.kind === 'remove') {
    const removable = slots.slice(1);
    if (removable.length > 0) removable[step.at % removable.length]!.remove();
    return;
  }
  const objects = slots.filter((candidate) => candidate.isObject);
  if (objects.length === 0) return;
  const target = objects[step.at % objects.length]!.get() as Entries;
  const pairs = target.pairs as Array<readonly [string, unknown]>;
  if (step.kind === 'add-key') pairs.push([step.key, step.value]);
  else if (pairs.length > 0) pairs.push([pairs[step.at % pairs.length]![0], step.value]);
}

/** Ways the bytes of a JSON body go wrong after it was written. */
export const byteDamage: fc.Arbitrary<(text: Buffer) => Buffer> = fc.oneof(
  fc.nat().map((at) => Object.assign((text: Buffer) => text.subarray(0, at % Math.max(1, text.length)), { [fc.toStringMethod]: () => `truncate@${at}` })),
  fc.constantFrom(
    Object.assign((text: Buffer) => Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), text]), { [fc.toStringMethod]: () => 'utf8-bom' }),
    Object.assign((text: Buffer) => Buffer.concat([text, Buffer.from([0xff, 0xfe, 0xc3])]), { [fc.toStringMethod]: () => 'invalid-utf8-tail' }),
    Object.assign((text: Buffer) => Buffer.concat([Buffer.from([0xc3]), text]), { [fc.toStringMethod]: () => 'invalid-utf8-head' }),
    Object.assign((text: Buffer) => Buffer.from(text.toString('utf8'), 'utf16le'), { [fc.toStringMethod]: () => 'utf16le' }),
    Object.assign((text: Buffer) => Buffer.concat([text, Buffer.from(' {"extra":1}')]), { [fc.toStringMethod]: () => 'trailing-json' }),
    Object.assign((text: Buffer) => Buffer.concat([text, Buffer.from([0])]), { [fc.toStringMethod]: () => 'trailing-nul' }),
    Object.assign(() => Buffer.alloc(0), { [fc.toStringMethod]: () => 'empty' }),
    Object.assign(() => Buffer.from('   \n\t '), { [fc.toStringMethod]: () => 'whitespace' }),
  ),
);

/**
 * A header value that may hurt (no CR or LF: those end the header, they are not in it). Mostly
 * without control characters, so the request gets past Node's parser and meets Levee's own checks.
 */
export const hostileHeaderValue: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: hostileString.map((value) => value.replace(/[\u0000-\u0008\u000a-\u001f\u007f]/g, '').slice(0, 20_000)) },
  { weight: 1, arbitrary: hostileString.map((value) => value.replace(/[\r\n]/g, '').slice(0, 20_000)) },
  { weight: 1, arbitrary: fc.constantFrom('', ' ', 'a'.repeat(129), 'ok_id-1.2:3', '\u0001', '\u007f', 'é', '🙂', 'x'.repeat(9_000)) },
);
