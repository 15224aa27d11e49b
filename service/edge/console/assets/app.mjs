/**
 * The console's entry point: keeps the live feed running, holds what it reported, and lays the
 * sections out. Every admin action goes through one confirmation dialog, and its outcome is
 * announced in the page's status or alert region (never a blocking alert()).
 */
import { render } from 'preact';
import { useCallback, useEffect, useReducer, useRef, useState } from 'preact/hooks';
import { breakerActionPath, cancelJobPath, post, signOut, SignedOutError } from './api.mjs';
import { ConfirmDialog } from './confirm-dialog.mjs';
import { consoleReducer, initialConsoleState } from './console-state.mjs';
import { html } from './html.mjs';
import { startLiveFeed } from './live.mjs';
import { CachesView } from './views/caches.mjs';
import { DependenciesView } from './views/dependencies.mjs';
import { JobsView } from './views/jobs.mjs';
import { Masthead } from './views/masthead.mjs';
import { RoutingView } from './views/routing.mjs';

/** A success message stays this long; errors stay until the next action. */
const STATUS_SHOWN_MS = 10_000;

const ACTIONS = {
  reset: { verb: 'Reset', body: 'Closes the breaker now, on every replica sharing it: calls flow to it again at once.', done: 'was reset' },
  isolate: { verb: 'Isolate', body: 'Holds the breaker open, on every replica sharing it, until someone resets it: every call to it is refused.', done: 'is isolated' },
};

/** Re-renders every `everyMs`, so "… ago" keeps counting between updates. @param {number} everyMs */
function useNow(everyMs) {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), everyMs);
    return () => clearInterval(timer);
  }, [everyMs]);
  return now;
}

function App() {
  const [model, dispatch] = useReducer(consoleReducer, initialConsoleState);
  const [confirmRequest, setConfirmRequest] = useState(/** @type {import('./confirm-dialog.mjs').ConfirmRequest | null} */ (null));
  const [notice, setNotice] = useState({ status: '', alert: '' });
  const feedRef = useRef(/** @type {ReturnType<typeof startLiveFeed> | null} */ (null));
  const nowMs = useNow(1_000);

  useEffect(() => {
    const feed = startLiveFeed({
      onState: (state, requestedAt) => dispatch({ type: 'state', state, requestedAt, receivedAt: Date.now() }),
      onBreakers: (breakers) => dispatch({ type: 'breakers', breakers, receivedAt: Date.now() }),
      onTransition: (message) => dispatch({ type: 'transition', message, receivedAt: Date.now() }),
      onMode: (mode) => dispatch({ type: 'mode', mode }),
      onPollError: (error) => dispatch({ type: 'poll-error', message: error ? error.message : null }),
    });
    feedRef.current = feed;
    return feed.stop;
  }, []);

  useEffect(() => {
    if (!notice.status) return undefined;
    const timer = setTimeout(() => setNotice((current) => ({ ...current, status: '' })), STATUS_SHOWN_MS);
    return () => clearTimeout(timer);
  }, [notice.status]);

  /** Runs an admin POST and says how it went. @param {string} path @param {string} what @param {string} success */
  const perform = async (path, what, success) => {
    try {
      await post(path);
      setNotice({ status: success, alert: '' });
      feedRef.current?.refresh();
    } catch (error) {
      if (error instanceof SignedOutError) return;
      setNotice({ status: '', alert: `${what} failed: ${error instanceof Error ? error.message : String(error)}` });
    }
  };

  const onBreakerAction = useCallback((/** @type {string} */ name, /** @type {'reset' | 'isolate'} */ action) => {
    const words = ACTIONS[action];
    setConfirmRequest({
      title: `${words.verb} the ${name} breaker?`,
      body: words.body,
      confirmLabel: `${words.verb} ${name}`,
      run: () => perform(breakerActionPath(name, action), `${words.verb} ${name}`, `The ${name} breaker ${words.done}.`),
    });
  }, []);

  const onCancelJob = useCallback((/** @type {any} */ job) => {
    const kind = job.kind === 'batch' ? 'batch' : 'import';
    setConfirmRequest({
      title: `Cancel ${kind} ${job.id}?`,
      body: `Stops the ${kind} for its owner: work already done is kept, the rest is not run.`,
      confirmLabel: `Cancel ${kind}`,
      dismissLabel: 'Keep it running',
      run: () => perform(cancelJobPath(job), `Cancelling ${job.id}`, `Cancelling ${kind} ${job.id}.`),
      // The row stays (its status changes); its Cancel button goes.
      focusAfter: `[data-job="${CSS.escape(job.id)}"]`,
    });
  }, []);

  const onSignOut = useCallback(async () => {
    try {
      await signOut();
    } catch (error) {
      if (!(error instanceof SignedOutError)) setNotice({ status: '', alert: `Signing out failed: ${error instanceof Error ? error.message : String(error)}` });
    }
  }, []);

  const closeConfirm = useCallback(() => setConfirmRequest(null), []);

  const snapshot = model.snapshot;
  const loading = snapshot == null;
  return html`
    <a class="skip-link" href="#main">Skip to content</a>
    <${Masthead} replica=${snapshot?.replica} mode=${model.mode} updatedAt=${model.updatedAt} pollError=${model.pollError} nowMs=${nowMs} onSignOut=${onSignOut} />
    <main id="main" tabindex="-1">
      <div class="notices">
        <p class="notice notice-status" role="status">${notice.status}</p>
        <p class="notice notice-alert" role="alert">${notice.alert}</p>
        ${notice.alert && html`<button type="button" class="notice-dismiss" onClick=${() => setNotice({ status: '', alert: '' })}>Dismiss<span class="visually-hidden"> the error</span></button>`}
      </div>
      <${DependenciesView}
        dependencies=${snapshot?.dependencies ?? []}
        breakers=${model.breakers}
        transitions=${model.transitions}
        nowMs=${nowMs}
        offsetMs=${model.clockOffsetMs}
        loading=${loading}
        onAction=${onBreakerAction}
      />
      <${RoutingView} routing=${snapshot?.routing} samples=${model.samples} />
      <${JobsView} jobs=${snapshot?.jobs ?? []} stale=${model.jobsStale} progress=${model.jobProgress} nowMs=${nowMs} offsetMs=${model.clockOffsetMs} loading=${loading} onCancel=${onCancelJob} />
      <${CachesView} caches=${snapshot?.caches ?? {}} loading=${loading} />
    </main>
    <${ConfirmDialog} request=${confirmRequest} onClose=${closeConfirm} />
  `;
}

render(html`<${App} />`, /** @type {HTMLElement} */ (document.getElementById('app')));
