/**
 * The live feed: a WebSocket to `/api/live` through the BFF (the browser sends the session
 * cookie and its Origin; the BFF adds the bearer token upstream). Reconnects after any close but
 * `4401`, which means the session behind the socket ended: sign in again, do not retry.
 */
import { useEffect, useState } from 'react';

/** Path of the demo upstream's live feed through the BFF. */
export const LIVE_PATH = '/api/live';
/** Close code of the BFF when the session behind a socket ends (docs/adr/0006-websocket-proxy.md). */
export const SESSION_ENDED_CLOSE_CODE = 4401;
/** Waits between reconnects: 1 s, 2 s, 4 s, then 8 s. */
const BACKOFF_MS = [1_000, 2_000, 4_000, 8_000];

/** One message of the feed (packages/demo-upstream/src/live.ts). */
export interface LiveTick {
  type: 'tick';
  user: string;
  tick: number;
  at: string;
  tokenExpiresAt: number | null;
}

/** The message when it is a well-formed tick (it comes from an upstream: checked, not trusted). */
export function parseLiveTick(text: string): LiveTick | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const v = value as Record<string, unknown>;
  const ok = v.type === 'tick' && typeof v.user === 'string' && typeof v.tick === 'number' && typeof v.at === 'string' && (v.tokenExpiresAt === null || typeof v.tokenExpiresAt === 'number');
  return ok ? (v as unknown as LiveTick) : undefined;
}

/** Where the feed stands. */
export type LiveStatus = 'connecting' | 'open' | 'reconnecting' | 'ended';

/** What {@link useLiveFeed} reports. */
export interface LiveFeed {
  status: LiveStatus;
  last?: LiveTick;
  /** Connections opened so far (the first one included). */
  connections: number;
}

/** `ws://` or `wss://` URL of a path on this page's origin. */
export function sameOriginSocketUrl(path: string, location: Pick<Location, 'protocol' | 'host'> = window.location): string {
  return `${location.protocol === 'https:' ? 'wss:' : 'ws:'}//${location.host}${path}`;
}

/** Opens the live feed while mounted; `url` defaults to `/api/live` on this origin. */
export function useLiveFeed(url: string = sameOriginSocketUrl(LIVE_PATH)): LiveFeed {
  const [feed, setFeed] = useState<LiveFeed>({ status: 'connecting', connections: 0 });

  useEffect(() => {
    let socket: WebSocket | undefined;
    let retry: ReturnType<typeof setTimeout> | undefined;
    let attempt = 0;
    let stopped = false;

    const connect = () => {
      socket = new WebSocket(url);
      socket.onopen = () => {
        attempt = 0;
        setFeed((f) => ({ ...f, status: 'open', connections: f.connections + 1 }));
      };
      socket.onmessage = (event: MessageEvent) => {
        const tick = typeof event.data === 'string' ? parseLiveTick(event.data) : undefined;
        if (tick) setFeed((f) => ({ ...f, last: tick }));
      };
      socket.onclose = (event: CloseEvent) => {
        if (stopped) return;
        if (event.code === SESSION_ENDED_CLOSE_CODE) return setFeed((f) => ({ ...f, status: 'ended' }));
        setFeed((f) => ({ ...f, status: 'reconnecting' }));
        retry = setTimeout(connect, BACKOFF_MS[Math.min(attempt++, BACKOFF_MS.length - 1)]);
      };
    };
    connect();
    return () => {
      stopped = true;
      clearTimeout(retry);
      socket?.close(1000);
    };
  }, [url]);

  return feed;
}

