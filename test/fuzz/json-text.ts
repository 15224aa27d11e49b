/**
 * JSON as a hostile client writes it: besides plain values, raw number tokens JSON.stringify
 * cannot produce (`1e999`, `-0`, 40-digit integers, even `NaN`) and objects with duplicate or
 * prototype-named keys (`__proto__`, `constructor`), which a JS object cannot hold safely.
 */
import fc from 'fast-check';

/** A token written verbatim into the JSON text. */
export class RawJson {
  readonly text: string;
  constructor(text: string) {
    this.text = text;
  }
  [fc.toStringMethod](): string {
    return `raw(${this.text.length > 80 ? `${this.text.slice(0, 80)}…(${this.text.length})` : this.text})`;
  }
}

/** An object as its key/value pairs, in order, duplicates allowed. */
export class Entries {
  readonly pairs: ReadonlyArray<readonly [string, unknown]>;
  constructor(pairs: ReadonlyArray<readonly [string, unknown]>) {
    this.pairs = pairs;
  }
  [fc.toStringMethod](): string {
    return `{${this.pairs.map(([key, value]) => `${JSON.stringify(key)}: ${fc.stringify(value)}`).join(', ')}}`;
  }
}

/** The JSON text of a value that may hold RawJson tokens and Entries objects. */
export function jsonText(value: unknown): string {
  if (value instanceof RawJson) return value.text;
  if (value instanceof Entries) return `{${value.pairs.map(([key, item]) => `${JSON.stringify(key)}:${jsonText(item)}`).join(',')}}`;
  if (Array.isArray(value)) return `[${value.map((item) => jsonText(item)).join(',')}]`;
  if (value !== null && typeof value === 'object') return jsonText(new Entries(Object.entries(value)));
  // undefined has no JSON form: written as the token a careless serialiser would emit.
  return JSON.stringify(value) ?? 'undefined';
}

/** Every place a value sits, with a way to read and replace it. */
interface Slot {
  get(): unknown;
  set(value: unknown): void;
  remove(): void;
  /** The value is an object (so a key can be added or repeated). */
  isObject: boolean;
}

/** The slots of `root`'s descendants (the root itself excluded), depth first. */
export function slotsOf(root: { value: unknown }): Slot[] {
  const slots: Slot[] = [];
  const visit = (holder: unknown) => {
    if (Array.isArray(holder)) {
      holder.forEach((_, index) => {
        slots.push(slot(() => holder[index], (value) => (holder[index] = value), () => holder.splice(index, 1)));
        visit(holder[index]);
      });
    } else if (holder instanceof Entries) {
      const pairs = holder.pairs as Array<[string, unknown]>;
      pairs.forEach((pair, index) => {
        slots.push(slot(() => pair[1], (value) => (pair[1] = value), () => pairs.splice(index, 1)));
        visit(pair[1]);
      });
    }
  };
  slots.push(slot(() => root.value, (value) => (root.value = value), () => (root.value = undefined)));
  visit(root.value);
  return slots;
}

function slot(get: () => unknown, set: (value: unknown) => void, remove: () => void): Slot {
  return { get, set, remove, get isObject() { return get() instanceof Entries; } };
}

/** A deep copy in which every plain object is Entries, so mutations may add any key. */
export function toEntries(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(toEntries);
  if (value instanceof Entries) return new Entries(value.pairs.map(([key, item]) => [key, toEntries(item)]));
  if (value !== null && typeof value === 'object' && !(value instanceof RawJson)) {
    return new Entries(Object.entries(value).map(([key, item]) => [key, toEntries(item)]));
  }
  return value;
}
