/**
 * The live feed: the demo upstream's `/live` WebSocket through the BFF, kept open by @app/react's
 * `useLiveSocket` (reconnects with backoff and jitter; `4401` ends it, `4403` forbids it).
 */
import { useLiveSocket, type LiveSocketStatus } from '@app/react';

/** Path of the demo upstream's live feed through the BFF. */
export const LIVE_PATH = '/api/live';

/** One message of the feed (packages/demo-upstream/src/live.ts). */
export interface LiveTick {
  type: 'tick';
  user: string;
  tick: number;
  at: string;
  tokenExpiresAt: number | null;
}

/** The message when it is a well-formed tick (it comes from an upstream: checked, not trusted). */
export function parseLiveTick(data: unknown): LiveTick | undefined {
  if (typeof data !== 'string') return undefined;
  let value: unknown;
  try {
    value = JSON.parse(data);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const v = value as Record<string, unknown>;
  const ok = v.type === 'tick' && typeof v.user === 'string' && typeof v.tick === 'number' && typeof v.at === 'string' && (v.tokenExpiresAt === null || typeof v.tokenExpiresAt === 'number');
  return ok ? (v as unknown as LiveTick) : undefined;
}

/** What {@link useLiveFeed} reports. */
export interface LiveFeed {
  status: LiveSocketStatus;
  last?: LiveTick | undefined;
  /** Connections opened so far (the first one included). */
  connections: number;
}

/** Opens the live feed while mounted. */
export function useLiveFeed(path: string = LIVE_PATH): LiveFeed {
  const socket = useLiveSocket(path, { parse: parseLiveTick });
  return { status: socket.status, last: socket.lastMessage, connections: socket.connections };
}
