import type { ReactNode } from 'react';

/** A problem the user can act on: announced at once (role="alert"), with an optional Retry. */
export function AlertBanner(props: {
  title: string;
  children: ReactNode;
  onRetry?: () => void;
  retrying?: boolean;
  onDismiss?: () => void;
  tone?: 'warning' | 'danger';
}) {
  const { title, children, onRetry, retrying = false, onDismiss, tone = 'warning' } = props;
  return (
    <div role="alert" className={`banner banner--${tone}`}>
      <svg className="banner__icon" viewBox="0 0 24 24" aria-hidden="true" focusable="false">
        <path d="M12 3 2 21h20L12 3Zm0 6v5m0 3.5v.5" fill="none" stroke="currentColor" strokeWidth="2" strokeLinecap="round" strokeLinejoin="round" />
      </svg>
      <div className="banner__body">
        <p className="banner__title">{title}</p>
        <div className="banner__text">{children}</div>
      </div>
      <div className="banner__actions">
        {onRetry && (
          // aria-disabled rather than disabled: the button keeps keyboard focus while the retry runs.
          <button
            type="button"
            className="button button--secondary"
            onClick={retrying ? undefined : onRetry}
            aria-disabled={retrying}
            aria-busy={retrying}
          >
            Retry
          </button>
        )}
        {onDismiss && (
          <button type="button" className="button button--ghost" onClick={onDismiss}>
            Dismiss
          </button>
        )}
      </div>
    </div>
  );
}
