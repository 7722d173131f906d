import type { SessionInfo } from '@app/shared-types';
import { formatUnixTime, isoFromUnix } from '../../../lib/format';
import { useEndSession, useSessions, useSignOut } from '@app/react';
import { sessionsLoadFailure } from '../lib/load-failure';
import { describeUserAgent } from '../lib/user-agent';

function Time({ at }: { at: number }) {
  return <time dateTime={isoFromUnix(at)}>{formatUnixTime(at)}</time>;
}

function SessionRow(props: { session: SessionInfo; onEnd: (id: string) => void; ending: boolean }) {
  const { session, onEnd, ending } = props;
  const device = describeUserAgent(session.userAgent);
  return (
    <li className="session-list__item" aria-current={session.current ? 'true' : undefined}>
      <div className="session-list__body">
        <p className="session-list__device">
          <span title={session.userAgent || undefined}>{device}</span>
          {session.current && <span className="badge badge--success">This device</span>}
        </p>
        <dl className="facts facts--compact">
          <div className="facts__row">
            <dt>Signed in</dt>
            <dd>
              <Time at={session.createdAt} />
            </dd>
          </div>
          <div className="facts__row">
            <dt>Last active</dt>
            <dd>
              <Time at={session.lastSeenAt} />
            </dd>
          </div>
        </dl>
      </div>
      {!session.current && (
        <button
          type="button"
          className="button button--secondary"
          onClick={() => onEnd(session.id)}
          disabled={ending}
          aria-busy={ending}
          aria-label={`End session on ${device}`}
        >
          End
        </button>
      )}
    </li>
  );
}

/** "Your sessions": where the user is signed in, with a way to end any other session, or all of them. */
export function SessionsPanel() {
  const sessions = useSessions();
  const endOne = useEndSession();
  const endOthers = useEndSession();
  const logout = useSignOut();
  const others = sessions.data?.sessions.filter((s) => !s.current) ?? [];
  const failure = endOne.error ?? endOthers.error ?? logout.error;
  const leaving = logout.isPending || logout.isSuccess;

  return (
    <section className="card" aria-labelledby="sessions-panel-title">
      <h2 id="sessions-panel-title" className="card__title">
        Your sessions
      </h2>
      {sessions.isPending && <p role="status">Loading your sessions…</p>}
      {sessions.isError && (
        <p className="signout__error" role="status">
          {sessionsLoadFailure(sessions.error, import.meta.env.DEV)}{' '}
          <button type="button" className="button button--ghost" onClick={() => void sessions.refetch()}>
            Retry
          </button>
        </p>
      )}
      {sessions.data && (
        <ul className="session-list" aria-label="Signed-in sessions">
          {sessions.data.sessions.map((session) => (
            <SessionRow
              key={session.id}
              session={session}
              onEnd={(id) => endOne.mutate(id)}
              ending={(endOne.isPending && endOne.variables === session.id) || endOthers.isPending}
            />
          ))}
        </ul>
      )}
      <div className="session-list__actions">
        {others.length > 0 && (
          <button
            type="button"
            className="button button--secondary"
            onClick={() => endOthers.mutate(others.map((s) => s.id))}
            disabled={endOthers.isPending}
            aria-busy={endOthers.isPending}
          >
            End all other sessions
          </button>
        )}
        <button type="button" className="button button--ghost" onClick={() => logout.mutate({ everywhere: true })} disabled={leaving} aria-busy={leaving}>
          Sign out everywhere
        </button>
      </div>
      {failure && (
        <p className="signout__error" role="status">
          That did not work: {failure.message}
        </p>
      )}
    </section>
  );
}
