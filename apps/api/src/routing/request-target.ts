/**
 * The request target the proxy acts on. Routes are matched on it and it is what the upstream
 * receives, so a path the BFF checked is exactly the path the upstream reads: no URL parser
 * downstream may re-interpret it into something else (a fragment, a backslash read as a slash, a
 * dot segment hidden behind an encoding or a `;` parameter).
 * @see https://www.rfc-editor.org/rfc/rfc3986#section-6.2.2
 */
export type RequestTarget = { kind: 'ok'; path: string; query: string } | { kind: 'bad'; reason: string };

/** Printable ASCII minus `#` (a fragment never reaches a server) and `\` (WHATWG URL reads it as `/`). */
const ALLOWED = /^[\x21-\x22\x24-\x5b\x5d-\x7e]*$/;
/** A percent-encoded unreserved character (RFC 3986 §2.3), decoded by normalisation. */
const ENCODED_UNRESERVED = /%(4[1-9a-f]|5[0-9a]|6[1-9a-f]|7[0-9a]|3[0-9]|2d|2e|5f|7e)/gi;
const PERCENT = /%([0-9a-f]{2})/gi;
/** A `.` or `..` segment, optionally followed by `;params` (servlet containers read `..;` as `..`). */
const DOT_SEGMENT = /(^|\/)\.{1,2}(;[^/]*)?(\/|$)/;
// eslint-disable-next-line no-control-regex -- control characters are exactly what it looks for
const CONTROL = /[\x00-\x1f\x7f\\]/;

/**
 * Normalises and checks a raw request target (`/api/...?...`): refuses fragments, backslashes,
 * whitespace, control and non-ASCII characters, malformed percent-encodings, empty segments, and any path that
 * holds a dot segment once decoded, even decoded several times or with `%2F` read as `/`.
 * Percent-encoded unreserved characters are decoded and other escapes upper-cased, so
 * `/api/%6Frders` is matched and forwarded as `/api/orders`.
 */
export function parseRequestTarget(raw: string): RequestTarget {
  if (!raw.startsWith('/')) return { kind: 'bad', reason: 'The request target must be an absolute path.' };
  if (!ALLOWED.test(raw)) return { kind: 'bad', reason: 'The request target holds a character that is not allowed (fragment, backslash, space, control or non-ASCII).' };
  const q = raw.indexOf('?');
  const rawPath = q === -1 ? raw : raw.slice(0, q);
  const query = q === -1 ? '' : raw.slice(q);
  if (/%(?![0-9a-f]{2})/i.test(raw)) return { kind: 'bad', reason: 'The request target holds a malformed percent-encoding.' };
  const path = rawPath.replace(ENCODED_UNRESERVED, (m) => String.fromCharCode(parseInt(m.slice(1), 16))).replace(PERCENT, (m) => m.toUpperCase());
  if (climbs(path)) return { kind: 'bad', reason: 'Dot segments and backslashes are not allowed in API paths, in any encoding.' };
  // `//` inside a path: an upstream that merges slashes would see other segments than the route table did
  if (path.includes('//')) return { kind: 'bad', reason: 'Empty path segments (//) are not allowed in API paths.' };
  return { kind: 'ok', path, query };
}

/** True when the path, or what an upstream could decode it to (up to three times), climbs, holds a control character or is not UTF-8. */
function climbs(path: string): boolean {
  let current = path;
  for (let round = 0; round < 4; round++) {
    if (DOT_SEGMENT.test(current) || CONTROL.test(current)) return true;
    // a compatibility character can become a dot, slash or backslash (`‥`, `．`, `／`, `＼`) in an upstream's NFKC
    if (!ASCII.test(current) && (DOT_SEGMENT.test(foldCase(current)) || CONTROL.test(foldCase(current)))) return true;
    if (!current.includes('%')) return false;
    let decoded: string;
    try {
      decoded = decodeURIComponent(current);
    } catch {
      return true; // not UTF-8 (an overlong `%c0%ae` is a dot to some decoders): no legitimate client sends it
    }
    if (decoded === current) return false;
    current = decoded;
  }
  return true;
}

/**
 * The path as the most lenient upstream could read it (contract: "No way around a stricter route"):
 * percent-decoded until stable (`%2F`, `%5C`, `%252F` included), folded as the loosest router
 * compares (NFKC, and any case: `ı`, `İ`, `ſ`, `K` and fullwidth letters land on ASCII), cut at a
 * decoded `?` or `#` (servers that decode the whole target before splitting it), `\` read as `/`,
 * `;params` cut from each segment (Tomcat, Jetty), trailing dots and spaces cut from each segment
 * (IIS), repeated slashes collapsed. The folding runs first: it can itself make slashes, dots and
 * semicolons (`／`, `．`, `；`). Takes a path that {@link parseRequestTarget} accepted.
 */
export function lenientReading(path: string): string {
  let decoded = path;
  // parseRequestTarget refused anything that still changes after four rounds or is not UTF-8
  for (let round = 0; round < 4 && decoded.includes('%'); round++) {
    try {
      decoded = decodeURIComponent(decoded);
    } catch {
      break;
    }
  }
  const folded = ASCII.test(decoded) ? decoded.toLowerCase() : foldCase(decoded);
  const cut = folded.search(/[?#]/);
  const segments = (cut === -1 ? folded : folded.slice(0, cut)).replaceAll('\\', '/').split('/');
  let out = '';
  for (const segment of segments) {
    const semicolon = segment.indexOf(';');
    const kept = (semicolon === -1 ? segment : segment.slice(0, semicolon)).replace(/[.\s]+$/, '');
    if (kept) out += `/${kept}`;
  }
  return out || '/';
}

// eslint-disable-next-line no-control-regex -- the whole ASCII range, controls included
const ASCII = /^[\x00-\x7f]*$/;

/**
 * Every way a router might compare text, folded into one: compatibility forms (NFKD, marks
 * dropped, then NFKC) and case both ways (`ı`.toUpperCase() is `I`, `İ` lower-cases to `i` in
 * Java, `ß` upper-cases to `SS`), so whatever of it lands on ASCII does so here.
 */
function foldCase(text: string): string {
  return text.normalize('NFKD').replace(/\p{M}/gu, '').toUpperCase().toLowerCase().normalize('NFKC');
}

/** True when {@link lenientReading} could differ from the path lower-cased: it holds `%` or `;`, or a segment ends with `.` (a raw space or non-ASCII character is refused before). */
export function mayReadDifferently(path: string): boolean {
  return /[%;]|\.(\/|$)/.test(path);
}

/** Methods never forwarded: `TRACE`/`TRACK` reflect the request (cookies included) and `CONNECT` opens a tunnel. */
export const REFUSED_METHODS = new Set(['TRACE', 'TRACK', 'CONNECT']);
