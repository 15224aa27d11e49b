/** The caches section: per cache its hit ratio, and its size against the bound it is held to. */
import { formatBytes, formatInteger, formatPercent } from '../format.mjs';
import { html } from '../html.mjs';
import { Gauge, idFor, Section } from './parts.mjs';

/** A cache this close to its bound is evicting; worth knowing, not alarming. */
const FULL_WARN_RATIO = 0.9;

/** @param {{ caches: Record<string, any>, loading: boolean }} props */
export function CachesView({ caches, loading }) {
  const entries = Object.entries(caches);
  return html`
    <${Section} id="caches" title="Caches">
      ${entries.length === 0
        ? html`<p class="empty">${loading ? 'Loading…' : 'No caches configured.'}</p>`
        : html`<div class="cards">
            ${entries.map(([name, cache]) => html`<${CacheCard} key=${name} name=${name} cache=${cache} />`)}
          </div>`}
    <//>
  `;
}

/** @param {{ name: string, cache: any }} props */
function CacheCard({ name, cache }) {
  const id = `cache-${idFor(name)}`;
  const lookups = (cache.hits ?? 0) + (cache.misses ?? 0);
  return html`
    <article class="card cache" data-cache=${name} aria-labelledby=${`${id}-name`}>
      <header class="card-head">
        <h3 id=${`${id}-name`}>${name}</h3>
        ${cache.tiers?.length > 0 && html`<p class="card-kind">${cache.tiers.join(' + ')}</p>`}
      </header>
      ${typeof cache.hit_ratio === 'number' && html`<${Gauge}
        id=${`${id}-hits`}
        label="Hit ratio"
        value=${cache.hit_ratio}
        max=${1}
        higherIsBetter
        text=${`${formatPercent(cache.hit_ratio)} (${formatInteger(cache.hits ?? 0)} of ${formatInteger(lookups)} lookups)`}
      />`}
      ${typeof cache.bytes === 'number' && html`<${Gauge}
        id=${`${id}-size`}
        label="Size"
        value=${cache.bytes}
        max=${cache.max_bytes ?? cache.bytes}
        warnAt=${(cache.max_bytes ?? cache.bytes) * FULL_WARN_RATIO}
        text=${cache.max_bytes ? `${formatBytes(cache.bytes)} of ${formatBytes(cache.max_bytes)}` : formatBytes(cache.bytes)}
      />`}
      ${typeof cache.entries === 'number' && html`<p class="muted">${formatInteger(cache.entries)} entries</p>`}
    </article>
  `;
}
