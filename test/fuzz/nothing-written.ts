/**
 * "Nothing written for a refused request", checked so that it can fail: after the run every
 * stored object (file, collection, document, batch) whose name carries a request's tag must come
 * from a request answered 2xx; each store grew by exactly its 2xx creations; a refused chat's
 * conversation does not exist; a 2xx upsert's documents all do. A 504 for the client's own short
 * deadline is no refusal but an unknown outcome (the work may finish after the answer): those
 * are counted apart, never asserted either way. Returns what it saw, or throws.
 */
import assert from 'node:assert/strict';
import type { FuzzStack } from './fuzz-stack.ts';
import { isSuccess, type Ledger, type LedgerEntry } from './ledger.ts';

interface Page<T> {
  data: T[];
  has_more: boolean;
}

/** Every item of a cursor-paginated list. */
async function listAll<T extends { id?: string; name?: string }>(stack: FuzzStack, path: string, key?: string): Promise<T[]> {
  const items: T[] = [];
  let after: string | undefined;
  for (;;) {
    const separator = path.includes('?') ? '&' : '?';
    const page = (await stack.call('GET', `${path}${separator}limit=100${after ? `&after=${encodeURIComponent(after)}` : ''}`, key ? { key } : {})) as Page<T>;
    items.push(...page.data);
    if (!page.has_more || page.data.length === 0) return items;
    const last = page.data.at(-1)!;
    after = last.id ?? last.name;
  }
}

/** The answer came when the client's own deadline ran out: whatever the handler was doing may still have finished. */
const outcomeUnknown = (entry: LedgerEntry) => entry.status === '504' && entry.code === 'deadline_exceeded';

export async function checkNothingWrittenForRefusals(stack: FuzzStack, ledger: Ledger) {
  const { fixtures } = stack;
  const keyOf = { a: fixtures.keys.a, b: fixtures.keys.b } as const;
  const seen = { files: 0, collections: 0, documents: 0, batches: 0, imports: 0, conversationsProbed: 0, conversationsFound: 0, storedAfterDeadline504: 0 };

  /** The stored object must come from a 2xx on `route`, if it carries any tag. */
  const assertWrittenBySuccess = (route: string, what: string, text: string) => {
    for (const writer of ledger.writersOf(text)) {
      if (writer.route === route && outcomeUnknown(writer)) {
        seen.storedAfterDeadline504 += 1;
        continue;
      }
      assert.ok(isSuccess(writer) && writer.route === route, `${what} ${JSON.stringify(text.slice(0, 200))} exists, but request ${writer.tag} (${writer.method} ${writer.target.slice(0, 120)}) was answered ${writer.status}${writer.code ? ` ${writer.code}` : ''}`);
    }
  };
  /** `count` objects: the fixtures, every 2xx creation, and at most the creations of unknown outcome. */
  const assertGrewByCreations = (count: number, fixturesCount: number, creations: LedgerEntry[], what: string) => {
    const made = creations.filter(isSuccess).length;
    const unknown = creations.filter(outcomeUnknown).length;
    assert.ok(count >= fixturesCount + made && count <= fixturesCount + made + unknown, `${what}: ${count}, expected ${fixturesCount} + ${made} created (+ up to ${unknown} of unknown outcome)`);
  };
  const attempts = (route: string, client?: 'a' | 'b') => ledger.entries().filter((entry) => entry.route === route && (client === undefined || entry.client === client));

  for (const client of ['a', 'b'] as const) {
    const files = ((await stack.call('GET', '/v1/files?limit=10000', { key: keyOf[client] })) as Page<{ filename: string; purpose: string }>).data;
    const uploaded = files.filter((file) => file.purpose !== 'batch_output');
    for (const file of uploaded) assertWrittenBySuccess('POST /v1/files', 'file', file.filename);
    assertGrewByCreations(uploaded.length, client === 'a' ? 2 : 0, attempts('POST /v1/files', client), `key ${client}'s uploaded files`);
    seen.files += uploaded.length;

    const batches = await listAll<{ id: string; metadata: Record<string, string> | null }>(stack, '/v1/batches', keyOf[client]);
    for (const batch of batches) assertWrittenBySuccess('POST /v1/batches', 'batch', JSON.stringify(batch.metadata ?? {}));
    assertGrewByCreations(batches.length, client === 'a' ? 1 : 0, attempts('POST /v1/batches', client), `key ${client}'s batches`);
    seen.batches += batches.length;

    // Per collection imported into (a hostile path segment may name a collection the run created).
    const imports = attempts('POST /v1/collections/:name/imports', client);
    const fixturePath = `/v1/collections/${fixtures.importsCollection}/imports`;
    for (const path of new Set([fixturePath, ...imports.filter(isSuccess).map((entry) => entry.target)])) {
      const listed = await listAll(stack, path, keyOf[client]);
      assertGrewByCreations(listed.length, client === 'a' && path === fixturePath ? 1 : 0, imports.filter((entry) => entry.target === path), `key ${client}'s imports at ${path}`);
      seen.imports += listed.length;
    }
  }

  const collections = await listAll<{ name: string }>(stack, '/v1/collections');
  for (const collection of collections) assertWrittenBySuccess('POST /v1/collections', 'collection', collection.name);
  const deleted = attempts('DELETE /v1/collections/:name').filter(isSuccess).length;
  assertGrewByCreations(collections.length + deleted, 2, attempts('POST /v1/collections'), 'collections (deletions added back)');
  seen.collections = collections.length;

  const documents = await listAll<{ id: string }>(stack, `/v1/collections/${fixtures.docsCollection}/documents`);
  for (const document of documents) assertWrittenBySuccess('POST /v1/collections/:name/documents', 'document', document.id);
  const stored = new Set(documents.map((document) => document.id));
  for (const entry of ledger.successes('POST /v1/collections/:name/documents')) {
    for (const id of entry.documentIds ?? []) if (ledger.writersOf(id).length > 0) assert.ok(stored.has(id), `document ${id} of 2xx upsert ${entry.tag} is missing`);
  }
  const counted = (await stack.call('GET', `/v1/collections/${fixtures.docsCollection}`)) as { document_count: number };
  assert.equal(counted.document_count, documents.length, 'document_count agrees with the list');
  seen.documents = documents.length;

  const chats = attempts('POST /v1/chat/completions');
  for (const entry of chats.filter((candidate) => !isSuccess(candidate) && !outcomeUnknown(candidate))) {
    for (const key of [keyOf.a, keyOf.b]) {
      const response = await fetch(`${stack.levee.url}/v1/conversations/fz-${entry.tag}`, { headers: { authorization: `Bearer ${key}` } });
      assert.equal(response.status, 404, `conversation fz-${entry.tag} exists, but its chat was answered ${entry.status}`);
      seen.conversationsProbed += 1;
    }
  }
  // The probe can see: conversations of 2xx chats that named one in the header are there.
  for (const entry of chats.filter((candidate) => isSuccess(candidate) && candidate.client && candidate.headers.some(([name, value]) => /^x-conversation-id$/i.test(name) && value === `fz-${candidate.tag}`))) {
    const response = await fetch(`${stack.levee.url}/v1/conversations/fz-${entry.tag}`, { headers: { authorization: `Bearer ${keyOf[entry.client!]}` } });
    if (response.status === 200) seen.conversationsFound += 1;
  }
  return seen;
}
