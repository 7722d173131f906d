import type { SessionUser } from '@app/shared-types';

/** The best name to greet a user by. */
export function displayName(user: SessionUser): string {
  return user.name ?? user.username ?? user.email ?? user.sub;
}

function initials(name: string): string {
  const letters = name
    .split(/[\s@._-]+/)
    .filter(Boolean)
    .slice(0, 2)
    .map((part) => part[0]?.toUpperCase() ?? '');
  return letters.join('') || '?';
}

function VerifiedBadge({ verified }: { verified: boolean }) {
  return verified ? (
    <span className="badge badge--success">
      <svg viewBox="0 0 16 16" aria-hidden="true" focusable="false">
        <path d="m4 8.5 2.5 2.5L12 5.5" fill="none" stroke="currentColor" strokeWidth="2" strokeLinecap="round" strokeLinejoin="round" />
      </svg>
      Verified
    </span>
  ) : (
    <span className="badge badge--muted">Not verified</span>
  );
}

/** Who is signed in: name, email, username, groups and subject. */
export function UserCard({ user }: { user: SessionUser }) {
  const name = displayName(user);
  return (
    <section className="card user-card" aria-label="Signed-in user">
      <div className="user-card__head">
        <span className="avatar" aria-hidden="true">
          {initials(name)}
        </span>
        <div className="user-card__id">
          <h2 className="user-card__name">{name}</h2>
          {user.email && (
            <p className="user-card__email">
              <span>{user.email}</span>
              {user.emailVerified !== undefined && <VerifiedBadge verified={user.emailVerified} />}
            </p>
          )}
        </div>
      </div>
      <dl className="facts">
        <div className="facts__row">
          <dt>Username</dt>
          <dd>{user.username ?? '—'}</dd>
        </div>
        <div className="facts__row">
          <dt>Groups</dt>
          <dd>
            {user.groups.length > 0 ? (
              <ul className="chips" aria-label="Groups">
                {user.groups.map((group) => (
                  <li key={group} className="chip">
                    {group}
                  </li>
                ))}
              </ul>
            ) : (
              <span className="muted">None</span>
            )}
          </dd>
        </div>
        <div className="facts__row">
          <dt>Subject (sub)</dt>
          <dd>
            <code className="mono break">{user.sub}</code>
          </dd>
        </div>
      </dl>
    </section>
  );
}
