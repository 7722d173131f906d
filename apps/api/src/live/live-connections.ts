import type { Socket } from 'node:net';
import { LIVE_CLOSE_CODES, type ApiRoute } from '@app/shared-types';
import type { Logger } from 'pino';
import { closeFrame, FrameBoundaries } from './frames.js';

/** How long a closing socket gets to answer the close handshake before it is cut. */
const CLOSE_HANDSHAKE_MS = 2_000;

/**
 * One direction of a proxied WebSocket: bytes copied as they come (with backpressure), while
 * {@link FrameBoundaries} keeps track of where frames end, so the relay can stop between two
 * frames and send a close frame of its own.
 */
class Relay {
  readonly #boundaries = new FrameBoundaries();
  #finalFrame: Buffer | undefined;
  #done = false;

  constructor(
    private readonly from: Socket,
    private readonly to: Socket,
  ) {
    from.on('data', (chunk: Buffer) => this.#onData(chunk));
    to.on('drain', () => from.resume());
    from.on('end', () => {
      if (!this.#done) to.end();
    });
  }

  /** Stops relaying at the next frame boundary, writes `frame` there and ends the direction. */
  endWith(frame: Buffer): void {
    if (this.#finalFrame) return;
    this.#finalFrame = frame;
    if (this.#boundaries.atBoundary) this.#finish();
    else this.from.resume(); // the rest of the frame in flight is needed first
  }

  #onData(chunk: Buffer): void {
    if (this.#done) return; // after our close frame, whatever comes is dropped
    if (!this.#finalFrame) {
      this.#boundaries.advance(chunk);
      if (!this.to.write(chunk)) this.from.pause();
      return;
    }
    const at = this.#boundaries.advance(chunk, true);
    this.to.write(at === -1 ? chunk : chunk.subarray(0, at));
    if (at !== -1) this.#finish();
  }

  #finish(): void {
    this.#done = true;
    this.from.resume(); // keep reading (and dropping) so the peer's close reply and FIN arrive
    if (this.to.writable && this.#finalFrame) this.to.end(this.#finalFrame);
  }
}

/** Who a socket belongs to, as far as ending it goes. */
export interface LiveOwner {
  /** The session id of a cookie socket: it closes when the session ends. */
  sid?: string;
  /** Unix ms at which the socket closes with 4401: the session's absolute expiry, or a bearer token's `exp`. */
  closeAt?: number;
  /** The route the socket was opened on: its policy is checked again after each refresh of the session. */
  route?: ApiRoute;
  /** Gives back the socket's slot of `MAX_WEBSOCKETS_PER_SESSION` ({@link LiveConnections.reserve}) when it closes. */
  release?: () => void;
}

/** A proxied WebSocket: the client's socket and the upstream's, relayed both ways. */
export class LiveConnection {
  readonly #toClient: Relay;
  readonly #toUpstream: Relay;
  #closing = false;
  #expiry: NodeJS.Timeout | undefined;

  constructor(
    readonly client: Socket,
    readonly upstream: Socket,
    readonly owner: LiveOwner,
    onClosed: (conn: LiveConnection) => void,
  ) {
    this.#toClient = new Relay(upstream, client);
    this.#toUpstream = new Relay(client, upstream);
    let closed = false;
    const teardown = () => {
      if (closed) return;
      closed = true;
      clearTimeout(this.#expiry);
      client.destroy();
      upstream.destroy();
      owner.release?.();
      onClosed(this);
    };
    for (const socket of [client, upstream]) {
      socket.on('error', () => undefined); // 'close' follows and tears down
      socket.on('close', teardown);
    }
    if (owner.closeAt !== undefined) {
      // a timer fires at most ~24.8 days out; a longer life is cut short by the periodic sweep anyway
      const ms = Math.min(Math.max(owner.closeAt - Date.now(), 0), 2 ** 31 - 1);
      this.#expiry = setTimeout(() => this.close(LIVE_CLOSE_CODES.sessionEnded, 'expired'), ms);
      this.#expiry.unref();
    }
  }

  /** Closes both sides with `code` between two frames (a close handshake), cutting them after a short grace. */
  close(code: number, reason: string): void {
    if (this.#closing) return;
    this.#closing = true;
    this.#toClient.endWith(closeFrame(code, reason, false));
    this.#toUpstream.endWith(closeFrame(code, reason, true));
    setTimeout(() => {
      this.client.destroy();
      this.upstream.destroy();
    }, CLOSE_HANDSHAKE_MS).unref();
  }
}

/**
 * The WebSockets open on this instance, by session, so that a session's end (here or, through
 * the session-end channel, on another instance), an expiry, or a shutdown can close them.
 */
export class LiveConnections {
  readonly #all = new Set<LiveConnection>();
  readonly #bySid = new Map<string, Set<LiveConnection>>();
  /** Sockets (and upstream handshakes under way) per session or client address. */
  readonly #held = new Map<string, number>();
  #shuttingDown = false;

  constructor(
    private readonly logger: Logger,
    /** `MAX_WEBSOCKETS_PER_SESSION`; 0 = no limit. */
    readonly maxPerKey = 0,
  ) {}

  /**
   * Takes one of `key`'s socket slots (a session, or a client address for callers without one)
   * before the upstream handshake starts, so handshakes under way count too: the function that
   * gives it back (once), or `undefined` when `key` holds {@link LiveConnections.maxPerKey} already.
   */
  reserve(key: string): (() => void) | undefined {
    const held = this.#held.get(key) ?? 0;
    if (this.maxPerKey > 0 && held >= this.maxPerKey) return undefined;
    this.#held.set(key, held + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (this.#held.get(key) ?? 1) - 1;
      if (left > 0) this.#held.set(key, left);
      else this.#held.delete(key);
    };
  }

  /** True once {@link LiveConnections.closeAll} ran: new upgrades are refused. */
  get shuttingDown(): boolean {
    return this.#shuttingDown;
  }

  /** Open sockets on this instance. */
  get size(): number {
    return this.#all.size;
  }

  /** Session ids with at least one open socket here. */
  sessions(): string[] {
    return [...this.#bySid.keys()];
  }

  /** Starts relaying an upgraded pair and tracks it until either side closes. */
  open(client: Socket, upstream: Socket, owner: LiveOwner): LiveConnection {
    const conn = new LiveConnection(client, upstream, owner, (c) => this.#forget(c));
    this.#all.add(conn);
    if (owner.sid !== undefined) {
      let set = this.#bySid.get(owner.sid);
      if (!set) this.#bySid.set(owner.sid, (set = new Set()));
      set.add(conn);
    }
    return conn;
  }

  /** Closes every socket of `sid` on this instance with 4401; returns how many. */
  closeSession(sid: string, reason = 'session ended'): number {
    const set = this.#bySid.get(sid);
    if (!set) return 0;
    for (const conn of set) conn.close(LIVE_CLOSE_CODES.sessionEnded, reason);
    this.logger.info({ event: 'websocket', outcome: 'session_ended', sockets: set.size }, 'closed the WebSockets of an ended session');
    return set.size;
  }

  /**
   * Closes with 4403 every socket of `sid` here whose route the session no longer meets
   * (`refusal(route)` says why, or `undefined` when it still allows); returns how many.
   */
  enforcePolicy(sid: string, refusal: (route: ApiRoute) => string | undefined): number {
    const set = this.#bySid.get(sid);
    if (!set) return 0;
    let closed = 0;
    for (const conn of set) {
      const route = conn.owner.route;
      if (!route || refusal(route) === undefined) continue;
      conn.close(LIVE_CLOSE_CODES.forbidden, 'route policy no longer met');
      closed++;
    }
    if (closed) this.logger.info({ event: 'websocket', outcome: 'forbidden', sockets: closed }, "closed WebSockets whose session no longer meets the route's policy");
    return closed;
  }

  /** Whether `sid` has an open socket here. */
  has(sid: string): boolean {
    return this.#bySid.has(sid);
  }

  /** Shutdown: closes every socket with 1001 (going away) and refuses new upgrades from now on. */
  closeAll(code: number = LIVE_CLOSE_CODES.goingAway): void {
    this.#shuttingDown = true;
    if (this.#all.size) this.logger.info({ event: 'websocket', outcome: 'going_away', sockets: this.#all.size }, 'closing WebSockets');
    for (const conn of this.#all) conn.close(code, 'server going away');
  }

  #forget(conn: LiveConnection): void {
    this.#all.delete(conn);
    const sid = conn.owner.sid;
    if (sid === undefined) return;
    const set = this.#bySid.get(sid);
    set?.delete(conn);
    if (set?.size === 0) this.#bySid.delete(sid);
  }
}
