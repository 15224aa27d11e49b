/**
 * The ops console without a mouse, in a real headless Chromium: Tab reaches a breaker's actions,
 * Enter opens the confirmation with focus inside it, Esc cancels and gives focus back, Enter on
 * the confirm button acts; after a job's cancel (whose button then goes) focus lands on the job's
 * row, never on the page's body.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import OpenAI, { toFile } from 'openai';
import type { Page } from 'puppeteer-core';
import { launchBrowser, logIn, openPage, type TestBrowser } from './support/browser.ts';
import { recordBreaker, whenBreakerShown } from './support/console-page.ts';
import { FAST_POLICIES, startLeveeWithSimulator, type LeveeWithSimulator } from './support/levee-with-simulator.ts';

/** What the page-side functions touch: the project compiles without the DOM library. */
interface PageElement {
  tagName: string;
  open?: boolean;
  hasAttribute(name: string): boolean;
  getAttribute(name: string): string | null;
  closest(selector: string): PageElement | null;
}
declare const document: { activeElement: PageElement | null; body: PageElement; querySelector(selector: string): PageElement | null };

const TOKEN = FAST_POLICIES.ADMIN_TOKEN!;
const API_KEY = 'keyboard-key-0123456789';
const LLM = 'llm/default';

/** What has focus, as a short description: the element's data hooks, or its tag. */
const focused = (page: Page) =>
  page.evaluate(() => {
    const element = document.activeElement;
    if (!element || element === document.body) return 'body';
    const hook = ['data-action', 'data-confirm', 'data-cancel', 'data-job'].find((name) => element.hasAttribute(name));
    // Preact writes a boolean data attribute as "true": a flag, not a value.
    const value = hook ? element.getAttribute(hook) : null;
    const within = element.closest('[data-breaker]')?.getAttribute('data-breaker');
    return `${element.tagName.toLowerCase()}${hook ? `[${hook}${value && value !== 'true' ? `=${value}` : ''}]` : ''}${within ? ` in ${within}` : ''}`;
  });

/** Presses Tab until `wanted` has focus; fails after `limit` presses. */
async function tabTo(page: Page, wanted: string, limit = 80): Promise<number> {
  for (let presses = 1; presses <= limit; presses++) {
    await page.keyboard.press('Tab');
    if ((await focused(page)) === wanted) return presses;
  }
  assert.fail(`${wanted} never got focus in ${limit} Tab presses (last: ${await focused(page)})`);
}

const dialogOpen = (page: Page) => page.evaluate(() => document.querySelector('dialog')?.open ?? false);

describe('ops console with the keyboard', { timeout: 120_000 }, () => {
  let stack: LeveeWithSimulator;
  let chromium: TestBrowser;
  let page: Page;

  before(async () => {
    stack = await startLeveeWithSimulator({ API_KEYS: `keyboard:${API_KEY}`, JOB_POLL_INTERVAL_MS: '500', LLM_TIMEOUT_FLOOR_MS: '5000' });
    chromium = await launchBrowser();
    page = await openPage(chromium.browser);
    await logIn(page, stack.levee.url, TOKEN);
    await page.waitForSelector(`[data-breaker="${LLM}"]`);
  });
  after(async () => {
    await chromium?.close();
    await stack?.stop();
  });

  it('reaches a breaker’s Isolate with Tab; Esc cancels the confirmation and returns focus; Enter on confirm isolates', async () => {
    const isolate = `button[data-action=isolate] in ${LLM}`;
    const presses = await tabTo(page, isolate);
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => document.querySelector('dialog')?.open === true, { timeout: 2_000 });
    assert.equal(await focused(page), 'button[data-cancel]', `focus moves into the dialog, on its safe choice (${await focused(page)})`);
    await page.keyboard.press('Escape');
    await page.waitForFunction(() => document.querySelector('dialog')?.open === false, { timeout: 2_000 });
    assert.equal(await focused(page), isolate, 'Esc gives focus back to the button that opened it');
    assert.equal(await dialogOpen(page), false);

    await recordBreaker(page, LLM);
    const since = Date.now();
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => document.querySelector('dialog')?.open === true, { timeout: 2_000 });
    await page.keyboard.press('Tab');
    assert.equal(await focused(page), 'button[data-confirm]');
    await page.keyboard.press('Enter');
    await whenBreakerShown(page, LLM, 'isolated', { since, timeoutMs: 5_000 });
    const health = (await (await fetch(`${stack.levee.url}/health/circuit-breakers`)).json()) as { circuit_breakers: Record<string, { state: string }> };
    assert.equal(health.circuit_breakers[LLM]?.state, 'isolated', `isolated from the keyboard (Isolate reached in ${presses} Tab presses)`);

    // And back: Reset is one Shift+Tab before Isolate.
    await page.keyboard.down('Shift');
    await page.keyboard.press('Tab');
    await page.keyboard.up('Shift');
    if ((await focused(page)) !== `button[data-action=reset] in ${LLM}`) await tabTo(page, `button[data-action=reset] in ${LLM}`);
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => document.querySelector('dialog')?.open === true, { timeout: 2_000 });
    await page.keyboard.press('Tab');
    await page.keyboard.press('Enter');
    await whenBreakerShown(page, LLM, 'closed', { since, timeoutMs: 5_000 });
  });

  it("puts focus on the job's row after its cancel, where the Cancel button was", async () => {
    const client = new OpenAI({ apiKey: API_KEY, baseURL: `${stack.levee.url}/v1`, maxRetries: 0 });
    // Slow lines keep the batch running while the page cancels it.
    stack.simulator.setFaults([{ route: 'chat', fault: { type: 'latency', distribution: { kind: 'fixed', ms: 1_500 } } }]);
    try {
      const lines = Array.from({ length: 200 }, (_, index) =>
        JSON.stringify({ custom_id: `k-${index}`, method: 'POST', url: '/v1/chat/completions', body: { model: 'gpt-4o-mini', messages: [{ role: 'user', content: `line ${index}` }] } }),
      );
      const file = await client.files.create({ file: await toFile(Buffer.from(lines.join('\n')), 'keyboard.jsonl'), purpose: 'batch' });
      const batch = await client.batches.create({ input_file_id: file.id, endpoint: '/v1/chat/completions', completion_window: '24h' });
      await page.waitForSelector(`[data-job="${batch.id}"][data-status="in_progress"] button[data-action=cancel]`, { timeout: 20_000 });

      await tabTo(page, 'button[data-action=cancel]', 200);
      await page.keyboard.press('Enter');
      await page.waitForFunction(() => document.querySelector('dialog')?.open === true, { timeout: 2_000 });
      await page.keyboard.press('Tab');
      assert.equal(await focused(page), 'button[data-confirm]');
      await page.keyboard.press('Enter');
      await page.waitForFunction((id) => ['cancelling', 'cancelled'].includes(document.querySelector(`[data-job="${id}"]`)?.getAttribute('data-status') ?? ''), { timeout: 10_000 }, batch.id);
      await page.waitForFunction((id) => document.querySelector(`[data-job="${id}"] button[data-action=cancel]`) === null, { timeout: 10_000 }, batch.id);
      assert.equal(await focused(page), `li[data-job=${batch.id}]`, 'focus is on the row, not lost to the body');
      assert.ok(['cancelling', 'cancelled'].includes((await client.batches.retrieve(batch.id)).status));
    } finally {
      stack.simulator.clearFaults();
    }
  });
});
