/**
 * The ops console (issue 22) in a real headless Chromium against a real Levee, with the simulator
 * injecting faults over HTTP: sign-in and its cookie, a live outage (open → half-open → closed
 * without a reload, timed from the fault to what the page shows), a batch's progress, axe-core
 * on every view, and the outage screenshot (CONSOLE_SCREENSHOT names where it goes).
 * Isolate-then-reset across two replicas is in console.fleet.browser.test.ts.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import OpenAI, { toFile } from 'openai';
import type { Page } from 'puppeteer-core';
import { DESKTOP, launchBrowser, logIn, logInRefused, openPage, PHONE, recordRequestUrls, seriousAxeViolations, sessionCookie, type AxeFinding, type TestBrowser } from './support/browser.ts';
import { answerConfirmation, breakerLog, jobLog, openConfirmation, recordBreaker, recordJob, scriptVisibleState, SECTIONS, showSection, whenBreakerShown, whenJobShown, whenLive, type ShownState } from './support/console-page.ts';
import { REPO_ROOT } from './support/levee-process.ts';
import { FAST_POLICIES, startLeveeWithSimulator, type LeveeWithSimulator } from './support/levee-with-simulator.ts';

const TOKEN = FAST_POLICIES.ADMIN_TOKEN!;
const WRONG_TOKEN = 'not-the-admin-token-9876543210';
const API_KEY = 'ops-key-0123456789';
const HALF_OPEN_MS = 2_500;
/** The acceptance bound: what happens to a breaker is on the page within this long. */
const SHOWN_WITHIN_MS = 2_000;
const LLM = 'llm/default';
const BREAKER = `[data-breaker="${LLM}"]`;

/** Steady chat load while the test needs the breaker to see traffic (paced, so instant 503s do not spin). */
function startChatLoad(url: string, loops = 2) {
  let running = true;
  const done = Promise.all(
    Array.from({ length: loops }, async () => {
      while (running) {
        const response = await fetch(`${url}/v1/chat/completions`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${API_KEY}` },
          body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }),
        });
        await response.arrayBuffer();
        await delay(20);
      }
    }),
  );
  return async () => {
    running = false;
    await done;
  };
}

/** When Levee logged the LLM breaker's move to `to` (its JSON log's ISO time), at or after `since`. */
function loggedTransition(stack: LeveeWithSimulator, to: string, since: number): number | undefined {
  const line = stack.levee.logs().find((entry) => entry.dependency === 'llm' && entry.to === to && Date.parse(String(entry.time)) >= since - 5);
  return line ? Date.parse(String(line.time)) : undefined;
}

const breakerState = async (url: string) =>
  ((await (await fetch(`${url}/health/circuit-breakers`)).json()) as { circuit_breakers: Record<string, { state: string }> }).circuit_breakers[LLM]?.state;

describe('ops console in Chromium', { timeout: 240_000 }, () => {
  let stack: LeveeWithSimulator;
  let chromium: TestBrowser;
  let page: Page;
  const requestedUrls: string[] = [];
  const tab = async (...args: Parameters<typeof openPage>) => {
    const opened = await openPage(...args);
    await recordRequestUrls(opened, requestedUrls);
    return opened;
  };

  before(async () => {
    stack = await startLeveeWithSimulator({
      API_KEYS: `ops:${API_KEY}`,
      JOB_POLL_INTERVAL_MS: '500',
      // Each failed request is one breaker failure, so the outage opens it after a handful.
      LLM_RETRY_MAX_ATTEMPTS: '1',
      LLM_BREAKER_HALF_OPEN_AFTER_MS: String(HALF_OPEN_MS),
      // A fixed 5 s attempt timeout: the batch's slow upstream must not meet a timeout adapted to the fast calls before it.
      LLM_TIMEOUT_FLOOR_MS: '5000',
    });
    chromium = await launchBrowser();
    page = await tab(chromium.browser);
  });
  after(async () => {
    await chromium?.close();
    await stack?.stop();
  });

  it('refuses a wrong token, then signs in and keeps the session in an HttpOnly SameSite=Strict cookie', async () => {
    const refusal = await logInRefused(page, stack.levee.url, WRONG_TOKEN);
    assert.ok(refusal.length > 0, 'the form shows why it refused');
    assert.equal(await sessionCookie(chromium.browser), undefined, 'a refused token gets no cookie');
    assert.ok(await page.$('form#login'), 'still on the login page');

    await logIn(page, stack.levee.url, TOKEN);
    assert.equal(new URL(page.url()).pathname, '/console');
    const cookie = await sessionCookie(chromium.browser);
    assert.ok(cookie, 'the levee_console cookie is set');
    assert.equal(cookie.httpOnly, true);
    assert.equal(cookie.sameSite, 'Strict');
    assert.equal(cookie.path, '/');
    assert.ok(!cookie.value.includes(TOKEN), 'the cookie is a session, not the token');
    const visible = await scriptVisibleState(page);
    assert.ok(!visible.cookie.includes('levee_console'), 'page scripts cannot read the session cookie');
    assert.ok(!visible.stored.some((entry) => entry.includes(TOKEN)), 'the token is in no web storage');
  });

  it('shows the LLM breaker open, half-open at the probe and closed after recovery, live, without a reload', async (t) => {
    const navigations: string[] = [];
    page.on('framenavigated', (frame) => void (frame === page.mainFrame() && navigations.push(frame.url())));
    await whenLive(page, 'websocket', 10_000);
    await recordBreaker(page, LLM);
    await whenBreakerShown(page, LLM, 'closed', { since: 0, timeoutMs: 10_000 });

    const faultAt = Date.now();
    stack.simulator.setFaults([{ route: 'chat', fault: { type: 'error', status: 500 } }]);
    const stopLoad = startChatLoad(stack.levee.url);
    let open: ShownState, halfOpen: ShownState, closed: ShownState, recoveredAt: number, shotAt: number;
    try {
      open = await whenBreakerShown(page, LLM, 'open', { since: faultAt, timeoutMs: 10_000 });
      saveScreenshot(t, Buffer.from(await page.screenshot({ type: 'png' })));
      shotAt = Date.now();
      // Healthy again, but slow: the two good probes that close it take 500 ms, so half-open lasts on screen.
      stack.simulator.setFaults([{ route: 'chat', fault: { type: 'latency', distribution: { kind: 'fixed', ms: 250 } } }]);
      recoveredAt = Date.now();
      halfOpen = await whenBreakerShown(page, LLM, 'half_open', { since: open.at, timeoutMs: HALF_OPEN_MS + 10_000 });
      closed = await whenBreakerShown(page, LLM, 'closed', { since: halfOpen.at, timeoutMs: 10_000 });
    } finally {
      await stopLoad();
      stack.simulator.clearFaults();
    }

    const timeline = await breakerLog(page, LLM);
    const shownMs = { open: open.at - faultAt, half_open: halfOpen.at - faultAt, closed: closed.at - faultAt, closed_after_recovery: closed.at - recoveredAt };
    t.diagnostic(`outage → shown: ${JSON.stringify(shownMs)} ms; timeline ${JSON.stringify(timeline.map((entry) => [entry.state, entry.at - faultAt]))}`);
    assert.ok(shownMs.open <= SHOWN_WITHIN_MS, `open shown ${shownMs.open} ms after the outage began`);
    const lagMs: Record<string, number> = {};
    for (const [state, shown] of [['open', open], ['half_open', halfOpen], ['closed', closed]] as const) {
      const logged = loggedTransition(stack, state, faultAt);
      assert.ok(logged !== undefined, `Levee logged the move to ${state}`);
      lagMs[state] = shown.at - logged;
    }
    t.diagnostic(`Levee's transition → shown: ${JSON.stringify(lagMs)} ms`);
    for (const [state, lag] of Object.entries(lagMs)) assert.ok(lag <= SHOWN_WITHIN_MS, `${state} shown ${lag} ms after Levee logged it`);
    assert.match(open.text, /open/i, 'the state is written, not only coloured');
    assert.match(halfOpen.text, /half[-_ ]?open/i);
    assert.match(closed.text, /closed/i);
    assert.deepEqual(navigations, [], 'the page never navigated');
    assert.equal(timeline.findLast((entry) => entry.at <= shotAt)?.state, 'open', 'the screenshot shows the breaker open');
  });

  it("shows a batch's progress rising to full, and ends with the counts GET /v1/batches/{id} gives", async (t) => {
    const client = new OpenAI({ apiKey: API_KEY, baseURL: `${stack.levee.url}/v1`, maxRetries: 0 });
    // 48 good lines at 800 ms each, 8 at a time: about 5 s, several of the page's 2 s polls. Two bad lines fail.
    stack.simulator.setFaults([{ route: 'chat', fault: { type: 'latency', distribution: { kind: 'fixed', ms: 800 } } }]);
    const line = (index: number, body: Record<string, unknown>) => JSON.stringify({ custom_id: `line-${index}`, method: 'POST', url: '/v1/chat/completions', body: { model: 'gpt-4o-mini', max_tokens: 8, ...body } });
    const lines = Array.from({ length: 50 }, (_, index) => line(index, index % 25 === 7 ? {} : { messages: [{ role: 'user', content: `line ${index}` }] }));
    try {
      const file = await client.files.create({ file: await toFile(Buffer.from(lines.join('\n')), 'console.jsonl'), purpose: 'batch' });
      const createdAt = Date.now();
      const batch = await client.batches.create({ input_file_id: file.id, endpoint: '/v1/chat/completions', completion_window: '24h' });
      await recordJob(page, batch.id);
      const final = await whenJobShown(page, batch.id, 'completed', 60_000);
      const api = await client.batches.retrieve(batch.id);
      assert.equal(api.status, 'completed');
      assert.deepEqual(api.request_counts, { total: 50, completed: 48, failed: 2 });
      assert.deepEqual({ total: final.total, completed: final.completed, failed: final.failed }, api.request_counts, 'the page shows the API’s counts');
      assert.equal(final.max, 50);
      assert.equal(final.value, 50);

      const shown = (await jobLog(page, batch.id)).filter((sample) => sample.max > 0);
      const values = shown.map((sample) => sample.value);
      t.diagnostic(`progress shown: ${shown.map((sample) => `${sample.value}/${sample.max} ${sample.status} at +${sample.at - createdAt} ms`).join(', ')}`);
      assert.ok(values.some((value) => value > 0 && value < 50), `a partly full bar was shown on the way (values ${values.join(', ')})`);
      assert.ok(values.every((value, index) => index === 0 || value >= values[index - 1]!), `the bar never went back (values ${values.join(', ')})`);
    } finally {
      stack.simulator.clearFaults();
    }
  });

  it('has no serious or critical axe-core violation on any view', async () => {
    const findings: Record<string, AxeFinding[]> = {};
    const check = async (view: string, on: Page) => {
      findings[view] = await seriousAxeViolations(on);
    };

    const signedOut = await chromium.browser.createBrowserContext();
    try {
      const login = await tab(signedOut, DESKTOP, { bypassCsp: true });
      await login.goto(`${stack.levee.url}/console`);
      await login.waitForSelector('form#login');
      await check('login', login);
      await logInRefused(login, stack.levee.url, WRONG_TOKEN);
      await check('login with its error shown', login);
    } finally {
      await signedOut.close();
    }

    for (const [size, viewport] of [['1280×800', DESKTOP], ['390×844', PHONE]] as const) {
      const app = await tab(chromium.browser, viewport, { bypassCsp: true });
      await app.goto(`${stack.levee.url}/console`);
      await app.waitForSelector(BREAKER);
      for (const section of SECTIONS) {
        assert.ok(await showSection(app, section), `#${section} is visible at ${size}`);
        await check(`app ${size}, #${section}`, app);
      }
      if (size === '1280×800') {
        await openConfirmation(app, BREAKER, 'isolate');
        await check(`app ${size}, confirmation dialog`, app);
        await answerConfirmation(app, 'cancel');
        assert.equal(await breakerState(stack.levee.url), 'closed', 'cancel leaves the breaker as it was');
      }
      await app.close();
    }
    const found = Object.entries(findings).filter(([, violations]) => violations.length > 0);
    assert.equal(Object.keys(findings).length, 2 + 2 * SECTIONS.length + 1, 'every view was checked');
    assert.deepEqual(found, [], `axe found: ${JSON.stringify(found, null, 2)}`);
  });

  it('never put the admin token in a URL the browser asked for or a line Levee wrote', () => {
    assert.ok(requestedUrls.includes(`${stack.levee.url}/console/login`), 'the URL record saw the login request');
    assert.ok(requestedUrls.some((url) => url.startsWith(`ws://127.0.0.1:${stack.levee.port}/admin/events`)), 'the URL record saw the WebSocket');
    for (const secret of [TOKEN, WRONG_TOKEN]) {
      assert.deepEqual(requestedUrls.filter((url) => url.includes(secret) || url.includes(encodeURIComponent(secret))), [], 'no URL holds a token');
    }
    const lines = [...stack.levee.stdout, ...stack.levee.stderr];
    assert.ok(lines.some((line) => line.includes('/console/login')), 'the log record saw the sign-in');
    for (const secret of [TOKEN, WRONG_TOKEN]) assert.deepEqual(lines.filter((line) => line.includes(secret)), [], 'no log line holds a token');
  });
});

/** Checks the outage screenshot is a 1280×800 PNG and writes it to CONSOLE_SCREENSHOT (else a temp dir). */
function saveScreenshot(t: { diagnostic(message: string): void }, png: Buffer): void {
  assert.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], 'a PNG signature');
  assert.equal(png.subarray(12, 16).toString('latin1'), 'IHDR');
  assert.deepEqual([png.readUInt32BE(16), png.readUInt32BE(20)], [DESKTOP.width, DESKTOP.height], 'the PNG is 1280×800');
  const target = process.env.CONSOLE_SCREENSHOT ? resolve(REPO_ROOT, process.env.CONSOLE_SCREENSHOT) : join(mkdtempSync(join(tmpdir(), 'levee-console-')), 'console-outage.png');
  mkdirSync(dirname(target), { recursive: true });
  writeFileSync(target, png);
  t.diagnostic(`outage screenshot: ${target}`);
}
