/**
 * The background-work section: batches and imports across owners, newest first, each with a
 * progress bar, its counts (plain numbers, the same as the job's own API answers), an ETA from the
 * pace seen while the page is open, and a cancel button while it can still be cancelled.
 */
import { formatDuration, formatRelative } from '../format.mjs';
import { html } from '../html.mjs';
import { jobEtaMs } from '../rates.mjs';
import { idFor, Section } from './parts.mjs';

/** Statuses from which Levee's cancel still does something. */
const CANCELLABLE = new Set(['validating', 'in_progress', 'queued']);

/** Words and a shape per status; unknown statuses show as they come. */
const STATUSES = {
  validating: { icon: '…', label: 'Validating' },
  queued: { icon: '…', label: 'Queued' },
  in_progress: { icon: '▶', label: 'In progress' },
  finalizing: { icon: '▶', label: 'Finalizing' },
  completed: { icon: '✓', label: 'Completed' },
  failed: { icon: '✕', label: 'Failed' },
  expired: { icon: '✕', label: 'Expired' },
  cancelling: { icon: '■', label: 'Cancelling' },
  cancelled: { icon: '■', label: 'Cancelled' },
};

/**
 * @param {object} props
 * @param {any[]} props.jobs
 * @param {Record<string, { atMs: number, done: number }[]>} props.progress
 * @param {number} props.nowMs the browser's clock now
 * @param {number} props.offsetMs Levee's clock minus the browser's
 * @param {boolean} props.loading
 * @param {boolean} props.stale the job stores did not answer the last poll in time
 * @param {(job: any) => void} props.onCancel
 */
export function JobsView({ jobs, progress, nowMs, offsetMs, loading, stale, onCancel }) {
  return html`
    <${Section} id="jobs" title="Background work">
      ${stale && html`<p class="stale"><span aria-hidden="true">⚠ </span>The job stores did not answer in time; showing what was known before.</p>`}
      ${jobs.length === 0
        ? html`<p class="empty">${loading ? 'Loading…' : 'No batches or imports yet.'}</p>`
        : html`<ul class="jobs">
            ${jobs.map((job) => html`<${JobRow} key=${job.id} job=${job} progress=${progress[job.id]} nowMs=${nowMs} offsetMs=${offsetMs} onCancel=${onCancel} />`)}
          </ul>`}
    <//>
  `;
}

/** @param {{ job: any, progress: { atMs: number, done: number }[] | undefined, nowMs: number, offsetMs: number, onCancel: (job: any) => void }} props */
function JobRow({ job, progress, nowMs, offsetMs, onCancel }) {
  const id = `job-${idFor(job.id)}`;
  const total = job.total ?? 0;
  const completed = job.completed ?? 0;
  const failed = job.failed ?? 0;
  const done = completed + failed;
  const status = STATUSES[/** @type {keyof typeof STATUSES} */ (job.status)] ?? { icon: '•', label: job.status };
  const running = CANCELLABLE.has(job.status) || job.status === 'finalizing';
  const etaMs = running ? jobEtaMs(progress, total) : null;
  // Validating or queued work has no pace yet: saying "estimating" there would never end.
  const showEta = running && total > 0 && job.status !== 'validating' && job.status !== 'queued';
  const createdMs = typeof job.created_at === 'number' ? job.created_at * 1_000 - offsetMs : null;
  return html`
    <li class=${`job status-${job.status}`} data-job=${job.id} data-status=${job.status} aria-labelledby=${`${id}-name`} tabindex="-1">
      <div class="job-head">
        <h3 id=${`${id}-name`}><span class="job-kind">${job.kind === 'batch' ? 'Batch' : 'Import'}</span> <code>${job.id}</code></h3>
        <p class=${`badge job-status status-${job.status}`}><span class="badge-icon" aria-hidden="true">${status.icon}</span>${status.label}</p>
      </div>
      <progress aria-labelledby=${`${id}-name`} aria-describedby=${`${id}-counts`} max=${total > 0 ? total : 1} value=${total > 0 ? Math.min(done, total) : 0}></progress>
      <p class="job-counts" id=${`${id}-counts`}>
        <data data-count="completed" value=${completed}>${completed}</data> completed,${' '}
        <data data-count="failed" value=${failed}>${failed}</data> failed, of${' '}
        <data data-count="total" value=${total}>${total}</data>
      </p>
      <p class="job-timing muted">
        ${createdMs != null && html`Created ${formatRelative(createdMs, nowMs)}`}
        ${showEta && html` · ${etaMs == null ? 'estimating time left…' : `about ${formatDuration(etaMs)} left`}`}
      </p>
      ${CANCELLABLE.has(job.status) && html`
        <div class="card-actions">
          <button type="button" data-action="cancel" class="danger-outline" onClick=${() => onCancel(job)}>Cancel<span class="visually-hidden"> ${job.id}</span></button>
        </div>`}
    </li>
  `;
}
