// Server-rendered pages of the emulator's hosted UI. Every page carries the DEV/TEST ONLY banner.

/** Escapes text for HTML element and attribute content. */
export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

const STYLE = `
  *{box-sizing:border-box}
  body{margin:0;font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;background:#f3f4f6;color:#111827}
  .banner{background:#b45309;color:#fff;text-align:center;padding:.4rem;font-weight:600;letter-spacing:.02em}
  main{max-width:22rem;margin:3rem auto;background:#fff;border-radius:.5rem;box-shadow:0 1px 3px rgba(0,0,0,.15);padding:2rem}
  h1{font-size:1.35rem;margin:0 0 .25rem}
  p.sub{margin:0 0 1.5rem;color:#4b5563;font-size:.9rem}
  label{display:block;font-weight:600;margin:1rem 0 .25rem}
  input{width:100%;padding:.55rem .65rem;border:1px solid #9ca3af;border-radius:.375rem;font:inherit}
  input:focus{outline:2px solid #2563eb;outline-offset:1px}
  button{margin-top:1.5rem;width:100%;padding:.65rem;border:0;border-radius:.375rem;background:#2563eb;color:#fff;font:inherit;font-weight:600;cursor:pointer}
  button:hover{background:#1d4ed8}
  .error{background:#fef2f2;border:1px solid #fca5a5;color:#991b1b;border-radius:.375rem;padding:.6rem .75rem;margin-bottom:1rem}
  .hint{margin-top:1.5rem;font-size:.8rem;color:#6b7280}
  code{font-size:.85em}
`;

function layout(title: string, body: string): string {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>${escapeHtml(title)} · Cognito emulator (DEV/TEST ONLY)</title>
<style>${STYLE}</style>
</head>
<body>
<div class="banner" role="note">Cognito emulator: DEV AND TEST ONLY, never a real identity provider</div>
<main>
${body}
</main>
</body>
</html>`;
}

/** The sign-in form; field names are part of the emulator's contract (`signIn` and e2e tests use them). */
export function signInPage(input: {
  action: string;
  clientId: string;
  username?: string;
  error?: string;
  usernames: string[];
}): string {
  const error = input.error
    ? `<div class="error" role="alert" id="signin-error">${escapeHtml(input.error)}</div>`
    : '';
  const described = input.error ? ' aria-describedby="signin-error" aria-invalid="true"' : '';
  return layout(
    'Sign in',
    `<h1>Sign in</h1>
<p class="sub">to <strong>${escapeHtml(input.clientId)}</strong></p>
${error}
<form method="post" action="${escapeHtml(input.action)}" novalidate>
  <label for="username">Username</label>
  <input id="username" name="username" type="text" autocomplete="username" autocapitalize="none" spellcheck="false" required autofocus value="${escapeHtml(input.username ?? '')}"${described}>
  <label for="password">Password</label>
  <input id="password" name="password" type="password" autocomplete="current-password" required${described}>
  <button type="submit">Sign in</button>
</form>
<p class="hint">Seeded users: ${input.usernames.map((u) => `<code>${escapeHtml(u)}</code>`).join(', ')}</p>`,
  );
}

/** An error page (bad authorization request, bad logout request, expired sign-in). */
export function errorPage(title: string, details: Record<string, string | undefined>): string {
  const rows = Object.entries(details)
    .filter((entry): entry is [string, string] => entry[1] !== undefined)
    .map(([k, v]) => `<dt>${escapeHtml(k)}</dt><dd>${escapeHtml(v)}</dd>`)
    .join('');
  return layout(title, `<h1>${escapeHtml(title)}</h1><dl role="alert">${rows}</dl>`);
}
