/**
 * The console's only way to talk to Levee: same-origin fetches carrying the session cookie (never
 * a token). A 401 means the session is gone (expired, signed out, token rotated), so it sends the
 * operator back to the login page; other failures become Errors carrying Levee's own message.
 */

/** Thrown after a 401 has already sent the page back to the login form. */
export class SignedOutError extends Error {
  constructor() {
    super('The console session has ended; sign in again.');
    this.name = 'SignedOutError';
  }
}

/** @param {string} path @param {RequestInit} [init] */
async function call(path, init = {}) {
  const response = await fetch(path, { credentials: 'same-origin', cache: 'no-store', ...init, headers: { Accept: 'application/json', ...init.headers } });
  if (response.status === 401) {
    location.assign('/console');
    throw new SignedOutError();
  }
  if (!response.ok) throw new Error(await errorMessage(response));
  return response.status === 204 ? null : response.json();
}

/**
 * Levee answers errors in OpenAI's shape, `{"error":{"message":…}}`; anything else (a proxy's
 * HTML page) falls back to the status line.
 * @param {Response} response
 */
export async function errorMessage(response) {
  try {
    const body = await response.json();
    if (typeof body?.error?.message === 'string') return body.error.message;
  } catch {
    // Not JSON: the status line below says enough.
  }
  return `Levee answered ${response.status} ${response.statusText}`.trim();
}

/** GET a JSON document. @param {string} path */
export const getJson = (path) => call(path);

/** POST without a body (the admin actions take none); the browser adds Origin, which Levee checks. @param {string} path */
export const post = (path) => call(path, { method: 'POST' });

/** `llm/default` → `/admin/circuit-breakers/llm/default/<action>`, each segment escaped. @param {string} name @param {'reset' | 'isolate'} action */
export const breakerActionPath = (name, action) => `/admin/circuit-breakers/${name.split('/').map(encodeURIComponent).join('/')}/${action}`;

/** @param {{ kind: 'batch' | 'import', id: string }} job */
export const cancelJobPath = (job) => `/admin/${job.kind === 'batch' ? 'batches' : 'imports'}/${encodeURIComponent(job.id)}/cancel`;

/** Ends the session (the cookie is cleared by Levee) and returns to the login page. */
export async function signOut() {
  await call('/console/logout', { method: 'POST' });
  location.assign('/console');
}
