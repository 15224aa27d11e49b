/**
 * What every send carried and got: its tag, route, credentials and answer. After the run the
 * ledger says which request a stored object came from (its tag is in the object) and whether that
 * request was answered 2xx; and it tallies answers per route and status for the closing report.
 */
import { randomBytes } from 'node:crypto';
import type { SentRequest } from './fuzz-request.ts';
import type { FuzzFixtures } from './request-shape.ts';

export interface LedgerEntry {
  tag: string;
  route: string;
  method: string;
  target: string;
  /** `a`, `b`, or undefined when the first Authorization header held neither key. */
  client: 'a' | 'b' | undefined;
  /** As sent, each value cut at 300 characters (the ledger holds thousands). */
  headers: ReadonlyArray<readonly [string, string]>;
  /** A 2xx upsert's document ids as the server read them (the last of repeated keys wins). */
  documentIds?: string[];
  /** The HTTP status, `101` for an accepted WebSocket, `no-response`. */
  status: string;
  /** A refusal's `error.code` and `error.param`. */
  code?: string | null;
  param?: string | null;
}

export class Ledger {
  /** Lower-case letters and digits: a tag must fit a collection name. */
  readonly runId = randomBytes(4).toString('hex');
  readonly #entries = new Map<string, LedgerEntry>();
  readonly #fixtures: FuzzFixtures;
  #next = 0;

  constructor(fixtures: FuzzFixtures) {
    this.#fixtures = fixtures;
  }

  /** Ends in a letter: a generated suffix ("00") must not read as more digits of the number. */
  nextTag(): string {
    this.#next += 1;
    return `t${this.runId}n${this.#next}x`;
  }

  record(sent: SentRequest, status: string, error?: { code?: unknown; param?: unknown }): void {
    const token = /^Bearer +(\S+) *$/i.exec(sent.header('authorization')?.trim() ?? '')?.[1];
    const client = token === this.#fixtures.keys.a ? 'a' : token === this.#fixtures.keys.b ? 'b' : undefined;
    this.#entries.set(sent.tag, {
      tag: sent.tag,
      route: sent.request.route,
      method: sent.raw.method,
      target: sent.raw.target,
      client,
      headers: sent.raw.headers.map(([name, value]) => [name, value.slice(0, 300)] as const),
      status,
      ...(sent.request.route === UPSERT_ROUTE && /^2\d\d$/.test(status) ? { documentIds: documentIdsOf(sent.raw.body) } : {}),
      ...(error ? { code: typeof error.code === 'string' ? error.code : null, param: typeof error.param === 'string' ? error.param : null } : {}),
    });
  }

  get size(): number {
    return this.#entries.size;
  }

  entries(): LedgerEntry[] {
    return [...this.#entries.values()];
  }

  /** The entries whose tags appear in `text` (a file name, a collection name, a document id…). */
  writersOf(text: string): LedgerEntry[] {
    const tags = text.match(new RegExp(`t${this.runId}n\\d+x`, 'g')) ?? [];
    return tags.flatMap((tag) => this.#entries.get(tag) ?? []);
  }

  /** 2xx answers on `route` by `client`. */
  successes(route: string, client?: 'a' | 'b'): LedgerEntry[] {
    return this.entries().filter((entry) => entry.route === route && isSuccess(entry) && (client === undefined || entry.client === client));
  }

  /** Refusals by `status code`, most frequent first. */
  codes(): Array<[string, number]> {
    const counts = new Map<string, number>();
    for (const entry of this.#entries.values()) {
      if (entry.code === undefined) continue;
      const key = `${entry.status} ${entry.code ?? '(none)'}`;
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    return [...counts.entries()].sort(([, a], [, b]) => b - a);
  }

  /** Answers per route, then per status. */
  tally(): Map<string, Map<string, number>> {
    const byRoute = new Map<string, Map<string, number>>();
    for (const entry of this.#entries.values()) {
      const statuses = byRoute.get(entry.route) ?? new Map<string, number>();
      statuses.set(entry.status, (statuses.get(entry.status) ?? 0) + 1);
      byRoute.set(entry.route, statuses);
    }
    return byRoute;
  }
}

const UPSERT_ROUTE = 'POST /v1/collections/:name/documents';

function documentIdsOf(body: Buffer | undefined): string[] {
  try {
    const parsed = JSON.parse(body?.toString('utf8') ?? '') as { documents?: Array<{ id?: unknown }> };
    return (parsed.documents ?? []).flatMap((document) => (typeof document.id === 'string' ? [document.id] : []));
  } catch {
    return [];
  }
}

export const isSuccess = (entry: LedgerEntry) => /^2\d\d$/.test(entry.status);
