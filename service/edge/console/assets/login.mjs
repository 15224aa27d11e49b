/**
 * The login page: exchanges the admin token for a session cookie with one JSON POST, so the token
 * never lands in a URL (as a plain GET form would put it), in history or in browser storage.
 */
import { errorMessage } from './api.mjs';

const form = /** @type {HTMLFormElement} */ (document.getElementById('login'));
const input = /** @type {HTMLInputElement} */ (document.getElementById('token'));
const errorBox = /** @type {HTMLElement} */ (document.getElementById('login-error'));

form.addEventListener('submit', async (event) => {
  event.preventDefault();
  const submit = form.querySelector('button[type="submit"]');
  submit?.setAttribute('disabled', '');
  errorBox.textContent = '';
  try {
    const response = await fetch('/console/login', {
      method: 'POST',
      credentials: 'same-origin',
      cache: 'no-store',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
      body: JSON.stringify({ token: input.value }),
    });
    if (response.status === 204) {
      location.assign('/console');
      return;
    }
    showError(await errorMessage(response));
  } catch (error) {
    showError(`Could not reach Levee: ${error instanceof Error ? error.message : String(error)}`);
  } finally {
    submit?.removeAttribute('disabled');
  }
});

/** @param {string} message */
function showError(message) {
  errorBox.textContent = message;
  input.setAttribute('aria-invalid', 'true');
  input.setAttribute('aria-describedby', 'login-error');
  input.focus();
  input.select();
}
