// The emulator's plain HTTP front: hosted-UI pages (sign-in, /logout), the /__emulator test hooks
// and the token-endpoint fault injection. Everything else is oidc-provider's.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { endSessionsOf, sendBackchannelLogouts } from './backchannel.js';
import type { Interaction } from 'oidc-provider';
import { errorPage, signInPage } from './pages.js';
import { countedGrant, parseBehaviour, type Runtime } from './runtime.js';
import { logoutUriAllowed } from './uris.js';

const BODY_LIMIT = 64 * 1024;

type Handler = (req: IncomingMessage, res: ServerResponse) => Promise<void>;

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buf = chunk as Buffer;
    size += buf.length;
    if (size > BODY_LIMIT) throw new Error('request body too large');
    chunks.push(buf);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function send(res: ServerResponse, status: number, type: string, body: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, {
    'Content-Type': type,
    'Content-Length': Buffer.byteLength(body),
    'Cache-Control': 'no-store',
    ...headers,
  });
  res.end(body);
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  send(res, status, 'application/json; charset=utf-8', JSON.stringify(body));
}

function sendHtml(res: ServerResponse, status: number, html: string): void {
  send(res, status, 'text/html; charset=utf-8', html);
}

function redirect(res: ServerResponse, status: 302 | 303, location: string): void {
  res.writeHead(status, { Location: location, 'Content-Length': 0, 'Cache-Control': 'no-store' });
  res.end();
}

/**
 * Waits `ms` unless the client goes away first; resolves whether the request is still wanted.
 * A request whose client disconnected during the delay is dropped: never processed nor counted.
 */
function delayUnlessClosed(req: IncomingMessage, res: ServerResponse, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    if (req.socket.destroyed) return resolve(false);
    const done = (wanted: boolean) => {
      clearTimeout(timer);
      res.off('close', onClose);
      resolve(wanted && !req.socket.destroyed);
    };
    const onClose = () => done(false);
    const timer = setTimeout(() => done(true), ms);
    res.once('close', onClose);
  });
}

/** Counts a token request as in flight until its response is done (or its client gave up). */
function countInFlight(rt: Runtime, res: ServerResponse): void {
  rt.inFlight.tokenRequests += 1;
  res.once('close', () => (rt.inFlight.tokenRequests -= 1));
}

/** Applies the configured delay and failure to a token request; false = already handled. */
async function tokenGate(rt: Runtime, req: IncomingMessage, res: ServerResponse): Promise<boolean> {
  const { tokenDelayMs } = rt.behaviour;
  if (tokenDelayMs > 0 && !(await delayUnlessClosed(req, res, tokenDelayMs))) return false;
  const status = rt.behaviour.tokenFailureStatus;
  if (status === null) return true;
  const grant = countedGrant(new URLSearchParams(await readBody(req)).get('grant_type'));
  if (grant) rt.state.updateStats((s) => (s.tokenRequests[grant] += 1));
  sendJson(res, status, { error: 'server_error', error_description: `emulated failure (tokenFailureStatus ${status})` });
  return false;
}

const NOT_JSON = Symbol('not JSON');

/** The request body parsed as JSON, or {@link NOT_JSON}. */
async function readJsonBody(req: IncomingMessage): Promise<unknown> {
  try {
    return JSON.parse(await readBody(req)) as unknown;
  } catch {
    return NOT_JSON;
  }
}

async function admin(rt: Runtime, req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
  const route = `${req.method ?? 'GET'} ${path}`;
  switch (route) {
    case 'GET /__emulator/stats':
      return sendJson(res, 200, rt.state.stats);
    case 'GET /__emulator/in-flight':
      return sendJson(res, 200, rt.inFlight);
    case 'POST /__emulator/reset':
      rt.state.resetStats();
      return sendJson(res, 200, rt.state.stats);
    case 'GET /__emulator/behaviour':
      return sendJson(res, 200, rt.behaviour);
    case 'POST /__emulator/behaviour': {
      const input = await readJsonBody(req);
      if (input === NOT_JSON) return sendJson(res, 400, { error: 'body must be JSON' });
      const next = parseBehaviour(input, rt.behaviour);
      if (typeof next === 'string') return sendJson(res, 400, { error: next });
      rt.behaviour = next;
      return sendJson(res, 200, rt.behaviour);
    }
    case 'POST /__emulator/groups': {
      // Cognito's AdminAddUserToGroup / AdminRemoveUserFromGroup in one: tokens issued from now on carry the new groups
      const input = await readJsonBody(req);
      if (input === NOT_JSON) return sendJson(res, 400, { error: 'body must be JSON' });
      const { username, groups } = (input ?? {}) as { username?: unknown; groups?: unknown };
      const user = rt.options.users.find((u) => u.username === username);
      if (!user) return sendJson(res, 404, { error: `no user ${String(username)}` });
      if (!Array.isArray(groups) || !groups.every((g) => typeof g === 'string')) return sendJson(res, 400, { error: 'groups must be an array of strings' });
      user.groups = [...groups];
      return sendJson(res, 200, { username: user.username, groups: user.groups });
    }
    case 'POST /__emulator/backchannel-logout': {
      // An IdP-side "sign this user out everywhere": every session ends, each RP with a receiver is told
      const input = await readJsonBody(req);
      if (input === NOT_JSON) return sendJson(res, 400, { error: 'body must be JSON' });
      const { username } = (input ?? {}) as { username?: unknown };
      const user = rt.options.users.find((u) => u.username === username);
      if (!user) return sendJson(res, 404, { error: `no user ${String(username)}` });
      return sendJson(res, 200, { deliveries: await endSessionsOf(rt, user.sub) });
    }
    default:
      return sendJson(res, 404, { error: `no emulator hook ${route}` });
  }
}

/** Ends the browser's hosted-UI session, telling its back-channel receivers first, and clears its cookie (/logout, another user signing in). */
async function endHostedUiSession(rt: Runtime, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const { provider } = rt;
  const session = await provider.Session.get({ req, res });
  if (session.accountId) {
    await sendBackchannelLogouts(rt, session);
    await session.destroy();
  }
  provider.createContext(req, res).cookies.set(provider.cookieName('session'), null, { httpOnly: true, sameSite: 'lax' });
}

/**
 * Someone else signs in over a live session (a `prompt=login` form): Cognito just gives them a
 * new session cookie. oidc-provider would instead send the browser through its end_session
 * confirmation, which this Cognito-shaped OP does not serve; so the old user's IdP session ends
 * here (its back-channel receivers told, as at /logout) and the new sign-in takes the same cookie.
 */
async function forgetSignedInUser(rt: Runtime, req: IncomingMessage, res: ServerResponse, details: Interaction): Promise<void> {
  await endHostedUiSession(rt, req, res);
  // the interaction remembers the session it started in; the new one is a different session
  if (details.session) delete details.session.uid;
  await details.save(Math.max(1, details.exp - Math.floor(Date.now() / 1000)));
}

/** The sign-in page of one interaction; consent (never shown by Cognito) is granted on the spot. */
async function interaction(rt: Runtime, req: IncomingMessage, res: ServerResponse, uid: string): Promise<void> {
  const { provider } = rt;
  let details;
  try {
    details = await provider.interactionDetails(req, res);
  } catch (err) {
    return sendHtml(res, 400, errorPage('Sign-in expired', { error: 'invalid_request', error_description: (err as Error).message }));
  }
  if (details.uid !== uid) {
    return sendHtml(res, 400, errorPage('Sign-in expired', { error: 'invalid_request', error_description: 'interaction mismatch' }));
  }
  const clientId = String(details.params.client_id ?? '');

  if (details.prompt.name === 'consent') {
    const accountId = details.session?.accountId;
    if (!accountId) return sendHtml(res, 400, errorPage('Sign-in expired', { error: 'invalid_request' }));
    const grant = new provider.Grant({ accountId, clientId });
    grant.addOIDCScope(String(details.params.scope ?? 'openid'));
    const grantId = await grant.save();
    return redirect(res, 303, await provider.interactionResult(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true }));
  }

  const page = (status: number, username?: string, error?: string) =>
    sendHtml(res, status, signInPage({
      action: `/login/${uid}`,
      clientId,
      usernames: rt.options.users.map((u) => u.username),
      ...(username === undefined ? {} : { username }),
      ...(error === undefined ? {} : { error }),
    }));

  if (req.method === 'GET') return page(200);
  if (req.method !== 'POST') return sendHtml(res, 405, errorPage('Method not allowed', {}));

  const form = new URLSearchParams(await readBody(req));
  const username = form.get('username') ?? '';
  const password = form.get('password') ?? '';
  // Cognito pools match usernames case-insensitively by default.
  const user = rt.options.users.find((u) => u.username.toLowerCase() === username.toLowerCase() && u.password === password);
  if (!user) return page(200, username, 'Incorrect username or password.');
  if (details.session?.accountId && details.session.accountId !== user.sub) await forgetSignedInUser(rt, req, res, details);
  const returnTo = await provider.interactionResult(req, res, { login: { accountId: user.sub } }, { mergeWithLastSubmission: false });
  return redirect(res, 303, returnTo);
}

/**
 * Cognito's `GET /logout?client_id=…&logout_uri=…`: ends the hosted-UI session (refresh tokens
 * stay valid, as with Cognito) and redirects to a registered logout URI. Clients of the session
 * with a back-channel receiver are sent a logout token first, as oidc-provider's end_session does
 * (awaited, so the redirect follows the receivers' answers; a failed delivery changes nothing).
 */
async function logout(rt: Runtime, req: IncomingMessage, res: ServerResponse, query: URLSearchParams): Promise<void> {
  const clientId = query.get('client_id');
  const logoutUri = query.get('logout_uri');
  const client = clientId ? rt.clients.get(clientId) : undefined;
  if (!client) {
    return sendHtml(res, 400, errorPage('Logout failed', { error: 'invalid_request', error_description: 'unknown or missing client_id' }));
  }
  if (!logoutUri || !logoutUriAllowed(client, logoutUri)) {
    return sendHtml(res, 400, errorPage('Logout failed', {
      error: 'invalid_request',
      error_description: 'logout_uri is missing or not registered for this client',
    }));
  }
  await endHostedUiSession(rt, req, res);
  return redirect(res, 302, logoutUri);
}

/**
 * What Cognito's managed login does with `prompt` and `max_age` (authorization-endpoint docs):
 * `prompt=login` and `prompt=none` act on the hosted-UI session, which oidc-provider does too;
 * `select_account` and `consent` are only passed on to federated IdPs, with no effect on a local
 * sign-in (oidc-provider would refuse the first and show consent for the second); `max_age` is not
 * a Cognito parameter at all: a live session answers silently, however old (oidc-provider would
 * re-authenticate, and treat `max_age=0` as `prompt=login`). So those are taken out of the request
 * before oidc-provider sees it; `auth_time` in the tokens still tells the client how old the sign-in is.
 */
function dropWhatCognitoIgnores(req: IncomingMessage, url: URL): void {
  const { searchParams } = url;
  if (!searchParams.has('prompt') && !searchParams.has('max_age')) return;
  const kept = (searchParams.get('prompt') ?? '').split(' ').filter((p) => p !== '' && p !== 'select_account' && p !== 'consent');
  if (kept.length) searchParams.set('prompt', kept.join(' '));
  else searchParams.delete('prompt');
  searchParams.delete('max_age');
  req.url = `${url.pathname}${url.search}`;
}

/** The emulator's request handler; `oidc` is oidc-provider's own callback. */
export function createHandler(rt: Runtime, oidc: Handler): Handler {
  const discoveryPath = `/${rt.options.poolId}/.well-known/openid-configuration`;
  return async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://emulator.invalid');
    const path = url.pathname;
    try {
      if (path === discoveryPath) {
        // oidc-provider serves discovery at its root; Cognito serves it under the issuer path.
        req.url = `/.well-known/openid-configuration${url.search}`;
        return await oidc(req, res);
      }
      if (path.startsWith('/.well-known/')) return sendJson(res, 404, { error: 'not found' });
      if (path.startsWith('/__emulator/')) return await admin(rt, req, res, path);
      const login = /^\/login\/([\w-]+)$/.exec(path);
      if (login?.[1]) return await interaction(rt, req, res, login[1]);
      if (path === '/logout' && req.method === 'GET') return await logout(rt, req, res, url.searchParams);
      if (path.toLowerCase() === '/oauth2/token' && req.method === 'POST') {
        countInFlight(rt, res);
        if (!(await tokenGate(rt, req, res))) return;
      }
      if (path.toLowerCase() === '/oauth2/authorize') dropWhatCognitoIgnores(req, url);
      return await oidc(req, res);
    } catch (err) {
      if (res.headersSent) {
        res.destroy(err as Error);
        return;
      }
      sendJson(res, 500, { error: 'server_error', error_description: (err as Error).message });
    }
  };
}
