/**
 * The ops console's HTTP surface on a real Levee: off (404) without ADMIN_TOKEN; the login page
 * and every /console response with the CSP and security headers; the token exchanged once for an
 * HttpOnly, SameSite=Strict session cookie (wrong token 403, bad body 400, another origin 403);
 * the app page whose import map the CSP admits by hash; admin routes and the admin WebSocket
 * taking the cookie (forged, expired or tampered: 401; changes only from Levee's own origin);
 * logout; the static files and their allowlist; and neither token nor session in any log line.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { WebSocket } from 'ws';
import { SessionSigner } from '../service/features/console/session-signer.ts';
import { REPO_ROOT, spawnLevee, type LeveeProcess } from './support/levee-process.ts';

const TOKEN = 'console-admin-token-0123456789';
const ASSETS_DIR = join(REPO_ROOT, 'service/edge/console/assets');
const CSP = /^default-src 'none'; script-src 'self' 'sha256-([A-Za-z0-9+/]{43}=)'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'$/;

/** fetch adds Cache-Control: no-cache to a conditional request (as the Fetch standard says), which forbids a 304: a browser's revalidation does not. */
const conditionalStatus = (url: string, etag: string) =>
  new Promise<number>((resolve, reject) => {
    request(url, { headers: { 'If-None-Match': etag } }, (response) => {
      response.resume();
      resolve(response.statusCode!);
    })
      .on('error', reject)
      .end();
  });

interface ErrorBody {
  error: { message: string; type: string; code: string; param: string | null; request_id: string };
}

describe('ops console over HTTP', { timeout: 60_000 }, () => {
  let levee: LeveeProcess;
  let off: LeveeProcess;
  let session = '';
  before(async () => {
    // Debug level logs every request's headers: the redaction is what keeps the cookie out.
    [levee, off] = await Promise.all([spawnLevee({ env: { ADMIN_TOKEN: TOKEN, LOG_LEVEL: 'debug', TRUST_PROXY_HOPS: '1' } }), spawnLevee()]);
  });
  after(async () => {
    await Promise.all([levee?.stop(), off?.stop()]);
  });

  const get = (path: string, headers: Record<string, string> = {}) => fetch(`${levee.url}${path}`, { headers });
  const post = (path: string, headers: Record<string, string> = {}, body?: string) =>
    fetch(`${levee.url}${path}`, { method: 'POST', headers: body === undefined ? headers : { 'Content-Type': 'application/json', ...headers }, ...(body === undefined ? {} : { body }) });
  const withSession = (value = session) => ({ Cookie: `levee_console=${value}` });
  const ownOrigin = () => ({ Origin: levee.url });

  function assertSecurityHeaders(response: Response, what: string): string {
    assert.equal(response.headers.get('x-frame-options'), 'DENY', what);
    assert.equal(response.headers.get('referrer-policy'), 'no-referrer', what);
    assert.equal(response.headers.get('x-content-type-options'), 'nosniff', what);
    const hash = CSP.exec(response.headers.get('content-security-policy') ?? '')?.[1];
    assert.ok(hash, `${what}: CSP ${response.headers.get('content-security-policy')}`);
    return hash;
  }

  it('is off (404) without ADMIN_TOKEN, like the admin routes', async () => {
    for (const [method, path] of [['GET', '/console'], ['POST', '/console/login'], ['GET', '/console/vendor/preact.mjs'], ['GET', '/admin/console/state']] as const) {
      const response = await fetch(`${off.url}${path}`, { method, ...(method === 'POST' ? { headers: { 'Content-Type': 'application/json' }, body: `{"token":"${TOKEN}"}` } : {}) });
      assert.equal(response.status, 404, `${method} ${path}`);
      assert.equal(((await response.json()) as ErrorBody).error.code, 'not_found');
    }
  });

  it('serves the login page, uncached, with the CSP and security headers', async () => {
    const response = await get('/console');
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('content-type'), 'text/html; charset=utf-8');
    assert.equal(response.headers.get('cache-control'), 'no-store');
    assertSecurityHeaders(response, 'login page');
    const html = await response.text();
    assert.match(html, /<html lang="en">/);
    assert.match(html, /<meta name="viewport" content="width=device-width, initial-scale=1">/);
    assert.match(html, /<h1>Levee console<\/h1>/);
    assert.match(html, /<form id="login" method="post" action="\/console\/login">/);
    assert.match(html, /<label for="token">Admin token<\/label>\s*<input id="token" name="token" type="password" autocomplete="current-password" required>\s*<button type="submit">Sign in<\/button>/);
    assert.match(html, /<p id="login-error" role="alert"><\/p>/);
    assert.match(html, /<script type="module" src="\/console\/assets\/login\.mjs"><\/script>/);
    assert.match(html, /<link rel="stylesheet" href="\/console\/assets\/console\.css">/);
    assert.doesNotMatch(html, /importmap|<script>/, 'no inline script on the login page');
  });

  it('refuses a wrong token (403), a bad body (400, OpenAI shape) and another origin (403), with no cookie', async () => {
    const refusals: Array<[string, Record<string, string>, number, string]> = [
      ['{"token":"not-the-admin-token-0000"}', {}, 403, 'forbidden'],
      [`{"token":"${TOKEN.slice(0, -1)}"}`, {}, 403, 'forbidden'],
      ['{}', {}, 400, 'invalid_request'],
      ['{"token":42}', {}, 400, 'invalid_request'],
      [`{"token":"${TOKEN}","remember":true}`, {}, 400, 'invalid_request'],
      ['{"token":', {}, 400, 'invalid_json'],
      [`{"token":"${TOKEN}"}`, { Origin: 'https://evil.example' }, 403, 'forbidden'],
      [`{"token":"${TOKEN}"}`, { Origin: 'null' }, 403, 'forbidden'],
    ];
    for (const [body, headers, status, code] of refusals) {
      const response = await post('/console/login', headers, body);
      const answer = (await response.json()) as ErrorBody;
      assert.equal(response.status, status, body);
      assert.equal(answer.error.code, code, body);
      assert.equal(answer.error.type, status === 403 ? 'permission_error' : 'invalid_request_error');
      assert.match(answer.error.request_id, /^req_/);
      assert.doesNotMatch(answer.error.message, new RegExp(TOKEN.slice(0, 12)));
      assert.equal(response.headers.get('set-cookie'), null, body);
      assertSecurityHeaders(response, `login refusal ${body}`);
    }
  });

  it('exchanges the right token for an HttpOnly, SameSite=Strict session cookie (Secure over HTTPS)', async () => {
    const response = await post('/console/login', ownOrigin(), JSON.stringify({ token: TOKEN }));
    assert.equal(response.status, 204);
    const [cookie] = response.headers.getSetCookie();
    const [pair, ...attributes] = cookie!.split('; ');
    assert.match(pair!, /^levee_console=\d{13}\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}$/);
    assert.deepEqual(attributes.sort(), ['HttpOnly', 'Max-Age=28800', 'Path=/', 'SameSite=Strict']);
    session = pair!.slice('levee_console='.length);
    const expiresAt = Number(session.split('.')[0]);
    assert.ok(Math.abs(expiresAt - (Date.now() + 28_800_000)) < 60_000, 'expires CONSOLE_SESSION_TTL_MS from now');

    // Behind a trusted proxy that terminated TLS: Secure.
    const https = await post('/console/login', { 'X-Forwarded-Proto': 'https', Origin: levee.url.replace('http:', 'https:') }, JSON.stringify({ token: TOKEN }));
    assert.equal(https.status, 204);
    assert.match(https.headers.getSetCookie()[0]!, /; Secure$/);
  });

  it('serves the app page with the session, its import map admitted by the CSP hash', async () => {
    const response = await get('/console', withSession());
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('cache-control'), 'no-store');
    const cspHash = assertSecurityHeaders(response, 'app page');
    const html = await response.text();
    const importMap = /<script type="importmap">([^<]*)<\/script>/.exec(html)?.[1];
    assert.ok(importMap, 'an import map');
    assert.equal(createHash('sha256').update(importMap).digest('base64'), cspHash);
    assert.deepEqual(JSON.parse(importMap), {
      imports: { preact: '/console/vendor/preact.mjs', 'preact/hooks': '/console/vendor/hooks.mjs', htm: '/console/vendor/htm.mjs', uplot: '/console/vendor/uplot.mjs' },
    });
    assert.match(html, /<title>Levee console<\/title>/);
    assert.match(html, /<div id="app"><\/div>/);
    assert.match(html, /<script type="module" src="\/console\/assets\/app\.mjs"><\/script>/);
    assert.ok(html.indexOf('/console/vendor/uplot.css') < html.indexOf('/console/assets/console.css'), 'both stylesheets, ours last');
    assert.ok(html.indexOf('importmap') < html.indexOf('app.mjs'), 'the import map before any module');
  });

  it('takes the cookie on admin routes, and answers a forged, expired or tampered one with 401', async () => {
    const state = await get('/admin/console/state', withSession());
    assert.equal(state.status, 200);
    assert.equal(state.headers.get('cache-control'), 'no-store');
    const [expiresAt, nonce, mac] = session.split('.') as [string, string, string];
    const expired = new SessionSigner({ secret: TOKEN, ttlMs: 60_000, now: () => Date.now() - 120_000 }).issue();
    const forged = new SessionSigner({ secret: 'another-admin-token-0123456789', ttlMs: 60_000 }).issue();
    for (const bad of [expired, forged, `${Number(expiresAt) + 1_000}.${nonce}.${mac}`, `${expiresAt}.${nonce}.${mac[0] === 'A' ? 'B' : 'A'}${mac.slice(1)}`, 'garbage']) {
      const refused = await get('/admin/console/state', withSession(bad));
      assert.equal(refused.status, 401, bad);
      assert.equal(refused.headers.get('www-authenticate'), 'Bearer');
      assert.equal(((await refused.json()) as ErrorBody).error.type, 'authentication_error');
      // The page falls back to the login form and drops the stale cookie.
      const page = await get('/console', withSession(bad));
      assert.match(await page.text(), /<form id="login"/);
      assert.match(page.headers.getSetCookie()[0] ?? '', /^levee_console=; .*Max-Age=0/);
    }
    assert.equal((await get('/admin/console/state')).status, 401, 'no credentials at all');
    assert.equal((await get('/admin/console/state', { Authorization: `Bearer ${TOKEN}` })).status, 200, 'the token still works alone');
  });

  it('lets a cookie change state only from Levee’s own origin', async () => {
    const isolate = '/admin/circuit-breakers/llm/default/isolate';
    for (const origin of [undefined, 'https://evil.example', levee.url.replace('127.0.0.1', 'localhost')]) {
      const refused = await post(isolate, { ...withSession(), ...(origin ? { Origin: origin } : {}) });
      assert.equal(refused.status, 403, `Origin ${origin}`);
      assert.equal(((await refused.json()) as ErrorBody).error.code, 'forbidden');
    }
    const isolated = await post(isolate, { ...withSession(), ...ownOrigin() });
    assert.equal(isolated.status, 200);
    assert.equal(((await isolated.json()) as { state: string }).state, 'isolated');
    const reset = await post('/admin/circuit-breakers/llm/default/reset', { ...withSession(), ...ownOrigin() });
    assert.equal(((await reset.json()) as { state: string }).state, 'closed');
    assert.equal((await post(isolate, { Authorization: `Bearer ${TOKEN}` })).status, 200, 'the token needs no Origin');
    assert.equal((await post('/admin/circuit-breakers/llm/default/reset', { Authorization: `Bearer ${TOKEN}` })).status, 200);
  });

  it('opens the admin WebSocket with the cookie from Levee’s own origin only', async () => {
    const url = `${levee.url.replace('http', 'ws')}/admin/events`;
    const refusedStatus = await new Promise<number | undefined>((resolve) => {
      const socket = new WebSocket(url, ['levee.events.v1'], { headers: withSession(), origin: 'https://evil.example' });
      socket.once('unexpected-response', (_request, response) => resolve(response.statusCode));
      socket.once('open', () => resolve(101));
    });
    assert.equal(refusedStatus, 403);
    const socket = new WebSocket(url, ['levee.events.v1'], { headers: withSession(), origin: levee.url });
    const messages: Array<{ type: string; circuit_breakers?: Record<string, unknown> }> = [];
    await new Promise<void>((resolve, reject) => {
      socket.on('message', (data) => {
        messages.push(JSON.parse(String(data)));
        if (messages.length === 2) resolve();
      });
      socket.once('error', reject);
    });
    socket.close();
    assert.deepEqual(messages.map((message) => message.type), ['welcome', 'breakers']);
    assert.ok(messages[1]!.circuit_breakers!['llm/default']);
  });

  it('signs out: the cookie is cleared (from Levee’s own origin)', async () => {
    assert.equal((await post('/console/logout', { ...withSession(), Origin: 'https://evil.example' })).status, 403);
    const response = await post('/console/logout', { ...withSession(), ...ownOrigin() });
    assert.equal(response.status, 204);
    assert.match(response.headers.getSetCookie()[0]!, /^levee_console=; Path=\/; HttpOnly; SameSite=Strict; Max-Age=0$/);
  });

  it('serves the vendor files and every asset with their types, and nothing else', async () => {
    const vendor: Array<[string, string, RegExp]> = [
      ['preact.mjs', 'preact/dist/preact.mjs', /^text\/javascript/],
      ['hooks.mjs', 'preact/hooks/dist/hooks.mjs', /^text\/javascript/],
      ['htm.mjs', 'htm/dist/htm.mjs', /^text\/javascript/],
      ['uplot.mjs', 'uplot/dist/uPlot.esm.js', /^text\/javascript/],
      ['uplot.css', 'uplot/dist/uPlot.min.css', /^text\/css/],
    ];
    const assets = readdirSync(ASSETS_DIR, { recursive: true, encoding: 'utf8' }).filter((file) => /\.(mjs|css)$/.test(file));
    assert.ok(assets.includes('login.mjs'), 'the app’s login script is among the assets');
    const served = [
      ...vendor.map(([name, file, type]) => [`/console/vendor/${name}`, join(REPO_ROOT, 'node_modules', file), type] as const),
      ...assets.map((file) => [`/console/assets/${file.split('\\').join('/')}`, join(ASSETS_DIR, file), file.endsWith('.css') ? /^text\/css/ : /^text\/javascript/] as const),
    ];
    for (const [path, file, type] of served) {
      const response = await get(path);
      assert.equal(response.status, 200, path);
      assert.match(response.headers.get('content-type') ?? '', type, path);
      assertSecurityHeaders(response, path);
      assert.ok(Buffer.from(await response.arrayBuffer()).equals(readFileSync(file)), `${path} is ${file}`);
      assert.equal(await conditionalStatus(`${levee.url}${path}`, response.headers.get('etag')!), 304, `${path} revalidates`);
    }
    for (const path of ['/console/vendor/preact.js', '/console/vendor/react.mjs', '/console/assets/nope.mjs', '/console/assets/..%2F..%2F..%2Fmain.ts', '/console/assets/%2e%2e/pages.ts', '/console/vendor/..%2F..%2Fpackage.json']) {
      const response = await get(path);
      assert.equal(response.status, 404, path);
      assertSecurityHeaders(response, path);
    }
  });

  it('writes neither the token nor a session to any log line', async () => {
    await levee.stop();
    const output = [...levee.stdout, ...levee.stderr].join('\n');
    assert.ok(levee.logs().some((line) => line.route === '/console/login' && line.status === 204), 'the logins were logged');
    assert.ok(levee.logs().some((line) => (line.req as { headers?: Record<string, string> } | undefined)?.headers?.cookie === '[redacted]'), 'cookies were logged, redacted');
    assert.doesNotMatch(output, new RegExp(TOKEN));
    assert.ok(!output.includes(session.split('.')[2]!), 'no session value');
  });
});

describe('ops console sign-in attempts', { timeout: 60_000 }, () => {
  let levee: LeveeProcess;
  before(async () => {
    levee = await spawnLevee({ env: { ADMIN_TOKEN: TOKEN, TRUST_PROXY_HOPS: '1', CONSOLE_LOGIN_ATTEMPTS_PER_15_MIN: '3' } });
  });
  after(() => levee?.stop());

  const logIn = (token: string, clientIp: string) =>
    fetch(`${levee.url}/console/login`, { method: 'POST', headers: { 'Content-Type': 'application/json', 'X-Forwarded-For': clientIp }, body: JSON.stringify({ token }) });

  it('counts every attempt per client IP: past CONSOLE_LOGIN_ATTEMPTS_PER_15_MIN even the right token waits (429, Retry-After)', async () => {
    for (let attempt = 0; attempt < 3; attempt++) assert.equal((await logIn(`wrong-token-${attempt}-0123456789`, '203.0.113.7')).status, 403);
    const refused = await logIn(TOKEN, '203.0.113.7');
    assert.equal(refused.status, 429);
    const body = (await refused.json()) as ErrorBody;
    assert.equal(body.error.code, 'rate_limit_exceeded');
    assert.equal(body.error.type, 'rate_limit_error');
    assert.ok(Number(refused.headers.get('retry-after')) > 0, 'Retry-After');
    assert.equal(refused.headers.get('set-cookie'), null);
    // Another address is counted apart.
    assert.equal((await logIn(TOKEN, '203.0.113.8')).status, 204);
    const metrics = await (await fetch(`${levee.url}/metrics`)).text();
    assert.match(metrics, /levee_rate_limit_decisions_total\{[^}]*policy="console_login\.ip\.15m"[^}]*outcome="limited"[^}]*\} 1/);
  });
});
