import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it, mock } from 'node:test';
import type { BreakerFleetLink, ProbeOutcome, ProbeSlot, SharedBreakerState } from './breaker-fleet.ts';
import { CircuitBreaker } from './circuit-breaker.ts';
import { CountAndRateBreaker } from './count-and-rate-breaker.ts';
import { OpenCircuitError } from './errors.ts';
import { flush } from './testing/flush.ts';

const HALF_OPEN_AFTER = 10_000;
const NOW = 1_000_000;

/** A fleet that records what the breaker tells it and answers probes as the test says. */
class FakeFleet implements BreakerFleetLink {
  counted: string[] = [];
  announced: Array<[string, number, string]> = [];
  settled: ProbeOutcome[] = [];
  probe: 'slot' | 'busy' | 'unreachable' = 'slot';
  /** What settle answers; undefined plays an unreachable fleet. */
  afterSettle: SharedBreakerState | undefined = { state: 'closed', openedAt: 0, version: 9 };

  count(outcome: 'success' | 'failure'): void {
    this.counted.push(outcome);
  }
  announce(state: SharedBreakerState['state'], openedAt: number, reason: string): void {
    this.announced.push([state, openedAt, reason]);
  }
  async acquireProbe(): Promise<ProbeSlot | 'busy' | undefined> {
    if (this.probe === 'busy') return 'busy';
    if (this.probe === 'unreachable') return undefined;
    return {
      settle: async (outcome) => {
        this.settled.push(outcome);
        return this.afterSettle;
      },
    };
  }
}

function makeBreaker() {
  const breaker = new CircuitBreaker({
    dependency: 'dep',
    breaker: new CountAndRateBreaker({ minimumFailures: 3, failureRateThreshold: 0.5, windowMs: 60_000 }),
    halfOpenAfterMs: HALF_OPEN_AFTER,
    successesToClose: 2,
    countsAsFailure: () => true,
  });
  const fleet = new FakeFleet();
  breaker.attachFleet(fleet);
  return { breaker, fleet };
}

const boom = () => Promise.reject(new Error('boom'));
const ok = () => Promise.resolve('ok');

function halfOpen(breaker: CircuitBreaker): void {
  breaker.applyShared({ state: 'open', openedAt: NOW - HALF_OPEN_AFTER, version: 1 });
  assert.equal(breaker.state, 'half_open');
}

describe('CircuitBreaker in a fleet', () => {
  beforeEach(() => mock.timers.enable({ apis: ['setTimeout', 'Date'], now: NOW }));
  afterEach(() => mock.timers.reset());

  it('counts every outcome for the fleet and announces an opening on local counts', async () => {
    const { breaker, fleet } = makeBreaker();
    await breaker.execute(ok);
    for (let i = 0; i < 3; i++) await assert.rejects(breaker.execute(boom));
    assert.deepEqual(fleet.counted, ['success', 'failure', 'failure', 'failure']);
    assert.equal(breaker.state, 'open');
    assert.deepEqual(fleet.announced, [['open', NOW, 'failures']]);
  });

  it("applies the fleet's opening without announcing it back, and turns half-open at the fleet's time", () => {
    const { breaker, fleet } = makeBreaker();
    breaker.applyShared({ state: 'open', openedAt: NOW - 4_000, version: 3 });
    assert.equal(breaker.state, 'open');
    assert.equal(breaker.msUntilHalfOpen(), 6_000);
    mock.timers.tick(6_000);
    assert.equal(breaker.state, 'half_open');
    assert.deepEqual(fleet.announced, []);
  });

  it('rejects at once while another replica holds the probe slot', async () => {
    const { breaker, fleet } = makeBreaker();
    halfOpen(breaker);
    fleet.probe = 'busy';
    let called = false;
    const error = await breaker.execute(async () => (called = true)).catch((caught: unknown) => caught);
    assert.ok(error instanceof OpenCircuitError);
    assert.equal(error.state, 'half_open');
    assert.equal(called, false);
    // The local slot is free again: the next call asks the fleet again.
    fleet.probe = 'slot';
    assert.equal(await breaker.execute(ok), 'ok');
  });

  it('says where the half-open probe is: here while it runs, on another replica after a busy answer, else the next call', async () => {
    const { breaker, fleet } = makeBreaker();
    assert.deepEqual([breaker.snapshot().shared, breaker.snapshot().probe], [true, null]);
    halfOpen(breaker);
    assert.equal(breaker.snapshot().probe, 'next_call');
    fleet.probe = 'busy';
    await assert.rejects(breaker.execute(ok), OpenCircuitError);
    assert.equal(breaker.snapshot().probe, 'another_replica');
    mock.timers.tick(1_000);
    assert.equal(breaker.snapshot().probe, 'next_call');
    fleet.probe = 'slot';
    let release: () => void = () => {};
    const probe = breaker.execute(() => new Promise<string>((resolve) => (release = () => resolve('ok'))));
    await flush();
    assert.equal(breaker.snapshot().probe, 'this_replica');
    release();
    await probe;
  });

  it("reports the probe's outcome to the fleet and adopts the fleet's decision", async () => {
    const { breaker, fleet } = makeBreaker();
    halfOpen(breaker);
    fleet.afterSettle = { state: 'closed', openedAt: 0, version: 2 };
    assert.equal(await breaker.execute(ok), 'ok');
    await flush();
    assert.deepEqual(fleet.settled, ['success']);
    // One good probe here, but the fleet counted the second: closed.
    assert.equal(breaker.state, 'closed');
  });

  it('a second local call waits for the probe to be settled before probing again', async () => {
    const { breaker, fleet } = makeBreaker();
    halfOpen(breaker);
    fleet.afterSettle = { state: 'open', openedAt: NOW - HALF_OPEN_AFTER, version: 2 };
    let release!: () => void;
    const probe = breaker.execute(() => new Promise<string>((resolve) => (release = () => resolve('ok'))));
    await flush();
    await assert.rejects(breaker.execute(ok), (error: unknown) => error instanceof OpenCircuitError && error.state === 'half_open');
    release();
    await probe;
    await flush();
    assert.equal(await breaker.execute(ok), 'ok');
    assert.equal(fleet.settled.length, 2);
  });

  it('falls back to its own probe rules when the fleet is unreachable', async () => {
    const { breaker, fleet } = makeBreaker();
    halfOpen(breaker);
    fleet.probe = 'unreachable';
    await assert.rejects(breaker.execute(boom));
    assert.equal(breaker.state, 'open');
    assert.deepEqual(fleet.announced.at(-1), ['open', NOW, 'probe_failed']);
  });

  it('decides locally when the outcome cannot be reported', async () => {
    const { breaker, fleet } = makeBreaker();
    halfOpen(breaker);
    fleet.afterSettle = undefined;
    await assert.rejects(breaker.execute(boom));
    await flush();
    assert.equal(breaker.state, 'open');
  });

  it('admin reset and isolate are announced to the fleet', () => {
    const { breaker, fleet } = makeBreaker();
    breaker.isolate();
    breaker.reset();
    assert.deepEqual(fleet.announced, [
      ['isolated', NOW, 'isolate'],
      ['closed', 0, 'reset'],
    ]);
  });
});
