/**
 * The ops console's two HTML pages, fixed text: the login form and the shell the browser app
 * (assets/app.mjs) renders into. Nothing from the request is ever written into them, so they need
 * no escaping. Scripts are external files, except the import map: the Content-Security-Policy
 * admits it by its hash (console-headers.ts), and only it.
 */

/** Bare module names the app imports, mapped to Levee's own copies of them (static-files.ts). */
export const IMPORT_MAP = JSON.stringify({
  imports: {
    preact: '/console/vendor/preact.mjs',
    'preact/hooks': '/console/vendor/hooks.mjs',
    htm: '/console/vendor/htm.mjs',
    uplot: '/console/vendor/uplot.mjs',
  },
});

/** `data:,` as the icon: no /favicon.ico request, whose 404 a browser would report. */
const HEAD = `<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Levee console</title>
<link rel="icon" href="data:,">`;

/**
 * The form posts to /console/login even without the script (a JSON-only route then answers 415),
 * so a token typed before the script loads can never end up in a URL, as a form's default GET
 * would put it.
 */
export const LOGIN_PAGE = `<!doctype html>
<html lang="en">
<head>
${HEAD}
<link rel="stylesheet" href="/console/assets/console.css">
<script type="module" src="/console/assets/login.mjs"></script>
</head>
<body>
<main>
<h1>Levee console</h1>
<form id="login" method="post" action="/console/login">
<label for="token">Admin token</label>
<input id="token" name="token" type="password" autocomplete="current-password" required>
<button type="submit">Sign in</button>
</form>
<p id="login-error" role="alert"></p>
</main>
</body>
</html>
`;

export const APP_PAGE = `<!doctype html>
<html lang="en">
<head>
${HEAD}
<script type="importmap">${IMPORT_MAP}</script>
<link rel="stylesheet" href="/console/vendor/uplot.css">
<link rel="stylesheet" href="/console/assets/console.css">
<script type="module" src="/console/assets/app.mjs"></script>
</head>
<body>
<div id="app"></div>
</body>
</html>
`;
