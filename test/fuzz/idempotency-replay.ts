/**
 * A request refused before its handler ran (unreadable body, wrong media type, too large, a bad
 * deadline header) must leave no Idempotency-Key record: the key, sent again by the same client
 * with a valid body, runs afresh (2xx, no `Idempotent-Replayed`), as it would have the first time.
 * Run after the store counts, since each replay creates something.
 */
import assert from 'node:assert/strict';
import type { FuzzStack } from './fuzz-stack.ts';
import type { LedgerEntry, Ledger } from './ledger.ts';

/** Refusals that happen before the idempotency middleware (so before any record could exist). */
function refusedBeforeHandler(entry: LedgerEntry): boolean {
  if (entry.code === 'invalid_json' || entry.code === 'payload_too_large' || entry.code === 'unsupported_media_type') return true;
  return entry.code === 'invalid_request' && entry.param === 'X-Request-Timeout-Ms';
}

/** At most this many replays: each costs a real request (and creates an object). */
const MAX_REPLAYS = 40;

export async function checkRefusalsLeftNoIdempotencyRecord(stack: FuzzStack, ledger: Ledger): Promise<number> {
  const { fixtures } = stack;
  const validBodies: Record<string, { target: string; body: unknown }> = {
    'POST /v1/chat/completions': { target: '/v1/chat/completions', body: { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'replay' }] } },
    'POST /v1/embeddings': { target: '/v1/embeddings', body: { model: 'sim-embed', input: 'replay' } },
    'POST /v1/batches': { target: '/v1/batches', body: { input_file_id: fixtures.batchFileId, endpoint: '/v1/chat/completions', completion_window: '24h' } },
    'POST /v1/collections/:name/documents': { target: `/v1/collections/${fixtures.docsCollection}/documents`, body: { documents: [{ id: 'replayed', text: 'replay' }] } },
    'POST /v1/collections/:name/imports': { target: `/v1/collections/${fixtures.importsCollection}/imports`, body: { file_id: fixtures.documentsFileId } },
  };
  const candidates = ledger.entries().filter((entry) => {
    const valid = validBodies[entry.route];
    const keys = entry.headers.filter(([name]) => /^idempotency-key$/i.test(name));
    // The fixture files are key a's: a batch or import replayed by key b would be a 404.
    const owner = entry.route === 'POST /v1/batches' || entry.route === 'POST /v1/collections/:name/imports' ? entry.client === 'a' : entry.client !== undefined;
    return valid && entry.target === valid.target && owner && refusedBeforeHandler(entry) && keys.length === 1 && keys[0]![1] === `fz-${entry.tag}`;
  });
  for (const entry of candidates.slice(0, MAX_REPLAYS)) {
    const { target, body } = validBodies[entry.route]!;
    const key = entry.client === 'a' ? fixtures.keys.a : fixtures.keys.b;
    const response = await fetch(`${stack.levee.url}${target}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', 'idempotency-key': `fz-${entry.tag}` },
      body: JSON.stringify(body),
    });
    const text = await response.text();
    assert.equal(response.status, 200, `replay of refused ${entry.tag} (${entry.code}) with a valid body: ${text.slice(0, 300)}`);
    assert.equal(response.headers.get('idempotent-replayed'), null, `refused ${entry.tag} (${entry.code}) left an Idempotency-Key record`);
  }
  return Math.min(candidates.length, MAX_REPLAYS);
}
