/**
 * A real headless Chromium (Debian's, driven by puppeteer-core) for the console's browser tests:
 * launch it on a fresh profile, sign in through the login form, read cookies over CDP, list every
 * URL a page asked for, and run axe-core on a view.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Result as AxeResult } from 'axe-core';
import puppeteer, { type Browser, type BrowserContext, type Cookie, type Page } from 'puppeteer-core';

/** What page-side functions touch: the project compiles without the DOM library. */
declare const document: { querySelector(selector: string): { textContent: string | null } | null };
declare const window: { axe: { run(context: unknown, options: unknown): Promise<{ violations: AxeResult[] }> } };

export const DESKTOP = { width: 1280, height: 800 } as const;
export const PHONE = { width: 390, height: 844, isMobile: true, hasTouch: true } as const;

export interface TestBrowser {
  browser: Browser;
  /** Closes Chromium (SIGKILL if it does not go in 5 s) and removes its profile. */
  close(): Promise<void>;
}

/** Debian's Chromium (CHROMIUM_PATH to use another build), headless, on its own temporary profile. */
export async function launchBrowser(): Promise<TestBrowser> {
  const profile = mkdtempSync(join(tmpdir(), 'levee-chromium-'));
  const browser = await puppeteer.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    headless: true,
    userDataDir: profile,
    args: [
      // Chromium's sandbox refuses to start as root, and CI runs the tests as root in a container.
      '--no-sandbox',
      // Containers often give /dev/shm only 64 MB; Chromium then crashes rendering.
      '--disable-dev-shm-usage',
    ],
  });
  return {
    browser,
    async close() {
      const child = browser.process();
      await Promise.race([browser.close(), new Promise((resolve) => setTimeout(resolve, 5_000).unref())]).catch(() => undefined);
      if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** A new tab at a viewport size (default 1280×800), optionally with the page's CSP bypassed (axe only). */
export async function openPage(context: Browser | BrowserContext, viewport: { width: number; height: number } = DESKTOP, options: { bypassCsp?: boolean } = {}): Promise<Page> {
  const page = await context.newPage();
  await page.setViewport(viewport);
  if (options.bypassCsp) await page.setBypassCSP(true);
  return page;
}

/**
 * Every URL the page asks for from now on, WebSocket handshakes included (puppeteer's request
 * event does not show those, so they come from CDP's Network domain).
 */
export async function recordRequestUrls(page: Page, into: string[] = []): Promise<string[]> {
  page.on('request', (request) => void into.push(request.url()));
  const cdp = await page.createCDPSession();
  await cdp.send('Network.enable');
  cdp.on('Network.webSocketCreated', (event) => void into.push(event.url));
  return into;
}

/** Types the token into the login form and submits it; resolves once the app page has loaded. */
export async function logIn(page: Page, baseUrl: string, token: string): Promise<void> {
  if (!page.url().startsWith(`${baseUrl}/console`)) await page.goto(`${baseUrl}/console`);
  await page.waitForSelector('form#login #token');
  await page.type('#token', token);
  await Promise.all([page.waitForNavigation({ timeout: 10_000 }), page.click('form#login button[type="submit"]')]);
  await page.waitForSelector('[data-live]', { timeout: 10_000 });
}

/** Submits a token expected to be refused; returns the error the form shows. */
export async function logInRefused(page: Page, baseUrl: string, token: string): Promise<string> {
  await page.goto(`${baseUrl}/console`);
  await page.waitForSelector('form#login #token');
  await page.type('#token', token);
  await page.click('form#login button[type="submit"]');
  const shown = await page.waitForFunction(() => document.querySelector('#login-error')?.textContent?.trim() || false, { timeout: 5_000 });
  return (await shown.jsonValue()) as string;
}

/** The console's session cookie as Chromium stores it (over CDP, so HttpOnly ones too). */
export async function sessionCookie(browser: Browser): Promise<Cookie | undefined> {
  return (await browser.cookies()).find((cookie) => cookie.name === 'levee_console');
}

export interface AxeFinding {
  id: string;
  impact: string;
  help: string;
  targets: string[];
}

/**
 * axe-core's serious and critical violations on the page as it is now. The page must have been
 * opened with `bypassCsp` before loading: the console's CSP rightly refuses an injected script.
 */
export async function seriousAxeViolations(page: Page): Promise<AxeFinding[]> {
  await page.addScriptTag({ content: axeSource() });
  const violations = await page.evaluate(async () => (await window.axe.run(document, { resultTypes: ['violations'] })).violations);
  return violations
    .filter((violation) => violation.impact === 'serious' || violation.impact === 'critical')
    .map((violation) => ({
      id: violation.id,
      impact: String(violation.impact),
      help: violation.help,
      targets: violation.nodes.map((node) => node.target.join(' ')),
    }));
}

let axeScript: string | undefined;
function axeSource(): string {
  axeScript ??= readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
  return axeScript;
}
