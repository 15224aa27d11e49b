/**
 * What a dependency's policies are doing now: bulkhead use and queue, the adaptive timeouts
 * against their floor and ceiling, the 429 gate and the provider's quota headroom. Anything Levee
 * does not know for a dependency is left out, never shown as zero.
 */
import { formatDuration, formatInteger } from '../format.mjs';
import { html } from '../html.mjs';
import { Gauge, idFor } from './parts.mjs';

/** A bulkhead this full is worth a look. */
const BULKHEAD_WARN_RATIO = 0.8;
/** Up to this many timeouts are listed open; more start folded. */
const TIMEOUTS_SHOWN_OPEN = 4;
/** Quota headroom below this share of the limit is worth a look. */
const QUOTA_WARN_RATIO = 0.2;

/** @param {{ dependency: any }} props */
export function DependencyFacts({ dependency }) {
  const id = idFor(dependency.name);
  return html`
    ${dependency.bulkhead && html`<${Bulkhead} id=${id} bulkhead=${dependency.bulkhead} />`}
    ${dependency.timeouts && Object.keys(dependency.timeouts).length > 0 && html`<${Timeouts} timeouts=${dependency.timeouts} />`}
    ${typeof dependency.rate_limited_for_ms === 'number' && html`<${RateGate} waitMs=${dependency.rate_limited_for_ms} />`}
    ${dependency.quota && html`<${Quota} id=${id} quota=${dependency.quota} />`}
  `;
}

/** @param {{ id: string, bulkhead: { active: number, queued: number, capacity: number } }} props */
function Bulkhead({ id, bulkhead }) {
  const { active, queued, capacity } = bulkhead;
  return html`<${Gauge}
    id=${`${id}-bulkhead`}
    label="Bulkhead"
    value=${active}
    max=${capacity}
    warnAt=${capacity * BULKHEAD_WARN_RATIO}
    text=${`${formatInteger(active)} of ${formatInteger(capacity)} active · ${formatInteger(queued)} queued`}
  />`;
}

/**
 * Each operation's timeout now, placed between floor and ceiling on a log scale (the range spans
 * 100 ms to 30 s, where a linear bar would always look empty). A long list (Postgres has a dozen)
 * starts folded.
 * @param {{ timeouts: Record<string, { current_ms: number, floor_ms: number, ceiling_ms: number }> }} props
 */
function Timeouts({ timeouts }) {
  const entries = Object.entries(timeouts);
  return html`
    <details class="timeouts" open=${entries.length <= TIMEOUTS_SHOWN_OPEN}>
      <summary class="facts-label">Timeouts (${entries.length})</summary>
      <ul class="timeout-list">
        ${entries.map(([operation, timeout]) => html`<${Timeout} key=${operation} operation=${operation} timeout=${timeout} />`)}
      </ul>
    </details>
  `;
}

/** @param {{ operation: string, timeout: { current_ms: number, floor_ms: number, ceiling_ms: number } }} props */
function Timeout({ operation, timeout }) {
  const span = Math.log(timeout.ceiling_ms) - Math.log(timeout.floor_ms);
  if (!(span > 0)) {
    return html`<li class="timeout"><span class="timeout-name">${operation}</span><span class="timeout-now">${formatDuration(timeout.current_ms)} <span class="muted">fixed</span></span></li>`;
  }
  const position = Math.min(1, Math.max(0, (Math.log(timeout.current_ms) - Math.log(timeout.floor_ms)) / span));
  return html`
    <li class="timeout">
      <span class="timeout-name">${operation}</span>
      <span class="timeout-now">${formatDuration(timeout.current_ms)}</span>
      <span class="timeout-range">
        <span class="timeout-bound"><span class="visually-hidden">floor </span>${formatDuration(timeout.floor_ms)}</span>
        <span class="timeout-track" aria-hidden="true"><span class="timeout-mark" style=${{ left: `${Math.round(position * 100)}%` }}></span></span>
        <span class="timeout-bound"><span class="visually-hidden">ceiling </span>${formatDuration(timeout.ceiling_ms)}</span>
      </span>
    </li>
  `;
}

/** @param {{ waitMs: number }} props */
function RateGate({ waitMs }) {
  return waitMs > 0
    ? html`<p class="gate gate-closed"><span aria-hidden="true">⚠ </span>429 gate: holding calls for ${formatDuration(waitMs)} (the provider said to slow down)</p>`
    : html`<p class="gate gate-open"><span aria-hidden="true">✓ </span>429 gate: not rate limited</p>`;
}

/**
 * @param {{ id: string, quota: { requests_per_minute?: { limit: number, left: number }, tokens_per_minute?: { limit: number, left: number }, concurrency?: { limit: number, in_use: number } } }} props
 */
function Quota({ id, quota }) {
  const perMinute = [
    ['requests_per_minute', 'Requests / min'],
    ['tokens_per_minute', 'Tokens / min'],
  ].filter(([key]) => quota[key]);
  return html`
    <div class="quota">
      <p class="facts-label">Quota headroom</p>
      ${perMinute.map(([key, label]) => {
        const { limit, left } = quota[key];
        return html`<${Gauge}
          key=${key}
          id=${`${id}-${key}`}
          label=${label}
          value=${limit - left}
          max=${limit}
          warnAt=${limit * (1 - QUOTA_WARN_RATIO)}
          text=${`${formatInteger(left)} of ${formatInteger(limit)} left`}
        />`;
      })}
      ${quota.concurrency && html`<${Gauge}
        id=${`${id}-concurrency`}
        label="Concurrency"
        value=${quota.concurrency.in_use}
        max=${quota.concurrency.limit}
        warnAt=${quota.concurrency.limit * (1 - QUOTA_WARN_RATIO)}
        text=${`${formatInteger(quota.concurrency.in_use)} of ${formatInteger(quota.concurrency.limit)} in use`}
      />`}
    </div>
  `;
}
