/**
 * The page's header and nav: which replica this is (version, uptime, shared state), whether the
 * page is live over the WebSocket or polling, when it last heard from Levee, and sign-out.
 */
import { formatDuration, formatInteger, formatRelative } from '../format.mjs';
import { html } from '../html.mjs';

const SHARED_STATE = {
  off: { icon: '○', label: 'off (this replica alone)' },
  ok: { icon: '✓', label: 'ok' },
  degraded: { icon: '⚠', label: 'degraded' },
};

/**
 * @param {object} props
 * @param {any} props.replica the state's `replica`, or undefined before the first poll
 * @param {'websocket' | 'polling'} props.mode
 * @param {number | null} props.updatedAt when the last poll answered (browser ms)
 * @param {string | null} props.pollError why the last poll failed
 * @param {number} props.nowMs
 * @param {() => void} props.onSignOut
 */
export function Masthead({ replica, mode, updatedAt, pollError, nowMs, onSignOut }) {
  const shared = replica && (SHARED_STATE[/** @type {keyof typeof SHARED_STATE} */ (replica.shared_state)] ?? { icon: '•', label: replica.shared_state });
  return html`
    <header class="masthead">
      <div class="masthead-title">
        <h1>Levee console</h1>
        ${replica && html`
          <p class="replica">
            <span>Version <strong>${replica.version}</strong></span>
            <span>Up ${formatDuration(replica.uptime_s * 1_000)}</span>
            <span class=${`shared shared-${replica.shared_state}`}>Shared state <span aria-hidden="true">${shared.icon}</span> ${shared.label}</span>
            ${typeof replica.live_replicas === 'number' && html`<span>${formatInteger(replica.live_replicas)} live ${replica.live_replicas === 1 ? 'replica' : 'replicas'}</span>`}
          </p>`}
      </div>
      <div class="masthead-status">
        <p class=${`live live-${mode}`} data-live=${mode}>
          <span class="live-dot" aria-hidden="true"></span>
          ${mode === 'websocket' ? 'Live (WebSocket)' : 'Polling every second, reconnecting'}
        </p>
        <p class="updated muted">${updatedAt == null ? 'Waiting for Levee…' : `Updated ${formatRelative(updatedAt, nowMs)}`}</p>
        <button type="button" data-action="logout" onClick=${onSignOut}>Sign out</button>
      </div>
      ${pollError && html`<p class="connection-problem" role="alert"><span aria-hidden="true">⚠ </span>Levee did not answer: ${pollError}. Retrying.</p>`}
    </header>
    <nav class="sections-nav" aria-label="Sections">
      <ul>
        <li><a href="#dependencies">Dependencies</a></li>
        <li><a href="#routing">Routing</a></li>
        <li><a href="#jobs">Background work</a></li>
        <li><a href="#caches">Caches</a></li>
      </ul>
    </nav>
  `;
}
