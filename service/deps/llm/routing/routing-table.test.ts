import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { loadConfig } from '../../../config.ts';
import { singleProviderModels, type ModelsConfig } from '../../../config/models.ts';
import { createLogger } from '../../../telemetry/logger.ts';
import { createMetrics } from '../../../telemetry/metrics.ts';
import { LlmProvider } from '../llm-provider.ts';
import { RoutingTable } from './routing-table.ts';

const config = loadConfig({});
const base = singleProviderModels({ ...config.llm, baseUrl: 'http://127.0.0.1:9/v1' });
const provider = (id: string) =>
  new LlmProvider({ config: { ...base.providers[0]!, id }, metrics: createMetrics(), logger: createLogger({ level: 'silent' }) });

describe('RoutingTable', () => {
  const providers = new Map([
    ['alpha', provider('alpha')],
    ['beta', provider('beta')],
  ]);
  after(() => Promise.all([...providers.values()].map((each) => each.close())));

  it('serves any model from the catch-all provider, a chat and an embeddings call for one name apart', () => {
    const table = new RoutingTable({ ...base, catchAllProvider: 'alpha' }, providers);
    const chat = table.resolve('whatever', 'chat')!;
    assert.equal(chat.kind, 'chat');
    assert.equal(chat.deployments[0]!.provider.id, 'alpha');
    assert.equal(chat.deployments[0]!.model, 'whatever');
    assert.equal(table.resolve('whatever', 'embeddings')!.kind, 'embeddings');
    assert.deepEqual(table.publicModels(), []);
  });

  it("routes a file's models to their deployments and chains chat fallbacks in order, never embeddings'", () => {
    const models: ModelsConfig = {
      ...base,
      catchAllProvider: undefined,
      models: [
        { name: 'a', kind: 'chat', deployments: [{ provider: 'alpha', model: 'a-1', weight: 3 }], fallbacks: ['c', 'b'], hedge: { enabled: false, floorMs: 50 } },
        { name: 'b', kind: 'chat', deployments: [{ provider: 'beta', model: 'b-1', weight: 1 }], fallbacks: [], hedge: { enabled: false, floorMs: 50 } },
        { name: 'c', kind: 'chat', deployments: [{ provider: 'beta', model: 'c-1', weight: 1 }], fallbacks: [], hedge: { enabled: true, floorMs: 50 } },
        { name: 'e', kind: 'embeddings', deployments: [{ provider: 'alpha', model: 'e-1', weight: 1 }], fallbacks: [], hedge: { enabled: true, floorMs: 50 } },
      ],
    };
    const table = new RoutingTable(models, providers);
    assert.deepEqual(table.chain(table.resolve('a', 'chat')!).map((route) => route.name), ['a', 'c', 'b']);
    assert.deepEqual(table.chain(table.resolve('e', 'embeddings')!).map((route) => route.name), ['e']);
    assert.equal(table.resolve('unknown', 'chat'), undefined);
    assert.equal(providers.get('alpha')!.catalog.labelFor('a-1'), 'a-1', "the file's models are known labels");
    assert.deepEqual(table.publicModels().map((model) => model.name), ['a', 'b', 'c', 'e']);
  });
});
