import { useNow } from '../../../hooks/use-now';
import { formatMmSs } from '../../../lib/format';

/** At or below this many seconds the countdown says the token refreshes automatically. */
export const NEAR_EXPIRY_SECONDS = 10;

/** Coarse wording for screen readers: changes at most once a minute, not every tick. */
function spokenRemaining(seconds: number): string {
  if (seconds <= NEAR_EXPIRY_SECONDS) return 'The access token is about to expire and refreshes automatically.';
  const minutes = Math.ceil(seconds / 60);
  return `The access token is valid for about ${minutes} ${minutes === 1 ? 'minute' : 'minutes'}.`;
}

/** The access token's remaining lifetime, ticking every second. */
export function AccessTokenCountdown({ expiresAt }: { expiresAt: number }) {
  const now = useNow(1000);
  const remaining = Math.max(0, Math.ceil(expiresAt - now / 1000));
  const near = remaining <= NEAR_EXPIRY_SECONDS;
  return (
    <div className="countdown">
      {/* role="timer" is not live by default: the visible ticks are not announced. */}
      <span role="timer" aria-label="Access token remaining lifetime" className={`countdown__value${near ? ' countdown__value--near' : ''}`}>
        {formatMmSs(remaining)}
      </span>
      {near && <span className="countdown__note">refreshes automatically</span>}
      <p className="sr-only" aria-live="polite">
        {spokenRemaining(remaining)}
      </p>
    </div>
  );
}
