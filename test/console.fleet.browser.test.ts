/**
 * Isolate-then-reset from the ops console (issue 22) across a fleet: two Levee replicas sharing a
 * real redis-server. The breaker is isolated through the admin API on replica B; the console on
 * replica A shows it isolated and resets it after a confirmation; both replicas then report it
 * closed.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'puppeteer-core';
import { launchBrowser, logIn, openPage, type TestBrowser } from './support/browser.ts';
import { answerConfirmation, breakerLog, openConfirmation, recordBreaker, whenBreakerShown } from './support/console-page.ts';
import { startFleet, type Fleet } from './support/fleet.ts';
import { FAST_POLICIES } from './support/levee-with-simulator.ts';
import { waitFor } from './support/wait-for.ts';

const TOKEN = FAST_POLICIES.ADMIN_TOKEN!;
const LLM = 'llm/default';

const breakerState = async (url: string) =>
  ((await (await fetch(`${url}/health/circuit-breakers`)).json()) as { circuit_breakers: Record<string, { state: string }> }).circuit_breakers[LLM]?.state;

describe('ops console across a fleet', { timeout: 120_000 }, () => {
  let fleet: Fleet;
  let chromium: TestBrowser;
  let page: Page;
  before(async () => {
    fleet = await startFleet({ replicas: 2 });
    chromium = await launchBrowser();
    page = await openPage(chromium.browser);
  });
  after(async () => {
    await chromium?.close();
    await fleet?.stop();
  });

  it('resets a breaker isolated on another replica from the page, closing it fleet-wide', async () => {
    const [a, b] = fleet.replicas as [Fleet['replicas'][0], Fleet['replicas'][0]];
    await logIn(page, a.url, TOKEN);
    await recordBreaker(page, LLM);
    await whenBreakerShown(page, LLM, 'closed', { since: 0, timeoutMs: 10_000 });

    const isolatedAt = Date.now();
    const isolated = await fetch(`${b.url}/admin/circuit-breakers/${LLM}/isolate`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}` } });
    assert.equal(isolated.status, 200);
    await whenBreakerShown(page, LLM, 'isolated', { since: isolatedAt, timeoutMs: 5_000 });
    assert.deepEqual([await breakerState(a.url), await breakerState(b.url)], ['isolated', 'isolated'], 'isolated on both replicas before the reset');

    const posted: string[] = [];
    page.on('request', (request) => void (request.method() === 'POST' && posted.push(request.url())));
    const resetAt = Date.now();
    await openConfirmation(page, `[data-breaker="${LLM}"]`, 'reset');
    await answerConfirmation(page, 'confirm');
    const shown = await whenBreakerShown(page, LLM, 'closed', { since: resetAt, timeoutMs: 5_000 });
    assert.deepEqual(posted, [`${a.url}/admin/circuit-breakers/${LLM}/reset`], 'the page asked replica A to reset, once');
    let states: Array<string | undefined> = [];
    await waitFor(async () => {
      states = [await breakerState(a.url), await breakerState(b.url)];
      return states.every((state) => state === 'closed');
    }, { timeoutMs: 5_000, what: () => `both replicas closed (A, B: ${states.join(', ')})` });
    assert.match(shown.text, /closed/i);
    const timeline = await breakerLog(page, LLM);
    assert.deepEqual(
      timeline.map((entry) => entry.state),
      ['closed', 'isolated', 'closed'],
      `the page went closed → isolated → closed, without a reload (shown, ms from the isolate: ${JSON.stringify(timeline.map((entry) => [entry.state, entry.at - isolatedAt]))}; reset clicked at ${resetAt - isolatedAt})`,
    );
  });
});
