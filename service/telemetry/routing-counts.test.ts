import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createMetrics } from './metrics.ts';
import { routingCounts } from './routing-counts.ts';

describe('routingCounts', () => {
  it('sums the routing counters per model and provider, and counts only hedges sent', async () => {
    const metrics = createMetrics();
    const routed = (model: string, provider: string, upstream: string, outcome: string, count: number) =>
      metrics.routedCalls.inc({ operation: 'chat', model, provider, upstream_model: upstream, outcome }, count);
    routed('gpt-4o-mini', 'primary', 'gpt-4o-mini', 'success', 5);
    routed('gpt-4o-mini', 'primary', 'gpt-4o-mini-2024', 'upstream_error', 2);
    routed('gpt-4o-mini', 'backup', 'mini', 'success', 3);
    routed('embed', 'primary', 'embed', 'success', 0);
    metrics.fallbacks.inc({ model: 'gpt-4o-mini', fallback_model: 'small' }, 2);
    metrics.fallbacks.inc({ model: 'gpt-4o-mini', fallback_model: 'tiny' }, 1);
    for (const [event, count] of [['sent', 4], ['won', 3], ['cancelled', 3], ['budget_exhausted', 9]] as const) metrics.hedges.inc({ operation: 'chat', model: 'gpt-4o-mini', event }, count);

    assert.deepEqual(await routingCounts(metrics), {
      routed: [
        { model: 'embed', provider: 'primary', count: 0 },
        { model: 'gpt-4o-mini', provider: 'backup', count: 3 },
        { model: 'gpt-4o-mini', provider: 'primary', count: 7 },
      ],
      fallbacks: [{ model: 'gpt-4o-mini', count: 3 }],
      hedges: [{ model: 'gpt-4o-mini', count: 4 }],
    });
  });
});
