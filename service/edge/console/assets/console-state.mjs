/**
 * What the console remembers between updates, as one reducer: the latest `/admin/console/state`,
 * each breaker merged from polls and the socket (the socket wins when it is newer than a poll),
 * a short transition log per breaker, and the history that rates, charts and ETAs are computed from.
 */

/** Routing counters are kept a little longer than the charts' 10 minutes, so the first point has a predecessor. */
const HISTORY_MS = 11 * 60_000;
const TRANSITIONS_KEPT = 6;
/** Job progress is judged on the last few minutes, so an ETA follows the current pace. */
const JOB_HISTORY_MS = 3 * 60_000;

/**
 * @typedef {{ from: string, to: string, reason: string | null, atMs: number, via: 'socket' | 'poll' }} Transition
 * @typedef {{ atMs: number, routed: Record<string, number>, fallbacks: Record<string, number>, hedges: Record<string, number> }} RoutingSample
 */

export const initialConsoleState = {
  /** @type {any} the latest `/admin/console/state`, null until the first poll answers */
  snapshot: null,
  /** @type {Record<string, any>} breaker name → its snapshot */
  breakers: {},
  /** @type {Record<string, number>} breaker name → when the socket last spoke of it (browser ms) */
  breakerHeardAt: {},
  /** @type {Record<string, Transition[]>} newest first */
  transitions: {},
  /** @type {RoutingSample[]} oldest first */
  samples: [],
  /** @type {Record<string, { atMs: number, done: number }[]>} job id → progress seen, oldest first */
  jobProgress: {},
  /** Levee's clock minus the browser's, so server timestamps read right in "… ago". */
  clockOffsetMs: 0,
  /** @type {'websocket' | 'polling'} */
  mode: 'polling',
  /** @type {number | null} when the last poll answered (browser ms) */
  updatedAt: null,
  /** @type {string | null} */
  pollError: null,
  /** The last poll's job stores did not answer in time: the jobs shown are the ones before. */
  jobsStale: false,
};

/** A deployment's routing key; split by `routeOf`. @param {{ model: string, provider: string }} route */
const routeKey = (route) => `${route.model}\n${route.provider}`;

/** @param {string} key */
export function routeOf(key) {
  const [model, provider] = key.split('\n');
  return { model, provider };
}

/**
 * @typedef {{ type: 'state', state: any, requestedAt: number, receivedAt: number }
 *   | { type: 'breakers', breakers: Record<string, any>, receivedAt: number }
 *   | { type: 'transition', message: any, receivedAt: number }
 *   | { type: 'mode', mode: 'websocket' | 'polling' }
 *   | { type: 'poll-error', message: string | null }} ConsoleAction
 * @param {typeof initialConsoleState} current @param {ConsoleAction} action
 */
export function consoleReducer(current, action) {
  switch (action.type) {
    case 'state':
      return applyPoll(current, action.state, action.requestedAt, action.receivedAt);
    case 'breakers':
      return applySocketSnapshot(current, action.breakers, action.receivedAt);
    case 'transition':
      return applyTransition(current, action.message, action.receivedAt);
    case 'mode':
      return current.mode === action.mode ? current : { ...current, mode: action.mode };
    case 'poll-error':
      return current.pollError === action.message ? current : { ...current, pollError: action.message };
    default:
      return current;
  }
}

/** @param {typeof initialConsoleState} current @param {any} state @param {number} requestedAt @param {number} receivedAt */
function applyPoll(current, state, requestedAt, receivedAt) {
  const serverAt = Date.parse(state.at);
  const clockOffsetMs = Number.isFinite(serverAt) ? serverAt - receivedAt : current.clockOffsetMs;
  /** @type {Record<string, any>} */
  const breakers = {};
  let transitions = current.transitions;
  for (const [name, polled] of Object.entries(state.breakers ?? {})) {
    const known = current.breakers[name];
    // The socket spoke after this poll was asked for: its state is the newer one; take only the counts.
    if (known && (current.breakerHeardAt[name] ?? 0) > requestedAt) {
      breakers[name] = { ...polled, state: known.state, opened_at: known.opened_at, half_open_in_ms: known.half_open_in_ms };
      continue;
    }
    breakers[name] = polled;
    if (known && known.state !== polled.state) transitions = logTransition(transitions, name, { from: known.state, to: polled.state, reason: null, atMs: receivedAt, via: 'poll' });
  }
  // Levee answers `jobs: null` when its job stores were too slow; keep what was known.
  const jobsStale = state.jobs == null;
  const snapshot = jobsStale ? { ...state, jobs: current.snapshot?.jobs ?? [] } : state;
  return {
    ...current,
    snapshot,
    jobsStale,
    breakers,
    transitions,
    samples: [...current.samples.filter((sample) => receivedAt - sample.atMs <= HISTORY_MS), routingSample(state.routing, receivedAt)],
    jobProgress: jobsStale ? current.jobProgress : trackJobs(current.jobProgress, state.jobs ?? [], receivedAt),
    clockOffsetMs,
    updatedAt: receivedAt,
  };
}

/** @param {typeof initialConsoleState} current @param {Record<string, any>} snapshot @param {number} receivedAt */
function applySocketSnapshot(current, snapshot, receivedAt) {
  let transitions = current.transitions;
  const breakerHeardAt = { ...current.breakerHeardAt };
  for (const [name, breaker] of Object.entries(snapshot)) {
    const known = current.breakers[name];
    if (known && known.state !== breaker.state) transitions = logTransition(transitions, name, { from: known.state, to: breaker.state, reason: null, atMs: receivedAt, via: 'socket' });
    breakerHeardAt[name] = receivedAt;
  }
  return { ...current, breakers: { ...current.breakers, ...snapshot }, breakerHeardAt, transitions };
}

/** @param {typeof initialConsoleState} current @param {any} message @param {number} receivedAt */
function applyTransition(current, message, receivedAt) {
  const name = String(message.breaker);
  const serverAt = Date.parse(message.at);
  const atMs = Number.isFinite(serverAt) ? serverAt - current.clockOffsetMs : receivedAt;
  const known = current.breakers[name] ?? {};
  const openedAt = message.to === 'open' ? message.at : message.to === 'closed' ? null : known.opened_at;
  return {
    ...current,
    // Until the next poll, the probe countdown is unknown rather than stale.
    breakers: { ...current.breakers, [name]: { ...known, state: message.to, opened_at: openedAt ?? null, half_open_in_ms: null } },
    breakerHeardAt: { ...current.breakerHeardAt, [name]: receivedAt },
    transitions: logTransition(current.transitions, name, { from: message.from, to: message.to, reason: message.reason ?? null, atMs, via: 'socket' }),
  };
}

/** @param {Record<string, Transition[]>} transitions @param {string} name @param {Transition} entry */
function logTransition(transitions, name, entry) {
  return { ...transitions, [name]: [entry, ...(transitions[name] ?? [])].slice(0, TRANSITIONS_KEPT) };
}

/** @param {any} routing @param {number} atMs @returns {RoutingSample} */
function routingSample(routing, atMs) {
  const byModel = (/** @type {{ model: string, count: number }[] | undefined} */ rows) => Object.fromEntries((rows ?? []).map((row) => [row.model, row.count]));
  return {
    atMs,
    routed: Object.fromEntries((routing?.routed ?? []).map((row) => [routeKey(row), row.count])),
    fallbacks: byModel(routing?.fallbacks),
    hedges: byModel(routing?.hedges),
  };
}

/** @param {Record<string, { atMs: number, done: number }[]>} progress @param {any[]} jobs @param {number} atMs */
function trackJobs(progress, jobs, atMs) {
  return Object.fromEntries(
    jobs.map((job) => {
      const seen = (progress[job.id] ?? []).filter((point) => atMs - point.atMs <= JOB_HISTORY_MS);
      return [job.id, [...seen, { atMs, done: (job.completed ?? 0) + (job.failed ?? 0) }]];
    }),
  );
}
