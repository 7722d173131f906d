/**
 * Returns `value` when it is a same-origin relative path (`/x`), else `/`. Rejects protocol-relative
 * (`//evil`), backslash tricks (`/\evil`, which browsers read as `//evil`), absolute URLs,
 * `javascript:` and control characters, so the callback redirect can never leave the app.
 */
export function safeReturnTo(value: unknown): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > 2048) return '/';
  if (!value.startsWith('/') || value.startsWith('//') || value.startsWith('/\\')) return '/';
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f\\]/.test(value)) return '/';
  // the final word: resolved against a dummy origin, it must stay on that origin
  const base = 'http://bff.invalid';
  let resolved: URL;
  try {
    resolved = new URL(value, base);
  } catch {
    return '/';
  }
  if (resolved.origin !== base) return '/';
  return `${resolved.pathname}${resolved.search}${resolved.hash}`;
}
