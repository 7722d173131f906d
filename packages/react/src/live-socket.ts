/**
 * `useLiveSocket(path)`: a WebSocket to `/api/*` through the BFF (the browser sends the session
 * cookie and its Origin; the BFF adds the bearer token upstream). It reconnects after a dropped
 * connection with exponential backoff and jitter, a bounded number of times, so a BFF restart
 * does not bring every open tab back at the same instant, nor forever. The BFF's close codes stop
 * it: `4401` (the session ended: `useSession()` asks again) and `4403` (no longer allowed).
 * @see https://www.rfc-editor.org/rfc/rfc6455#section-7.4
 */
import { LIVE_CLOSE_CODES } from '@app/shared-types';
import type { BffClient } from '@app/bff-client';
import { useQueryClient } from '@tanstack/react-query';
import { useCallback, useEffect, useRef, useState } from 'react';
import { useBffClient } from './client-context.js';
import { bffQueryKeys } from './query-keys.js';

/**
 * Where the socket stands: `ended` (4401) and `forbidden` (4403) are final; `failed` means the
 * reconnect attempts ran out (call `reconnect()` to start again).
 */
export type LiveSocketStatus = 'connecting' | 'open' | 'reconnecting' | 'ended' | 'forbidden' | 'failed' | 'idle';

/** How reconnecting behaves. */
export interface ReconnectPolicy {
  /** Attempts in a row without a lasting connection before giving up (default 6). */
  maxAttempts: number;
  /** First wait (default 1 s); doubled per attempt. */
  baseDelayMs: number;
  /** Longest wait (default 30 s). */
  maxDelayMs: number;
  /** A connection open at least this long resets the attempts (default 10 s). */
  stableAfterMs: number;
}

/** Defaults of {@link ReconnectPolicy}. */
export const DEFAULT_RECONNECT: ReconnectPolicy = { maxAttempts: 6, baseDelayMs: 1_000, maxDelayMs: 30_000, stableAfterMs: 10_000 };

/**
 * Wait before reconnect attempt `attempt` (1, 2, …): exponential, capped, with "equal jitter"
 * (half fixed, half random), so clients dropped together spread out but none retries at once.
 * @see https://aws.amazon.com/blogs/architecture/exponential-backoff-and-jitter/
 */
export function reconnectDelay(attempt: number, policy: Pick<ReconnectPolicy, 'baseDelayMs' | 'maxDelayMs'> = DEFAULT_RECONNECT, random: () => number = Math.random): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}

/** Options of {@link useLiveSocket}. */
export interface LiveSocketOptions<T> {
  /** False keeps it closed (default true). */
  enabled?: boolean;
  /** Turns a message into `T`, or undefined to ignore it (default: JSON.parse of text frames). */
  parse?: (data: unknown) => T | undefined;
  /** Called with every message that parses. */
  onMessage?: (message: T) => void;
  reconnect?: Partial<ReconnectPolicy>;
  /** For tests: the source of jitter. */
  random?: () => number;
}

/** What {@link useLiveSocket} reports. */
export interface LiveSocket<T> {
  status: LiveSocketStatus;
  /** The latest message that parsed. */
  lastMessage: T | undefined;
  /** Connections opened so far. */
  connections: number;
  /** Reconnect attempts in a row since the last lasting connection. */
  attempts: number;
  /** Close code of the last close, if any. */
  closeCode: number | undefined;
  /** Sends on the open socket; false when it is not open. */
  send(data: string | ArrayBufferLike | Blob | ArrayBufferView): boolean;
  /** Starts again after `failed` (or any state), attempts reset. */
  reconnect(): void;
}

function defaultParse(data: unknown): unknown {
  if (typeof data !== 'string') return data;
  try {
    return JSON.parse(data) as unknown;
  } catch {
    return undefined;
  }
}

/** `ws(s)://` URL of `path` at the client's BFF (its base URL, else this page's origin). */
export function liveSocketUrl(path: string, client: Pick<BffClient, 'baseUrl'>): string {
  const url = new URL(`${client.baseUrl}${path}`, window.location.href);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  return url.href;
}

/** Keeps a WebSocket to `path` (under `/api`) open while mounted and enabled. */
export function useLiveSocket<T = unknown>(path: string, options: LiveSocketOptions<T> = {}): LiveSocket<T> {
  const client = useBffClient();
  const queryClient = useQueryClient();
  const enabled = options.enabled ?? true;
  const [state, setState] = useState<Omit<LiveSocket<T>, 'send' | 'reconnect'>>({ status: 'connecting', lastMessage: undefined, connections: 0, attempts: 0, closeCode: undefined });
  const [generation, setGeneration] = useState(0);
  const socketRef = useRef<WebSocket | undefined>(undefined);
  // the latest callbacks and policy, without reopening the socket when they change identity
  const latest = useRef(options);
  useEffect(() => {
    latest.current = options;
  });

  useEffect(() => {
    if (!enabled) return;
    const url = liveSocketUrl(path, client);
    let retry: ReturnType<typeof setTimeout> | undefined;
    let attempts = 0;
    let stopped = false;

    const connect = () => {
      const socket = new WebSocket(url);
      socketRef.current = socket;
      let openedAt: number | undefined;
      socket.onopen = () => {
        openedAt = Date.now();
        setState((s) => ({ ...s, status: 'open', connections: s.connections + 1 }));
      };
      socket.onmessage = (event: MessageEvent) => {
        const message = (latest.current.parse ?? (defaultParse as (data: unknown) => T | undefined))(event.data);
        if (message === undefined) return;
        latest.current.onMessage?.(message);
        setState((s) => ({ ...s, lastMessage: message }));
      };
      socket.onclose = (event: CloseEvent) => {
        if (stopped) return;
        const policy = { ...DEFAULT_RECONNECT, ...latest.current.reconnect };
        if (event.code === LIVE_CLOSE_CODES.sessionEnded) {
          void queryClient.invalidateQueries({ queryKey: bffQueryKeys.session });
          return setState((s) => ({ ...s, status: 'ended', closeCode: event.code }));
        }
        if (event.code === LIVE_CLOSE_CODES.forbidden) return setState((s) => ({ ...s, status: 'forbidden', closeCode: event.code }));
        if (openedAt !== undefined && Date.now() - openedAt >= policy.stableAfterMs) attempts = 0;
        attempts += 1;
        if (attempts > policy.maxAttempts) {
          // a handshake the BFF keeps refusing may mean the session is gone: let useSession() know
          void queryClient.invalidateQueries({ queryKey: bffQueryKeys.session });
          return setState((s) => ({ ...s, status: 'failed', attempts: attempts - 1, closeCode: event.code }));
        }
        setState((s) => ({ ...s, status: 'reconnecting', attempts, closeCode: event.code }));
        retry = setTimeout(connect, reconnectDelay(attempts, policy, latest.current.random));
      };
    };
    connect();
    return () => {
      stopped = true;
      clearTimeout(retry);
      socketRef.current?.close(1000);
      socketRef.current = undefined;
    };
  }, [path, client, queryClient, enabled, generation]);

  const send = useCallback((data: string | ArrayBufferLike | Blob | ArrayBufferView) => {
    const socket = socketRef.current;
    if (socket?.readyState !== 1) return false;
    socket.send(data);
    return true;
  }, []);
  const reconnect = useCallback(() => {
    setState((s) => ({ ...s, status: 'connecting', attempts: 0 }));
    setGeneration((g) => g + 1);
  }, []);

  return { ...state, status: enabled ? state.status : 'idle', send, reconnect };
}
