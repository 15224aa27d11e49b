/** Small pieces the views share: a section frame, a labelled gauge, and a breaker's state badge. */
import { html } from '../html.mjs';

/** A DOM id from any name (`llm/default` → `llm-default`). @param {string} name */
export const idFor = (name) => name.replace(/[^A-Za-z0-9_-]+/g, '-');

/**
 * A top-level section of the page, reachable from the nav by its id.
 * @param {{ id: string, title: string, children?: any }} props
 */
export function Section({ id, title, children }) {
  return html`
    <section id=${id} class=${`section section-${id}`} aria-labelledby=${`${id}-heading`}>
      <h2 id=${`${id}-heading`}>${title}</h2>
      ${children}
    </section>
  `;
}

/**
 * A labelled <meter> with its figures written beside it (the bar alone would be a colour-only
 * signal). Past `warnAt` the bar turns to a warning; `higherIsBetter` flips that (a hit ratio).
 * @param {{ id: string, label: string, value: number, max: number, warnAt?: number, higherIsBetter?: boolean, text: string }} props
 */
export function Gauge({ id, label, value, max, warnAt, higherIsBetter = false, text }) {
  const safeMax = max > 0 ? max : 1;
  const threshold = warnAt ?? (higherIsBetter ? 0 : safeMax);
  return html`
    <div class="gauge">
      <span class="gauge-label" id=${`${id}-label`}>${label}</span>
      <meter aria-labelledby=${`${id}-label`} aria-describedby=${`${id}-text`} min="0" max=${safeMax} value=${Math.min(value, safeMax)} low=${threshold} high=${threshold} optimum=${higherIsBetter ? safeMax : 0}></meter>
      <span class="gauge-text" id=${`${id}-text`}>${text}</span>
    </div>
  `;
}

/** Each state's words and a shape for it, so no state is told by colour alone. */
export const BREAKER_STATES = {
  closed: { icon: '✓', label: 'Closed', meaning: 'calls flow' },
  open: { icon: '✕', label: 'Open', meaning: 'calls are refused' },
  half_open: { icon: '◐', label: 'Half-open', meaning: 'probing' },
  isolated: { icon: '⊘', label: 'Isolated', meaning: 'held open by an operator' },
};

/** @param {{ state: string }} props */
export function StateBadge({ state }) {
  const known = BREAKER_STATES[/** @type {keyof typeof BREAKER_STATES} */ (state)] ?? { icon: '?', label: state, meaning: '' };
  return html`
    <p class=${`badge state-${state}`}>
      <span class="badge-icon" aria-hidden="true">${known.icon}</span>
      <span class="badge-label">${known.label}</span>
      ${known.meaning && html`<span class="badge-meaning">: ${known.meaning}</span>`}
    </p>
  `;
}
