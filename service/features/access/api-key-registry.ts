/**
 * The client keys Levee accepts, by client name. Keys come from `API_KEYS` (comma-separated
 * `name:key` pairs) and/or `API_KEYS_FILE` (one pair a line, `#` comments and blank lines allowed);
 * only their SHA-256 digests are kept, never the plaintext. The file is re-read on `reload()`
 * (SIGHUP), which is how a key is revoked without a restart; a bad file keeps the previous keys.
 * Nothing here ever logs a key: counts and line numbers only.
 */
import { timingSafeEqual } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { Logger } from '../../telemetry/logger.ts';
import { keyDigest } from './key-digest.ts';

const NAME = /^[A-Za-z0-9_.-]{1,64}$/;
const KEY = /^\S{8,}$/;

export interface KeyEntry {
  name: string;
  digest: Buffer;
  /** Where it was read (`API_KEYS pair 2`, `keys.txt line 7`), for error messages. */
  where: string;
}

/** A pair of text to parse and where it came from. */
export interface KeyPair {
  text: string;
  where: string;
}

/** A key list that cannot be used; `problems` name sources, line numbers and client names, never a key. */
export class ApiKeysError extends Error {
  readonly problems: readonly string[];

  constructor(problems: readonly string[]) {
    super(problems.join('; '));
    this.name = 'ApiKeysError';
    this.problems = problems;
  }
}

export interface ApiKeyRegistryOptions {
  /** `API_KEYS`: comma-separated `name:key` pairs, fixed for the life of the process. */
  inline?: string | undefined;
  /** `API_KEYS_FILE`: a file of `name:key` pairs, one a line, re-read by `reload()`. */
  file?: string | undefined;
  logger: Logger;
}

/** Parses `name:key` pairs into digests; throws ApiKeysError listing every malformed pair. */
export function parsePairs(pairs: readonly KeyPair[]): KeyEntry[] {
  const problems: string[] = [];
  const entries: KeyEntry[] = [];
  for (const { text, where } of pairs) {
    // Names cannot hold a colon, so the first one ends the name; the key may contain more.
    const colon = text.indexOf(':');
    const name = colon < 0 ? text : text.slice(0, colon);
    const key = colon < 0 ? '' : text.slice(colon + 1);
    if (NAME.test(name) && KEY.test(key)) entries.push({ name, digest: keyDigest(key), where });
    else problems.push(`${where}: not a name:key pair (name [A-Za-z0-9_.-]{1,64}, key at least 8 non-space characters)`);
  }
  if (problems.length > 0) throw new ApiKeysError(problems);
  return entries;
}

/**
 * Drops exact repeats and refuses one key under two names (the identity would be ambiguous); one
 * name with several keys is fine: that is how a key is rotated.
 */
function distinctKeys(entries: readonly KeyEntry[]): KeyEntry[] {
  const problems: string[] = [];
  const firstByDigest = new Map<string, KeyEntry>();
  for (const entry of entries) {
    const first = firstByDigest.get(entry.digest.toString('hex'));
    if (!first) firstByDigest.set(entry.digest.toString('hex'), entry);
    else if (first.name !== entry.name) problems.push(`${entry.where}: the key of '${entry.name}' is also the key of '${first.name}' (${first.where})`);
  }
  if (problems.length > 0) throw new ApiKeysError(problems);
  return [...firstByDigest.values()];
}

/** `API_KEYS` as pairs to parse. */
export function inlinePairs(value: string): KeyPair[] {
  return value.split(',').map((pair, index) => ({ text: pair.trim(), where: `API_KEYS pair ${index + 1}` }));
}

/** A key file's lines as pairs to parse, comments and blank lines left out. */
export function filePairs(text: string, path: string): KeyPair[] {
  return text
    .split(/\r?\n/)
    .map((line, index) => ({ text: line.trim(), where: `${path} line ${index + 1}` }))
    .filter((pair) => pair.text.length > 0 && !pair.text.startsWith('#'));
}

export class ApiKeyRegistry {
  readonly #inline: readonly KeyEntry[];
  readonly #file: string | undefined;
  readonly #logger: Logger;
  #entries: readonly KeyEntry[];
  #reloading: Promise<boolean> = Promise.resolve(true);

  private constructor(inline: readonly KeyEntry[], entries: readonly KeyEntry[], options: ApiKeyRegistryOptions) {
    this.#inline = inline;
    this.#file = options.file;
    this.#logger = options.logger;
    this.#entries = entries;
  }

  /** Reads and checks every key; throws ApiKeysError, listing every problem, when they cannot be used. */
  static async load(options: ApiKeyRegistryOptions): Promise<ApiKeyRegistry> {
    const inline = distinctKeys(options.inline ? parsePairs(inlinePairs(options.inline)) : []);
    const entries = options.file ? await withKeyFile(inline, options.file) : inline;
    const registry = new ApiKeyRegistry(inline, entries, options);
    if (registry.clients === 0) options.logger.warn('API_KEYS_FILE holds no keys: every /v1 request is refused until a reload brings some');
    return registry;
  }

  /** Distinct client names currently accepted. */
  get clients(): number {
    return new Set(this.#entries.map((entry) => entry.name)).size;
  }

  /** Whether there is a file to re-read. */
  get reloadable(): boolean {
    return this.#file !== undefined;
  }

  /**
   * The client name a presented key belongs to, or undefined. Compares the key's digest with every
   * stored digest in constant time and without stopping at a match, so neither which key matched
   * nor how much of it leaks through timing.
   */
  identify(presentedKey: string): string | undefined {
    const presented = keyDigest(presentedKey);
    let client: string | undefined;
    for (const entry of this.#entries) {
      if (timingSafeEqual(presented, entry.digest) && client === undefined) client = entry.name;
    }
    return client;
  }

  /**
   * Re-reads the key file. On success the new keys replace the old at once (a removed key is
   * refused from the next request on); on failure the previous keys stay and the problem is
   * logged. Reloads run one at a time, in the order asked.
   */
  reload(): Promise<boolean> {
    this.#reloading = this.#reloading.then(() => this.#reloadOnce());
    return this.#reloading;
  }

  async #reloadOnce(): Promise<boolean> {
    if (!this.#file) return true;
    try {
      this.#entries = await withKeyFile(this.#inline, this.#file);
      this.#logger.info({ clients: this.clients, keys: this.#entries.length }, 'api keys reloaded');
      return true;
    } catch (error) {
      const problems = error instanceof ApiKeysError ? error.problems : ['unexpected error while reading the keys'];
      this.#logger.error({ problems, clients: this.clients }, 'api keys reload failed: keeping the previous keys');
      return false;
    }
  }
}

/** The inline keys plus the file's, checked together (a file key may not reuse an inline key under another name). */
async function withKeyFile(inline: readonly KeyEntry[], path: string): Promise<KeyEntry[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new ApiKeysError([describeReadError(error)]);
  }
  return distinctKeys([...inline, ...parsePairs(filePairs(text, path))]);
}

function describeReadError(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  const path = (error as { path?: unknown } | null)?.path;
  return `API_KEYS_FILE: cannot read ${typeof path === 'string' ? path : 'the file'}${typeof code === 'string' ? ` (${code})` : ''}`;
}
