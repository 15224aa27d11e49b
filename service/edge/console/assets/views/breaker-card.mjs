/**
 * One dependency (or provider) around its circuit breaker: the state in words and shape, failure
 * rate, when it opened and when it will probe, the policies' figures, the transitions seen since
 * the page opened, and the operator's reset and isolate buttons.
 */
import { formatClock, formatDuration, formatInteger, formatPercent, formatRelative } from '../format.mjs';
import { html } from '../html.mjs';
import { DependencyFacts } from './dependency-facts.mjs';
import { BREAKER_STATES, idFor, StateBadge } from './parts.mjs';

/**
 * @param {object} props
 * @param {string} props.name the breaker's name (`postgres`, `llm/default`)
 * @param {any} props.breaker its snapshot
 * @param {any | undefined} props.dependency the dependency it guards, when Levee lists one
 * @param {import('../console-state.mjs').Transition[]} props.transitions newest first
 * @param {number} props.nowMs the browser's clock now
 * @param {number} props.offsetMs Levee's clock minus the browser's
 * @param {(name: string, action: 'reset' | 'isolate') => void} props.onAction
 */
export function BreakerCard({ name, breaker, dependency, transitions, nowMs, offsetMs, onAction }) {
  const id = `breaker-${idFor(name)}`;
  return html`
    <article class=${`card breaker state-${breaker.state}`} data-breaker=${name} data-state=${breaker.state} aria-labelledby=${`${id}-name`}>
      <header class="card-head">
        <h3 id=${`${id}-name`}>${name}</h3>
        <p class="card-kind">${describeKind(dependency)}</p>
        <${StateBadge} state=${breaker.state} />
      </header>
      <p class="breaker-figures">${breakerFigures(breaker, nowMs, offsetMs)}</p>
      ${dependency && html`<${DependencyFacts} dependency=${dependency} />`}
      <h4 class="facts-label">Transitions</h4>
      ${transitions.length === 0
        ? html`<p class="empty">None since this page opened.</p>`
        : html`<ul class="transitions">
            ${transitions.map((transition) => html`
              <li key=${`${transition.atMs}-${transition.to}`}>
                <time datetime=${new Date(transition.atMs).toISOString()} title=${formatClock(transition.atMs)}>${formatRelative(transition.atMs, nowMs)}</time>
                ${' '}${stateWord(transition.from)} <span aria-hidden="true">→</span><span class="visually-hidden"> to </span> ${stateWord(transition.to)}
                ${transition.reason && html`<span class="transition-reason"> (${REASONS[transition.reason] ?? transition.reason})</span>`}
              </li>
            `)}
          </ul>`}
      <div class="card-actions">
        <button type="button" data-action="reset" onClick=${() => onAction(name, 'reset')}>Reset<span class="visually-hidden"> ${name}</span></button>
        <button type="button" data-action="isolate" class="danger-outline" onClick=${() => onAction(name, 'isolate')}>Isolate<span class="visually-hidden"> ${name}</span></button>
      </div>
    </article>
  `;
}

/** Why a breaker moved, in words (the codes are Levee's resilience/circuit-breaker.ts). */
const REASONS = /** @type {Record<string, string>} */ ({
  failures: 'too many failures',
  timer: 'probe due',
  probe_succeeded: 'probe succeeded',
  probe_failed: 'probe failed',
  reset: 'reset by an operator',
  isolate: 'isolated by an operator',
  peer: 'another replica moved it',
});

/** @param {string} state */
const stateWord = (state) => BREAKER_STATES[/** @type {keyof typeof BREAKER_STATES} */ (state)]?.label ?? state;

/** @param {any | undefined} dependency */
function describeKind(dependency) {
  if (!dependency) return 'Circuit breaker';
  if (dependency.kind === 'llm') return dependency.provider ? `LLM provider “${dependency.provider}”` : 'LLM provider';
  return { postgres: 'PostgreSQL', redis: 'Redis' }[/** @type {string} */ (dependency.kind)] ?? dependency.kind;
}

const PROBE_WHERE = {
  this_replica: 'probe running on this replica',
  another_replica: 'probe running on another replica',
  next_call: 'the next call probes',
};

/** @param {any} breaker @param {number} nowMs @param {number} offsetMs */
function breakerFigures(breaker, nowMs, offsetMs) {
  const calls = (breaker.failures ?? 0) + (breaker.successes ?? 0);
  // The failure window starts afresh when a breaker opens: its counts describe a closed breaker only.
  const parts =
    breaker.state === 'closed'
      ? [`Failure rate ${formatPercent(breaker.failure_rate ?? 0)} (${formatInteger(breaker.failures ?? 0)} of ${formatInteger(calls)} calls)`]
      : breaker.state === 'isolated'
        ? ['Held open by an operator until reset']
        : [];
  if (breaker.opened_at) {
    const openedMs = Date.parse(breaker.opened_at) - offsetMs;
    if (Number.isFinite(openedMs)) parts.push(`opened ${formatRelative(openedMs, nowMs)}`);
  }
  if (breaker.state === 'open' && typeof breaker.half_open_in_ms === 'number') {
    parts.push(breaker.half_open_in_ms > 0 ? `probe in ${formatDuration(breaker.half_open_in_ms)}` : 'probe on the next call');
  }
  if (breaker.state === 'half_open' && breaker.probe) parts.push(PROBE_WHERE[/** @type {keyof typeof PROBE_WHERE} */ (breaker.probe)] ?? breaker.probe);
  // With Redis one probe runs across the whole fleet; without, each replica probes on its own.
  if (breaker.shared !== undefined) parts.push(breaker.shared ? 'shared by the fleet' : 'this replica only');
  return parts.join(' · ');
}
