/**
 * Generators of malformed HTTP requests for test/fuzz.test.ts. Every case is raw bytes, built from
 * a seeded PRNG, so a failing seed reproduces exactly (`FUZZ_SEED=<n>`).
 */

/** One fuzz request: a label for reports, the bytes to send, and whether it is a HEAD request. */
export interface FuzzCase {
  family: string;
  name: string;
  data: Buffer;
  head?: boolean;
}

/** mulberry32: a tiny, fast, seeded PRNG (uniform in [0, 1)). */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** What a fuzz run knows about the BFF it attacks. */
export interface FuzzContext {
  /** A valid, signed-in session cookie (`bff.sid=…`). */
  cookie: string;
}

type Rng = () => number;
const int = (rng: Rng, n: number) => Math.floor(rng() * n);
const pick = <T>(rng: Rng, items: readonly T[]): T => items[int(rng, items.length)]!;
const randomBytes = (rng: Rng, n: number) => Buffer.from(Array.from({ length: n }, () => int(rng, 256)));
const printable = (rng: Rng, n: number) => Array.from({ length: n }, () => String.fromCharCode(32 + int(rng, 95))).join('');
const token = (rng: Rng, n: number) => Array.from({ length: n }, () => pick(rng, 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_'.split(''))).join('');

const PATHS = ['/session', '/api/things', '/api/hello?x=1', '/auth/login', '/auth/callback?state=abc&code=def', '/auth/logout', '/healthz', '/readyz', '/'];

/** A request from parts; a `Connection: close` is added unless `keepAlive`, so the server ends the exchange. */
function http(requestLine: string, headers: string[], body: Buffer | string = '', options: { keepAlive?: boolean; hostless?: boolean } = {}): Buffer {
  const lines = [requestLine, ...(options.hostless ? [] : ['Host: 127.0.0.1']), ...headers, ...(options.keepAlive ? [] : ['Connection: close'])];
  return Buffer.concat([Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1'), typeof body === 'string' ? Buffer.from(body, 'latin1') : body]);
}

function methodFor(path: string) {
  return path === '/auth/logout' ? 'POST' : 'GET';
}

function withBody(body: string, type = 'application/json') {
  return [`Content-Type: ${type}`, `Content-Length: ${Buffer.byteLength(body, 'latin1')}`];
}

/** Bad and huge cookies: unsigned, forged, tampered, repeated, bad percent-encoding, garbage, oversized. */
function cookieCase(rng: Rng, fuzz: FuzzContext): FuzzCase {
  const path = pick(rng, PATHS);
  // a well-formed logout with the real cookie would rightly end the session the test checks afterwards
  const ctx = path === '/auth/logout' ? { cookie: `${fuzz.cookie.slice(0, -2)}xx` } : fuzz;
  const value = ctx.cookie.slice('bff.sid='.length);
  const variants: Array<[string, () => string]> = [
    ['unsigned', () => `bff.sid=${token(rng, 32)}`],
    ['forged signature', () => `bff.sid=s%3A${token(rng, 32)}.${token(rng, 43)}`],
    ['tampered signature', () => `bff.sid=${value.slice(0, -3)}${token(rng, 3)}`],
    ['tampered id', () => `bff.sid=s%3A${token(rng, 4)}${value.slice(7)}`],
    ['repeated', () => Array.from({ length: 1 + int(rng, 50) }, (_, i) => (i % 3 === 0 ? ctx.cookie : `bff.sid=s%3A${token(rng, 10)}`)).join('; ')],
    ['bad percent-encoding', () => pick(rng, ['bff.sid=%', 'bff.sid=%E0%A4%A', 'bff.sid=s%3A%ZZ.%', `bff.sid=%${printable(rng, 8)}`, 'bff.sid=s%3A\u00ff\u00fe'])],
    ['garbage', () => printable(rng, 1 + int(rng, 400))],
    ['empty names and values', () => pick(rng, ['=', ';;;', 'bff.sid=', 'bff.sid', '=bff.sid', 'bff.sid==;=', ' ; bff.sid = s:x.y ; '])],
    ['quoted', () => `bff.sid="${value}"`],
    ['many cookies', () => Array.from({ length: 200 + int(rng, 600) }, (_, i) => `c${i}=${token(rng, 5)}`).join('; ') + `; ${ctx.cookie}`],
    ['huge within the header limit', () => `bff.sid=s%3A${token(rng, 14_000 + int(rng, 1_500))}.x`],
    ['huge over the header limit', () => `bff.sid=${token(rng, 17_000 + int(rng, 10_000))}`],
    ['high bytes', () => `bff.sid=${randomBytes(rng, 40).toString('latin1').replace(/[\r\n\0]/g, 'x')}`],
  ];
  const [name, make] = pick(rng, variants);
  const csrf = rng() < 0.7 ? ['X-CSRF: 1'] : [];
  return { family: 'cookie', name, data: http(`${methodFor(path)} ${path} HTTP/1.1`, [`Cookie: ${make()}`, ...csrf]) };
}

/** Huge or broken headers: over 16 kB, invalid characters, duplicated Content-Length, bad Transfer-Encoding, odd versions. */
function headerCase(rng: Rng, ctx: FuzzContext): FuzzCase {
  const path = pick(rng, PATHS);
  const line = `${methodFor(path)} ${path} HTTP/1.1`;
  const variants: Array<[string, () => Buffer]> = [
    ['header over 16 kB', () => http(line, [`X-Big: ${'a'.repeat(16_500 + int(rng, 20_000))}`])],
    ['many headers', () => http(line, Array.from({ length: 100 + int(rng, 400) }, (_, i) => `X-H${i}: ${token(rng, 10)}`))],
    ['invalid header name', () => http(line, [`${pick(rng, ['X Bad', 'X@Y', 'X(', '"X"', 'X\u0001', ':x', 'Ä'])}: 1`])],
    ['invalid header value', () => http(line, [`X-Bad: a${pick(rng, ['\u0000', '\u0001', '\u007f', '\u001b[31m', '\r', '\u000b'])}b`])],
    ['bare LF line ends', () => Buffer.from(`${line}\nHost: x\nConnection: close\n\n`)],
    ['obs-fold', () => http(line, ['X-Folded: a', ' b'])],
    ['duplicate Content-Length', () => http('POST /auth/logout HTTP/1.1', ['X-CSRF: 1', 'Content-Length: 2', `Content-Length: ${pick(rng, ['2', '3', '0'])}`], '{}')],
    ['Content-Length list', () => http('POST /auth/logout HTTP/1.1', ['X-CSRF: 1', 'Content-Length: 2, 2'], '{}')],
    ['bad Content-Length', () => http('POST /auth/logout HTTP/1.1', ['X-CSRF: 1', `Content-Length: ${pick(rng, ['-1', '1e3', '0x10', '99999999999999999999999', ' ', 'abc', '+5'])}`], '{}')],
    ['Content-Length with Transfer-Encoding', () => http('POST /auth/logout HTTP/1.1', ['X-CSRF: 1', 'Content-Length: 5', 'Transfer-Encoding: chunked'], '0\r\n\r\n')],
    ['bad Transfer-Encoding', () => http(`POST ${pick(rng, ['/auth/logout', '/api/things', '/session'])} HTTP/1.1`, ['X-CSRF: 1', `Transfer-Encoding: ${pick(rng, ['gzip', 'chunked, gzip', 'xchunked', 'chunked, chunked', 'identity', 'ch\u00fcnked', ''])}`], '0\r\n\r\n')],
    ['bad chunk framing', () => http(`POST ${pick(rng, ['/auth/logout', '/api/things'])} HTTP/1.1`, ['X-CSRF: 1', 'Transfer-Encoding: chunked'], pick(rng, ['zz\r\nhello\r\n0\r\n\r\n', 'FFFFFFFFFFFFFFFFFFFF\r\nx\r\n', '5;\u0000\r\nhello\r\n0\r\n\r\n', '3\r\nhello\r\n0\r\n\r\n', '-1\r\n\r\n']))],
    ['no Host', () => http(line, [], '', { hostless: true })],
    ['two Hosts', () => http(line, ['Host: evil.example'])],
    ['odd HTTP version', () => http(`GET ${path} ${pick(rng, ['HTTP/1.0', 'HTTP/0.9', 'HTTP/2.0', 'HTTP/9.9', 'HTTP/1.1.1', 'HTTPS/1.1', 'http/1.1', ''])}`, [])],
    ['Expect', () => http('POST /auth/logout HTTP/1.1', ['X-CSRF: 1', `Expect: ${pick(rng, ['100-continue', 'garbage'])}`, 'Content-Length: 0'])],
    ['Upgrade', () => http('GET /api/things HTTP/1.1', ['Connection: Upgrade', 'Upgrade: websocket', 'Sec-WebSocket-Version: 13', 'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ=='], '', { keepAlive: true })],
    ['Authorization garbage', () => http(`GET ${pick(rng, ['/api/things', '/session', '/auth/login'])} HTTP/1.1`, [`Authorization: ${pick(rng, ['Bearer', 'Bearer ', `Bearer ${token(rng, 10)}`, `Bearer ${token(rng, 8000)}`, `Bearer a.b.c`, `Bearer ${Buffer.from('{"alg":"none"}').toString('base64url')}.e30.`, `Basic ${token(rng, 20)}`, printable(rng, 100)])}`])],
    ['forwarded headers garbage', () => http(`GET ${pick(rng, ['/auth/login', '/auth/callback?state=x', '/session'])} HTTP/1.1`, [`X-Forwarded-For: ${pick(rng, [printable(rng, 200), '}{', '::ffff:1.2.3.4', '2001:db8::1, 10.0.0.1', `${'1.1.1.1, '.repeat(500)}x`, 'unknown', ''])}`, `X-Forwarded-Proto: ${pick(rng, ['https', 'gopher', printable(rng, 20)])}`, `X-Forwarded-Host: ${printable(rng, 50)}`])],
    ['request id garbage', () => http(line, [`X-Request-Id: ${pick(rng, [printable(rng, 300), '', '../../etc/passwd', '\u00ff'.repeat(10)])}`])],
    ['valid session, odd headers', () => http(`GET /api/${token(rng, 6)} HTTP/1.1`, [`Cookie: ${ctx.cookie}`, 'X-CSRF: 1', `Accept: ${printable(rng, 50)}`, `Content-Type: ${printable(rng, 30)}`, `X-CSRF: ${pick(rng, ['1', '0', '1, 1'])}`])],
  ];
  const [name, make] = pick(rng, variants);
  return { family: 'header', name, data: make() };
}

/** Invalid JSON and oversized bodies on the auth routes. */
function bodyCase(rng: Rng, ctx: FuzzContext): FuzzCase {
  const invalidJson = [
    '{"everywhere":',
    '{everywhere: true}',
    '[]',
    'null',
    '"x"',
    '{"everywhere":"yes"}',
    '{"__proto__":{"admin":true}}',
    '{"constructor":{"prototype":{"x":1}}}',
    `${'['.repeat(500)}${']'.repeat(500)}`,
    '\u00ff\u00fe{}',
    '{"a":1e999999}',
  ];
  const variants: Array<[string, () => Buffer]> = [
    ['invalid JSON to logout', () => {
      const body = pick(rng, invalidJson);
      return http('POST /auth/logout HTTP/1.1', [`Cookie: ${rng() < 0.3 ? ctx.cookie.replace(/.$/, 'x') : 'bff.sid=x'}`, 'X-CSRF: 1', ...withBody(body)], body);
    }],
    ['random bytes to logout', () => {
      const body = randomBytes(rng, int(rng, 1024));
      return http('POST /auth/logout HTTP/1.1', ['X-CSRF: 1', 'Content-Type: application/json', `Content-Length: ${body.length}`], body);
    }],
    ['oversized body to an auth route', () => {
      const path = pick(rng, ['/auth/logout', '/auth/login', '/auth/callback?state=x', '/auth/nope']);
      const size = 1025 + int(rng, 200_000);
      return http(`${methodFor(path)} ${path} HTTP/1.1`, ['X-CSRF: 1', 'Content-Type: application/json', `Content-Length: ${size}`], 'x'.repeat(Math.min(size, 1 + int(rng, 4096))));
    }],
    ['huge announced body, none sent', () => http('POST /auth/logout HTTP/1.1', ['X-CSRF: 1', `Content-Length: ${pick(rng, ['1073741824', '9007199254740991', '2000'])}`])],
    ['chunked body to an auth route', () => http(`POST ${pick(rng, ['/auth/logout', '/auth/login'])} HTTP/1.1`, ['X-CSRF: 1', 'Transfer-Encoding: chunked'], `400\r\n${'y'.repeat(1024)}\r\n0\r\n\r\n`)],
    ['body to /session', () => {
      const body = pick(rng, invalidJson);
      return http(`${pick(rng, ['POST', 'PUT', 'GET'])} /session HTTP/1.1`, withBody(body), body);
    }],
    ['form body to logout', () => http('POST /auth/logout HTTP/1.1', ['X-CSRF: 1', ...withBody('everywhere=true&a[b][c]=1', 'application/x-www-form-urlencoded')], 'everywhere=true&a[b][c]=1')],
  ];
  const [name, make] = pick(rng, variants);
  return { family: 'body', name, data: make() };
}

/** Odd methods: WebDAV, TRACE, CONNECT, lower case, very long, unknown. */
function methodCase(rng: Rng, ctx: FuzzContext): FuzzCase {
  const method = pick(rng, ['PROPFIND', 'PROPPATCH', 'MKCOL', 'TRACE', 'CONNECT', 'get', 'GeT', 'post', 'M-SEARCH', 'PURGE', 'QUERY', 'LINK', 'SOURCE', 'OPTIONS', 'DELETE', 'PATCH', 'PUT', 'HEAD', 'X'.repeat(1 + int(rng, 8000)), 'G\u00c9T', 'GET\tX', token(rng, 12).toUpperCase()]);
  const path = method === 'CONNECT' ? pick(rng, ['127.0.0.1:443', '/api/things', 'evil.example:80']) : pick(rng, [...PATHS, '*', `/api/${token(rng, 5)}`]);
  const auth = path.startsWith('/api') && rng() < 0.5 ? [`Cookie: ${ctx.cookie}`, 'X-CSRF: 1'] : [];
  return { family: 'method', name: method.length > 20 ? `${method.slice(0, 8)}…(${method.length})` : method, data: http(`${method} ${path} HTTP/1.1`, auth), head: method === 'HEAD' };
}

/** Odd paths: dot segments, NUL, double slashes, 8 kB, unicode, absolute form, garbage callbacks. */
function pathCase(rng: Rng, ctx: FuzzContext): FuzzCase {
  const unicode = Buffer.from(`/api/${pick(rng, ['ünï', '日本', '🙂', '\u202e'])}`, 'utf8').toString('latin1');
  const path = pick(rng, [
    '/api/../..',
    '/api/../../etc/passwd',
    '/api/%2e%2e/%2e%2e/',
    '/api/.%2E/x',
    '/api/x/..%2f..%2f',
    '/api/%00',
    '/api/a%00b',
    '/auth/login%00',
    '/session%00',
    '/session/..',
    '/session/../api/x',
    '/session?%',
    '//',
    '///api/things',
    '//evil.example/auth/login',
    '/api//things',
    `/api/${'a'.repeat(8 * 1024)}`,
    `/auth/login?returnTo=${'/x'.repeat(4 * 1024)}`,
    `/${'%41'.repeat(2000)}`,
    unicode,
    `/api/${encodeURIComponent('日本🙂')}`,
    '/api/%E0%A4%A',
    '/api/%',
    '/api/%zz',
    '/api?',
    '/api',
    '/api#frag',
    '/api/x?y=%00&z=%',
    `/api/x?${Array.from({ length: 500 }, (_, i) => `p${i}=${i}`).join('&')}`,
    '*',
    'api/things',
    'http://evil.example/api/things',
    'http://evil.example/auth/login?returnTo=/x',
    `/auth/callback?${printable(rng, 60).replace(/[\s#]/g, '_')}`,
    '/auth/callback?state=%00&code=%ZZ&error=%',
    '/auth/callback?state[]=a&state[]=b&code=x',
    '/auth/callback?state[a]=b&error[x]=y',
    '/auth/callback?error=access_denied',
    '/auth/callback?state=&code=&iss=http://evil',
    `/auth/callback?code=${token(rng, 3000)}&state=${token(rng, 3000)}`,
    '/auth/login?returnTo=//evil.example',
    '/auth/login?returnTo=%2F%2Fevil.example',
    '/auth/login?returnTo[]=/a&returnTo[]=/b',
    '/auth/login?returnTo=%E0%A4%A',
    '/auth/login?returnTo=javascript:alert(1)',
    '/AUTH/LOGIN',
    '/auth/login/',
    '/auth/logout/../login',
    '/healthz/../readyz',
    '/api/x\\..\\..\\y',
    `/api/${token(rng, 10)}/${token(rng, 10)}`,
  ]);
  const auth = rng() < 0.5 ? [`Cookie: ${ctx.cookie}`, 'X-CSRF: 1'] : [];
  const method = pick(rng, ['GET', 'GET', 'HEAD', 'POST', 'DELETE']);
  return { family: 'path', name: path.length > 40 ? `${path.slice(0, 30)}…(${path.length})` : path, data: http(`${method} ${path} HTTP/1.1`, auth), head: method === 'HEAD' };
}

/** Random bytes, alone or after a plausible request line. */
function randomCase(rng: Rng): FuzzCase {
  const noise = randomBytes(rng, 1 + int(rng, 4096));
  if (rng() < 0.5) return { family: 'random', name: 'random bytes', data: noise };
  const prefix = Buffer.from(`${pick(rng, ['GET', 'POST'])} ${pick(rng, PATHS)} HTTP/1.1\r\n`, 'latin1');
  return { family: 'random', name: 'request line + random bytes', data: Buffer.concat([prefix, noise, Buffer.from('\r\n\r\n')]) };
}

const FAMILIES = [cookieCase, cookieCase, headerCase, headerCase, bodyCase, methodCase, pathCase, pathCase, randomCase];

/** `count` fuzz cases drawn from `rng`. */
export function fuzzCases(rng: Rng, ctx: FuzzContext, count: number): FuzzCase[] {
  return Array.from({ length: count }, () => pick(rng, FAMILIES)(rng, ctx));
}

/** A sign-in the BFF is waiting for: the pre-login cookie and the `state` it expects back. */
export interface PendingLogin {
  cookie: string;
  state: string;
  /** The address it started from (sent as X-Forwarded-For), which has budget left. */
  ip: string;
}

/** A garbage `/auth/callback` for a real pending sign-in, so the code exchange and ID token checks run too. */
export function callbackCase(rng: Rng, pending: PendingLogin): FuzzCase {
  const s = encodeURIComponent(pending.state);
  const query = pick(rng, [
    `state=${s}&code=${token(rng, 20)}`,
    `state=${s}&code=`,
    `state=${s}`,
    `state=${s}&code=a&code=b`,
    `state=${s}&state=${s}&code=x`,
    `state=${s}&error=access_denied`,
    `state=${s}&error=server_error&error_description=${encodeURIComponent(printable(rng, 200))}`,
    `state=${s}&error[]=x`,
    `state=${s}&code=x&iss=${encodeURIComponent('http://evil.example')}`,
    `state=${s}&code=x&iss=`,
    `state=${s}&code=x&response=${token(rng, 30)}.${token(rng, 30)}.${token(rng, 30)}`,
    `state=${s}&code=x&id_token=${token(rng, 30)}.${token(rng, 30)}.${token(rng, 30)}`,
    `state=${s}&code=${token(rng, 6000)}`,
    `state=${s}&code=%00`,
    `state=${s}&code=%ZZ`,
    `state=${s}&code=${encodeURIComponent(printable(rng, 100))}`,
    `state=${s}x&code=x`,
  ]);
  return { family: 'callback', name: query.replace(s, '<state>').slice(0, 60), data: http(`GET /auth/callback?${query} HTTP/1.1`, [`Cookie: ${pending.cookie}`, `X-Forwarded-For: ${pending.ip}`]) };
}
