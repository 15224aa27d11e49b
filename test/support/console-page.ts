/**
 * The console's test hooks (issue 22's contract) read from inside the page: a breaker's state as
 * shown, a job row's progress, the sections. Recorders live in the page and stamp each change
 * with the page's clock when it happens, so a measured time does not depend on how often the
 * test looks, and a reload (which would wipe them) cannot pass unnoticed.
 */
import type { Page } from 'puppeteer-core';

interface ShownElement {
  textContent: string | null;
  getAttribute(name: string): string | null;
  querySelector(selector: string): (ShownElement & { value: number; max: number }) | null;
  getBoundingClientRect(): { width: number; height: number; top: number; bottom: number };
}
interface WebStorage {
  length: number;
  key(index: number): string | null;
  getItem(key: string): string | null;
}
/** What page-side functions touch: the project compiles without the DOM library. */
declare const document: { querySelector(selector: string): ShownElement | null; cookie: string };
declare const localStorage: WebStorage;
declare const sessionStorage: WebStorage;
declare const window: Record<string, any>;
declare class MutationObserver {
  constructor(callback: () => void);
  observe(target: unknown, options: Record<string, boolean>): void;
}

export interface ShownState {
  state: string | null;
  text: string;
  /** Page clock (Date.now(), the same clock as the test's) when the page first showed it. */
  at: number;
}

/** Waits for `[data-breaker="<name>"]`, then records every state it shows until the page goes away. */
export async function recordBreaker(page: Page, name: string): Promise<void> {
  await page.waitForSelector(breakerSelector(name), { timeout: 10_000 });
  await page.evaluate((selector: string) => {
    const log: ShownState[] = [];
    (window.leveeBreakerLog ??= {})[selector] = log;
    const read = () => {
      const shown = document.querySelector(selector);
      const state = shown?.getAttribute('data-state') ?? null;
      if (log.at(-1)?.state !== state) log.push({ state, text: shown?.textContent?.trim() ?? '', at: Date.now() });
    };
    read();
    new MutationObserver(read).observe(document, { subtree: true, childList: true, attributes: true, characterData: true });
  }, breakerSelector(name));
}

/**
 * Waits until the page has shown the breaker in `state` at or after `since` (page clock) and
 * returns when it did; after `timeoutMs` fails naming what was shown (or that a reload wiped it).
 */
export async function whenBreakerShown(page: Page, name: string, state: string, options: { since: number; timeoutMs: number }): Promise<ShownState> {
  try {
    const found = await page.waitForFunction(
      (selector: string, wanted: string, since: number) => {
        const log: ShownState[] | undefined = window.leveeBreakerLog?.[selector];
        if (!log) throw new Error('the breaker recorder is gone: the page reloaded');
        return log.find((entry) => entry.state === wanted && entry.at >= since) ?? false;
      },
      { timeout: options.timeoutMs, polling: 25 },
      breakerSelector(name),
      state,
      options.since,
    );
    return (await found.jsonValue()) as ShownState;
  } catch (error) {
    const seen = await breakerLog(page, name).catch(() => undefined);
    const shown = seen ? JSON.stringify(seen.map((entry) => [entry.state, entry.at - options.since])) : 'nothing (the recorder is gone: did the page reload?)';
    throw new Error(`${name} not shown ${state} within ${options.timeoutMs} ms; shown (ms from since): ${shown}`, { cause: error });
  }
}

/** Everything the breaker's recorder saw, in order. */
export async function breakerLog(page: Page, name: string): Promise<ShownState[]> {
  const log = await page.evaluate((selector: string) => window.leveeBreakerLog?.[selector] ?? null, breakerSelector(name));
  if (!log) throw new Error('the breaker recorder is gone: the page reloaded');
  return log as ShownState[];
}

export interface JobShown {
  status: string | null;
  value: number;
  max: number;
  total: number;
  completed: number;
  failed: number;
  at: number;
}

/**
 * Samples the row `[data-job="<id>"]` every 50 ms and keeps each change. Sampled, not observed:
 * a <progress>'s value is a property, which a MutationObserver does not see.
 */
export async function recordJob(page: Page, id: string): Promise<void> {
  await page.evaluate((selector: string) => {
    const log: JobShown[] = [];
    (window.leveeJobLog ??= {})[selector] = log;
    window.setInterval(() => {
      const row = document.querySelector(selector);
      if (!row) return;
      const progress = row.querySelector('progress');
      const count = (name: string) => Number(row.querySelector(`[data-count="${name}"]`)?.textContent?.trim() ?? Number.NaN);
      const sample = { status: row.getAttribute('data-status'), value: progress?.value ?? Number.NaN, max: progress?.max ?? Number.NaN, total: count('total'), completed: count('completed'), failed: count('failed') };
      const last = log.at(-1);
      if (!last || Object.entries(sample).some(([key, value]) => !Object.is(last[key as keyof JobShown], value))) log.push({ ...sample, at: Date.now() });
    }, 50);
  }, jobSelector(id));
}

/** Waits until the job's row has shown `status` with a full progress bar; returns that sample. */
export async function whenJobShown(page: Page, id: string, status: string, timeoutMs: number): Promise<JobShown> {
  try {
    const found = await page.waitForFunction(
      (selector: string, wanted: string) => {
        const log: JobShown[] | undefined = window.leveeJobLog?.[selector];
        if (!log) throw new Error('the job recorder is gone: the page reloaded');
        return log.find((entry) => entry.status === wanted && entry.max > 0 && entry.value === entry.max) ?? false;
      },
      { timeout: timeoutMs, polling: 50 },
      jobSelector(id),
      status,
    );
    return (await found.jsonValue()) as JobShown;
  } catch (error) {
    const seen = await jobLog(page, id).catch(() => undefined);
    throw new Error(`job ${id} not shown ${status} with a full bar within ${timeoutMs} ms; shown: ${seen ? JSON.stringify(seen) : 'nothing (the recorder is gone)'}`, { cause: error });
  }
}

/** Every change the job row recorder saw, in order. */
export async function jobLog(page: Page, id: string): Promise<JobShown[]> {
  const log = await page.evaluate((selector: string) => window.leveeJobLog?.[selector] ?? null, jobSelector(id));
  if (!log) throw new Error('the job recorder is gone: the page reloaded');
  return log as JobShown[];
}

/** What the page's own scripts can see: `document.cookie`, and every web-storage entry as `key=value`. */
export async function scriptVisibleState(page: Page): Promise<{ cookie: string; stored: string[] }> {
  return page.evaluate(() => ({
    cookie: document.cookie,
    stored: [localStorage, sessionStorage].flatMap((store) => Array.from({ length: store.length }, (_, index) => `${store.key(index)}=${store.getItem(store.key(index) ?? '')}`)),
  }));
}

/** Waits until the live indicator `[data-live]` says `mode` (websocket or polling). */
export async function whenLive(page: Page, mode: string, timeoutMs: number): Promise<void> {
  await page.waitForFunction((wanted: string) => document.querySelector('[data-live]')?.getAttribute('data-live') === wanted, { timeout: timeoutMs }, mode);
}

/** Clicks `button[data-action="<action>"]` inside `within` and waits for its confirmation dialog. */
export async function openConfirmation(page: Page, within: string, action: string): Promise<void> {
  await page.click(`${within} button[data-action="${action}"]`);
  await page.waitForSelector('dialog[open] button[data-confirm]', { visible: true, timeout: 5_000 });
}

/** Answers the open confirmation dialog and waits for it to close. */
export async function answerConfirmation(page: Page, answer: 'confirm' | 'cancel'): Promise<void> {
  await page.click(`dialog[open] button[data-${answer}]`);
  await page.waitForFunction(() => document.querySelector('dialog[open]') === null, { timeout: 10_000 });
}

export const SECTIONS = ['dependencies', 'routing', 'jobs', 'caches'] as const;

/**
 * Brings a section into view through the page's own navigation (a link or button naming it) and
 * returns whether the section is then laid out with a size and inside the viewport.
 */
export async function showSection(page: Page, section: string): Promise<boolean> {
  const control = await page.$(`nav a[href="#${section}"], nav [aria-controls="${section}"], nav [data-section="${section}"]`);
  if (!control) throw new Error(`no control in the nav leads to #${section}`);
  await control.click();
  // Waited for, not read once: the page may scroll smoothly.
  const inView = (id: string) => {
    const box = document.querySelector(`#${id}`)?.getBoundingClientRect();
    return box !== undefined && box.width > 0 && box.height > 0 && box.top < window.innerHeight && box.bottom > 0;
  };
  return page.waitForFunction(inView, { timeout: 3_000 }, section).then(
    () => true,
    () => false,
  );
}

const breakerSelector = (name: string) => `[data-breaker="${name}"]`;
const jobSelector = (id: string) => `[data-job="${id}"]`;
