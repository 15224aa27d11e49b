/**
 * Keeps the console current: the `/admin/events` WebSocket for breaker changes the moment they
 * happen, and polling of `/admin/console/state` for everything else (every 2 s, every 1 s while the
 * socket is down, so a lost socket costs little). The socket reconnects with capped, jittered
 * backoff; the session cookie authenticates it, since browsers cannot set headers on a WebSocket.
 */
import { getJson, SignedOutError } from './api.mjs';

const POLL_MS = 2_000;
const POLL_WITHOUT_SOCKET_MS = 1_000;
const RECONNECT_FIRST_MS = 1_000;
const RECONNECT_MAX_MS = 15_000;
/** Operators send {"type":"ping"} to keep proxies from idling the socket out. */
const PING_MS = 20_000;
/** Silence for this long (two pings unanswered) means a dead socket, even if the browser has not noticed. */
const SILENT_MS = 45_000;

/**
 * @typedef {'websocket' | 'polling'} LiveMode
 * @typedef {object} LiveHandlers
 * @property {(state: any, requestedAt: number) => void} onState a poll's answer, with when it was asked
 * @property {(breakers: Record<string, any>) => void} onBreakers the socket's snapshot of every breaker
 * @property {(message: any) => void} onTransition one `breaker.transition` message
 * @property {(mode: LiveMode) => void} onMode whether the socket is up
 * @property {(error: Error | null) => void} onPollError a failed poll (null once polls succeed again)
 */

/**
 * Starts both feeds. `refresh` polls now (after an operator's action); `stop` ends both.
 * @param {LiveHandlers} handlers
 * @returns {{ refresh: () => void, stop: () => void }}
 */
export function startLiveFeed(handlers) {
  let stopped = false;
  let socketUp = false;
  /** @type {WebSocket | undefined} */
  let socket;
  let reconnectDelay = RECONNECT_FIRST_MS;
  /** @type {ReturnType<typeof setTimeout> | undefined} */
  let pollTimer;
  /** @type {ReturnType<typeof setTimeout> | undefined} */
  let reconnectTimer;
  /** @type {ReturnType<typeof setInterval> | undefined} */
  let pingTimer;
  let polling = false;
  let pollAgain = false;
  let lastHeard = 0;

  async function poll() {
    clearTimeout(pollTimer);
    if (stopped) return;
    // One request at a time; a refresh asked for meanwhile runs right after, so it sees the change.
    if (polling) {
      pollAgain = true;
      return;
    }
    polling = true;
    const requestedAt = Date.now();
    try {
      handlers.onState(await getJson('/admin/console/state'), requestedAt);
      handlers.onPollError(null);
    } catch (error) {
      if (error instanceof SignedOutError) return stop();
      handlers.onPollError(/** @type {Error} */ (error));
    } finally {
      polling = false;
    }
    if (stopped) return;
    if (pollAgain) {
      pollAgain = false;
      void poll();
    } else {
      pollTimer = setTimeout(poll, socketUp ? POLL_MS : POLL_WITHOUT_SOCKET_MS);
    }
  }

  function connect() {
    if (stopped) return;
    const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
    const ws = new WebSocket(`${scheme}://${location.host}/admin/events`, ['levee.events.v1']);
    socket = ws;
    ws.addEventListener('open', () => {
      socketUp = true;
      lastHeard = Date.now();
      handlers.onMode('websocket');
      pingTimer = setInterval(() => {
        if (Date.now() - lastHeard > SILENT_MS) ws.close();
        else ws.send(JSON.stringify({ type: 'ping' }));
      }, PING_MS);
    });
    ws.addEventListener('message', (event) => {
      lastHeard = Date.now();
      // Backoff starts over only once Levee has spoken: a socket that opens and drops at once keeps backing off.
      reconnectDelay = RECONNECT_FIRST_MS;
      let message;
      try {
        message = JSON.parse(event.data);
      } catch {
        return;
      }
      if (message?.type === 'breakers' && message.circuit_breakers) handlers.onBreakers(message.circuit_breakers);
      else if (message?.type === 'breaker.transition') handlers.onTransition(message);
    });
    ws.addEventListener('close', () => {
      clearInterval(pingTimer);
      if (socket !== ws) return;
      socket = undefined;
      const wasUp = socketUp;
      socketUp = false;
      if (stopped) return;
      handlers.onMode('polling');
      // Poll at once: whatever happened while the socket was failing is not on screen yet.
      if (wasUp) void poll();
      const jitter = 0.5 + Math.random() / 2;
      reconnectTimer = setTimeout(connect, reconnectDelay * jitter);
      reconnectDelay = Math.min(reconnectDelay * 2, RECONNECT_MAX_MS);
    });
  }

  function stop() {
    stopped = true;
    clearTimeout(pollTimer);
    clearTimeout(reconnectTimer);
    clearInterval(pingTimer);
    socket?.close();
  }

  handlers.onMode('polling');
  void poll();
  connect();
  return { refresh: () => void poll(), stop };
}
