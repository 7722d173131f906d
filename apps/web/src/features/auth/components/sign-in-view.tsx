import { useState } from 'react';
import { readAuthError, withoutAuthError } from '../lib/auth-error';
import { LOGIN_PATH, returnToFor } from '../lib/login-url';
import { AuthErrorMessage } from './auth-error-message';

function dropAuthErrorFromUrl(): void {
  const { pathname, search, hash } = window.location;
  window.history.replaceState(window.history.state, '', `${pathname}${withoutAuthError(search)}${hash}`);
}

const POINTS = [
  'Your tokens never reach the browser: they stay encrypted on the server.',
  'Access tokens are refreshed before they expire, once, however many tabs ask.',
  'Every API call goes through the BFF, which adds the bearer token for you.',
];

/** Signed out: what this is, why sign-in failed (if it did), and the Sign in button. */
export function SignInView() {
  const [authError, setAuthError] = useState(() => readAuthError(window.location.search));
  const dismiss = () => {
    dropAuthErrorFromUrl();
    setAuthError(null);
  };

  return (
    <div className="signin">
      <div className="card signin__card">
        <p className="eyebrow">Cognito BFF</p>
        <h1 className="signin__title">Sign in to continue</h1>
        <p className="lead">
          A backend-for-frontend for Amazon Cognito: the server keeps your session and tokens, and this page talks to your
          API through it.
        </p>
        {authError && <AuthErrorMessage code={authError} onDismiss={dismiss} />}
        {/* A GET form: a real button that works before JavaScript and sends returnTo as a query parameter. */}
        <form method="get" action={LOGIN_PATH} className="signin__form">
          <input type="hidden" name="returnTo" value={returnToFor(window.location)} />
          <button type="submit" className="button button--primary button--large">
            Sign in
          </button>
        </form>
        <ul className="points" aria-label="How it works">
          {POINTS.map((point) => (
            <li key={point}>{point}</li>
          ))}
        </ul>
      </div>
    </div>
  );
}
