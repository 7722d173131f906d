import type { LiveFeed } from '../api/use-live-feed';
import { LIVE_PATH, useLiveFeed } from '../api/use-live-feed';

const STATUS_TEXT: Record<LiveFeed['status'], string> = {
  connecting: 'Connecting…',
  open: 'Live',
  reconnecting: 'Reconnecting…',
  ended: 'Session ended',
  forbidden: 'Not allowed',
  failed: 'Disconnected',
  idle: 'Off',
};

/** The live feed from the demo upstream, over a WebSocket through the BFF. */
export function LivePanel({ path }: { path?: string }) {
  const feed = useLiveFeed(path);
  return <LiveFeedView feed={feed} />;
}

/** What the panel shows for a given state of the feed. */
export function LiveFeedView({ feed }: { feed: LiveFeed }) {
  const { status, last, connections } = feed;
  return (
    <section className="card" aria-labelledby="live-panel-title">
      <h2 id="live-panel-title" className="card__title">
        Live feed
      </h2>
      <p className="muted">
        A WebSocket to <code className="mono">{LIVE_PATH}</code>: the BFF checks your session and the origin, and the upstream gets a bearer token.
      </p>
      <p role="status" data-status={status} data-connections={connections}>
        <strong>{STATUS_TEXT[status]}</strong>
        {status === 'ended' && ' — the session behind this connection ended. Sign in again to resume.'}
        {status === 'forbidden' && ' — your account may no longer use this feed.'}
        {status === 'failed' && ' — the server did not come back. Reload the page to try again.'}
      </p>
      {last && status !== 'ended' && status !== 'forbidden' && (
        <p className="mono" data-testid="live-tick">
          {last.user} · tick {last.tick} · {new Date(last.at).toLocaleTimeString()}
        </p>
      )}
    </section>
  );
}
