import { formatUnixTime, isoFromUnix } from '../../../lib/format';
import { AccessTokenCountdown } from './access-token-countdown';

/** Lifetimes of the access token (ticking) and of the session (absolute local time). */
export function SessionCard({ accessTokenExpiresAt, sessionExpiresAt }: { accessTokenExpiresAt: number; sessionExpiresAt: number }) {
  return (
    <section className="card" aria-labelledby="session-card-title">
      <h2 id="session-card-title" className="card__title">
        Session
      </h2>
      <dl className="facts">
        <div className="facts__row facts__row--stacked">
          <dt>Access token expires in</dt>
          <dd>
            <AccessTokenCountdown expiresAt={accessTokenExpiresAt} />
          </dd>
        </div>
        <div className="facts__row facts__row--stacked">
          <dt>Session ends</dt>
          <dd>
            <time dateTime={isoFromUnix(sessionExpiresAt)}>{formatUnixTime(sessionExpiresAt)}</time>
          </dd>
        </div>
      </dl>
      <p className="muted small">
        Tokens stay on the server. The BFF refreshes the access token before it expires; this page only ever holds an
        HttpOnly session cookie.
      </p>
    </section>
  );
}
