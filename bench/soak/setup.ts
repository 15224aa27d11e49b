/** The search collection the soak's traffic queries: created with its documents before the traffic starts. */
import { randomUUID } from 'node:crypto';
import type { SoakClient } from './client.ts';
import { SEARCH_DIMENSION, SEARCH_MODEL } from './stack.ts';
import { COLLECTION_DOCUMENTS, documentText } from './traffic.ts';

/** Creates `soak-<id>` and upserts its documents (the embedded Postgres starts on this first use); throws when refused. */
export async function setUpCollection(client: SoakClient): Promise<string> {
  const name = `soak-${randomUUID().slice(0, 8)}`;
  const created = await client.send({ kind: 'collection', method: 'POST', path: '/v1/collections', body: { name, model: SEARCH_MODEL, dimension: SEARCH_DIMENSION } });
  if (created.record.status !== 200) throw new Error(`soak: creating the collection answered ${created.record.status} ${created.record.code ?? ''}`);
  const documents = Array.from({ length: COLLECTION_DOCUMENTS }, (_, index) => ({ id: `doc-${index}`, text: documentText(index, 0), metadata: { index } }));
  const upserted = await client.send({ kind: 'upsert', method: 'POST', path: `/v1/collections/${name}/documents`, route: 'POST /v1/collections/:name/documents', body: { documents } });
  if (upserted.record.status !== 200) throw new Error(`soak: the first upsert answered ${upserted.record.status} ${upserted.record.code ?? ''}`);
  return name;
}
