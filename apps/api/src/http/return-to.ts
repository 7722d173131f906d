/** Longest `Location` the callback sends back to; anything longer becomes `/` (it is kept in Redis until the callback). */
export const RETURN_TO_MAX_LENGTH = 512;

/**
 * Turns a `returnTo` into the exact `Location` the callback will send: a path on `publicUrl`'s
 * origin, else `/`. The decision is made on that final string, not on the input, because URL
 * parsers (and browsers) rewrite what they get: `/.//evil`, `/%2e//evil` and `/a/..//evil` all
 * normalise to the protocol-relative `//evil`, and tabs and newlines are stripped before parsing.
 * So: normalise with the WHATWG parser, re-serialise (path + query + fragment), and send that only
 * when {@link isSameOriginLocation} accepts it.
 * @see https://url.spec.whatwg.org/#concept-basic-url-parser
 * @see https://cheatsheetseries.owasp.org/cheatsheets/Unvalidated_Redirects_and_Forwards_Cheat_Sheet.html
 */
export function safeReturnTo(value: unknown, publicUrl: string): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > RETURN_TO_MAX_LENGTH) return '/';
  // cheap refusals of what no legitimate link of the app contains; the final check below decides
  // eslint-disable-next-line no-control-regex
  if (!value.startsWith('/') || /[\u0000-\u001f\u007f\\]/.test(value)) return '/';
  const location = serialise(value, publicUrl);
  return location !== undefined && isSameOriginLocation(location, publicUrl) ? location : '/';
}

/**
 * True when `location`, sent as is in a `Location` header, keeps the browser on `publicUrl`'s
 * origin: printable ASCII only, at most {@link RETURN_TO_MAX_LENGTH} characters, one leading `/`
 * not followed by `/` or `\`, resolving to that origin, and already in the parser's normal form
 * (so the browser reads exactly the URL that was checked).
 */
export function isSameOriginLocation(location: string, publicUrl: string): boolean {
  if (location.length > RETURN_TO_MAX_LENGTH || !/^\/(?![/\\])[\x21-\x7e]*$/.test(location)) return false;
  const resolved = parse(location, publicUrl);
  return resolved !== undefined && resolved.origin === new URL(publicUrl).origin && pathOf(resolved) === location;
}

function serialise(value: string, publicUrl: string): string | undefined {
  const resolved = parse(value, publicUrl);
  return resolved && pathOf(resolved);
}

function parse(value: string, base: string): URL | undefined {
  try {
    return new URL(value, base);
  } catch {
    return undefined;
  }
}

function pathOf(url: URL): string {
  return `${url.pathname}${url.search}${url.hash}`;
}
