/**
 * The one confirmation every admin action goes through: a native modal <dialog>, so the browser
 * traps focus, Esc cancels, and focus goes back to the button that opened it.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import { html } from './html.mjs';

/**
 * @typedef {object} ConfirmRequest
 * @property {string} title e.g. "Reset llm/default?"
 * @property {string} body what will happen
 * @property {string} confirmLabel the confirm button's words, e.g. "Reset breaker"
 * @property {string} [dismissLabel] the other button's words (default "Cancel"; not when the action is itself a cancel)
 * @property {() => Promise<void>} run the action; it reports its own outcome
 * @property {string} [focusAfter] a selector to focus once the action ran, when it removes the
 *   button that opened the dialog (a job's Cancel): focus would otherwise fall to the page
 */

/**
 * @param {object} props
 * @param {ConfirmRequest | null} props.request the open question, or null
 * @param {() => void} props.onClose called whenever the dialog closes (confirmed, cancelled, Esc)
 */
export function ConfirmDialog({ request, onClose }) {
  const dialogRef = useRef(/** @type {HTMLDialogElement | null} */ (null));
  const openerRef = useRef(/** @type {HTMLElement | null} */ (null));
  const [busy, setBusy] = useState(false);
  const ranRef = useRef(/** @type {string | undefined} */ (undefined));

  useEffect(() => {
    const dialog = dialogRef.current;
    if (!dialog) return;
    if (request && !dialog.open) {
      openerRef.current = /** @type {HTMLElement | null} */ (document.activeElement);
      dialog.showModal();
    } else if (!request && dialog.open) {
      dialog.close();
    }
  }, [request]);

  const closed = () => {
    setBusy(false);
    onClose();
    // The browser restores focus itself; this covers an opener that re-rendered meanwhile.
    const opener = openerRef.current;
    openerRef.current = null;
    const focusAfter = ranRef.current;
    ranRef.current = undefined;
    const target = focusAfter ? /** @type {HTMLElement | null} */ (document.querySelector(focusAfter)) : opener;
    if (target?.isConnected && document.activeElement !== target) target.focus();
  };

  const confirm = async () => {
    if (!request) return;
    setBusy(true);
    ranRef.current = request.focusAfter;
    try {
      await request.run();
    } finally {
      dialogRef.current?.close();
    }
  };

  return html`
    <dialog ref=${dialogRef} class="confirm" aria-labelledby="confirm-title" aria-describedby="confirm-body" onClose=${closed}>
      <h2 id="confirm-title">${request?.title ?? 'Confirm'}</h2>
      <p id="confirm-body">${request?.body ?? ''}</p>
      <div class="confirm-buttons">
        <button type="button" data-cancel autofocus onClick=${() => dialogRef.current?.close()}>${request?.dismissLabel ?? 'Cancel'}</button>
        <button type="button" data-confirm class="danger" disabled=${busy} onClick=${confirm}>${busy ? 'Working…' : request?.confirmLabel ?? 'Confirm'}</button>
      </div>
    </dialog>
  `;
}
