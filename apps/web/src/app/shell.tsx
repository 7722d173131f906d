import type { ReactNode } from 'react';

/** Page frame: skip link, header with the product name and actions, main, footer. */
export function Shell({ actions, children }: { actions?: ReactNode; children: ReactNode }) {
  return (
    <>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="header">
        <div className="header__inner">
          <span className="brand">
            <svg className="brand__logo" viewBox="0 0 32 32" aria-hidden="true" focusable="false">
              <rect width="32" height="32" rx="8" fill="currentColor" />
              <path d="M16 6l8 3v6c0 5-3.4 9.4-8 11-4.6-1.6-8-6-8-11V9z" fill="var(--color-surface)" />
            </svg>
            Cognito BFF
          </span>
          {actions}
        </div>
      </header>
      <main id="main" className="main" tabIndex={-1}>
        {children}
      </main>
      <footer className="footer">
        <p>Tokens live on the server. Your browser holds one HttpOnly cookie.</p>
      </footer>
    </>
  );
}
