/** With METRICS_PORT set, /metrics moves off the public port. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { freePort } from '../stack/free-port.ts';
import { startLeveeWithSimulator, type LeveeWithSimulator } from './support/levee-with-simulator.ts';

describe('METRICS_PORT', () => {
  let stack: LeveeWithSimulator;
  let metricsPort: number;
  before(async () => {
    metricsPort = await freePort();
    stack = await startLeveeWithSimulator({ METRICS_PORT: String(metricsPort) });
  });
  after(() => stack.stop());

  it('serves /metrics there and not on the public port', async () => {
    const metrics = await fetch(`http://127.0.0.1:${metricsPort}/metrics`);
    assert.equal(metrics.status, 200);
    assert.match(await metrics.text(), /^levee_circuit_breaker_state\{dependency="llm",provider="default",state="closed"\} 1$/m);
    assert.equal((await fetch(`${stack.levee.url}/metrics`)).status, 404);
    assert.equal((await fetch(`http://127.0.0.1:${metricsPort}/v1/models`)).status, 404, 'the API stays on the public port');
  });
});
