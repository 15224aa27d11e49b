/**
 * The retrieval demo on the embedded defaults, as `npm start` runs (no LLM_BASE_URL, no
 * DATABASE_URL: the embedded simulator and PGlite): the simulator's embeddings are hashed word
 * features, so a search made of one document's words ranks that document first.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { LEVEE_ENTRY } from './support/levee-with-simulator.ts';
import { spawnLevee, type LeveeProcess } from './support/levee-process.ts';

const SYLLABLES = ['ka', 'lo', 'mi', 'ne', 'ru', 'ta', 'vi', 'so', 'pe', 'du'];
const WORDS_PER_DOCUMENT = 6;
/** Word n of the made-up vocabulary: n's three decimal digits as syllables, so no two words are alike. */
const word = (n: number) => [100, 10, 1].map((place) => SYLLABLES[Math.floor(n / place) % 10]).join('');
const wordsOf = (index: number) => Array.from({ length: WORDS_PER_DOCUMENT }, (_, k) => word(index * WORDS_PER_DOCUMENT + k));

/** 50 documents, each with words of its own, among words every document shares. */
const documents = Array.from({ length: 50 }, (_, index) => {
  const [a, b, c, d, e, f] = wordsOf(index);
  return { id: `doc-${index}`, text: `The report about ${a} ${b} and ${c}, with notes on ${d}, ${e} and ${f}.` };
});

describe('retrieval demo on the embedded defaults', { timeout: 120_000 }, () => {
  let levee: LeveeProcess;
  const post = async (path: string, body: unknown) => {
    const response = await fetch(`${levee.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const json = (await response.json()) as any;
    assert.equal(response.status, 200, `${path}: ${JSON.stringify(json)}`);
    return json;
  };

  before(async () => {
    levee = await spawnLevee({ command: { file: process.execPath, args: LEVEE_ENTRY } });
  });
  after(() => levee.stop());

  it('ranks first among 50 the document whose words the query uses', async (t) => {
    assert.ok(levee.logs().some((line) => String(line.msg).startsWith('LLM_BASE_URL unset: serving from the embedded simulator')), 'embeds with the embedded simulator');
    await post('/v1/collections', { name: 'demo', model: 'text-embedding-3-small', dimension: 1536 });
    assert.equal((await post('/v1/collections/demo/documents', { documents })).upserted, 50);

    for (const index of [0, 7, 23, 31, 49]) {
      const [a, , , d] = wordsOf(index);
      const found = await post('/v1/collections/demo/search', { query: `What does the report say about ${d} and ${a}?`, top_k: 5 });
      const hits = found.data as Array<{ id: string; score: number }>;
      assert.equal(hits[0]?.id, `doc-${index}`, `doc-${index} first: ${JSON.stringify(hits)}`);
      assert.ok(hits[0]!.score - hits[1]!.score > 0.05, `a clear lead over words every document shares: ${hits[0]!.score} vs ${hits[1]!.score}`);
      t.diagnostic(`doc-${index}: ${hits[0]!.score.toFixed(3)}, next ${hits[1]!.id} ${hits[1]!.score.toFixed(3)}`);
    }
  });
});
