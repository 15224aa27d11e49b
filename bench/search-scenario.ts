/**
 * `search-10k`: a collection of N documents on the embedded store (PGlite, HNSW), then searches
 * with a different query text every request, so neither the search cache nor the embeddings
 * cache can answer: each search is one upstream embedding call plus one pgvector query.
 * Levee targets only (the baseline has no search).
 *
 * The documents use a model the simulator does not know, so their vectors have the simulator's
 * SIM_EMBEDDING_DIMENSION (64 here): 1,536-dimension writes cost ~20 ms each on PGlite, which
 * would make loading 10,000 documents take minutes.
 */
import { Pool } from 'undici';
import { CLIENT_AUTHORIZATION } from './client-key.ts';
import { runLoad } from './load.ts';
import { measure, uniqueTexts, type BenchContext, type Target } from './scenario-runner.ts';

export const SEARCH_MODEL = 'bench-embedding-64';
const COLLECTION = 'bench_search';

/** Creates the collection and upserts the documents in batches; returns the seconds it took. */
async function loadDocuments(context: BenchContext, target: Target): Promise<number> {
  const { searchDocuments: total, searchBatchSize: batchSize, searchDimension: dimension } = context.settings;
  // An upsert of 1,000 may take many seconds: no client-side timeouts beyond Levee's own.
  const pool = new Pool(target.process.origin, { connections: 1, headersTimeout: 0, bodyTimeout: 0 });
  const post = async (path: string, body: unknown) => {
    const response = await pool.request({ method: 'POST', path, headers: { 'content-type': 'application/json', ...CLIENT_AUTHORIZATION }, body: JSON.stringify(body) });
    const text = await response.body.text();
    if (response.statusCode !== 200 && response.statusCode !== 201) throw new Error(`${target.name} ${path}: ${response.statusCode} ${text.slice(0, 500)}`);
  };
  const started = performance.now();
  try {
    await post('/v1/collections', { name: COLLECTION, model: SEARCH_MODEL, dimension });
    for (let first = 0; first < total; first += batchSize) {
      const documents = Array.from({ length: Math.min(batchSize, total - first) }, (_, offset) => {
        const index = first + offset;
        return { id: `doc-${index}`, text: `Benchmark document ${index}: notes on topic ${index % 97}.`, metadata: { shard: index % 10 } };
      });
      await post(`/v1/collections/${COLLECTION}/documents`, { documents });
    }
  } finally {
    await pool.close();
  }
  const seconds = (performance.now() - started) / 1000;
  context.progress(`search-10k ${target.name}: loaded ${total} documents (${dimension} dimensions) in ${seconds.toFixed(1)} s`);
  return seconds;
}

export async function search(context: BenchContext): Promise<void> {
  const query = uniqueTexts('What does the benchmark say about topic');
  const body = () => JSON.stringify({ query: query(), top_k: 10 });
  const { searchConnections: connections, searchDocuments } = context.settings;
  for (const target of context.targets.filter((candidate) => candidate.name !== 'baseline')) {
    const loadSeconds = await loadDocuments(context, target);
    context.notes[`searchLoadSeconds.${target.name}`] = Math.round(loadSeconds * 10) / 10;
    const options = { origin: target.process.origin, path: `/v1/collections/${COLLECTION}/search`, body, connections };
    await measure(context, {
      scenario: 'search-10k',
      target,
      level: `max (${connections} connections: the embedded store's 1 session + 3 queued; ${searchDocuments} documents)`,
      warmup: (seconds) => runLoad({ ...options, durationSeconds: seconds }),
      run: (seconds, pid) => runLoad({ ...options, durationSeconds: seconds, pid }),
    });
  }
}
