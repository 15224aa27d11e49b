/**
 * The dependencies section: one card per circuit breaker, in the order Levee lists its
 * dependencies, then any breaker no dependency claims (so none is ever hidden).
 */
import { html } from '../html.mjs';
import { BreakerCard } from './breaker-card.mjs';
import { Section } from './parts.mjs';

/**
 * @param {object} props
 * @param {any[]} props.dependencies
 * @param {Record<string, any>} props.breakers
 * @param {Record<string, import('../console-state.mjs').Transition[]>} props.transitions
 * @param {number} props.nowMs the browser's clock now
 * @param {number} props.offsetMs Levee's clock minus the browser's
 * @param {boolean} props.loading no state has arrived yet
 * @param {(name: string, action: 'reset' | 'isolate') => void} props.onAction
 */
export function DependenciesView({ dependencies, breakers, transitions, nowMs, offsetMs, loading, onAction }) {
  const claimed = new Set(dependencies.map((dependency) => dependency.breaker).filter(Boolean));
  const cards = [
    ...dependencies.filter((dependency) => dependency.breaker && breakers[dependency.breaker]).map((dependency) => ({ name: dependency.breaker, dependency })),
    ...Object.keys(breakers).filter((name) => !claimed.has(name)).sort().map((name) => ({ name, dependency: undefined })),
  ];
  return html`
    <${Section} id="dependencies" title="Dependencies and providers">
      ${cards.length === 0
        ? html`<p class="empty">${loading ? 'Loading…' : 'No circuit breakers reported.'}</p>`
        : html`<div class="cards">
            ${cards.map(({ name, dependency }) => html`<${BreakerCard}
              key=${name}
              name=${name}
              breaker=${breakers[name]}
              dependency=${dependency}
              transitions=${transitions[name] ?? []}
              nowMs=${nowMs}
              offsetMs=${offsetMs}
              onAction=${onAction}
            />`)}
          </div>`}
    <//>
  `;
}
