import { signIn } from '@app/react';
import { useState } from 'react';
import { readAuthError, withoutAuthError } from '../lib/auth-error';
import { AuthErrorMessage } from './auth-error-message';

function dropAuthErrorFromUrl(): void {
  const { pathname, search, hash } = window.location;
  window.history.replaceState(window.history.state, '', `${pathname}${withoutAuthError(search)}${hash}`);
}

/** The page to come back to after sign-in: this one, without a stale `authError`. */
export function returnToFor(location: Pick<Location, 'pathname' | 'search'>): string {
  return `${location.pathname}${withoutAuthError(location.search)}`;
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
        <div className="signin__form">
          <button type="button" className="button button--primary button--large" onClick={() => signIn({ returnTo: returnToFor(window.location) })}>
            Sign in
          </button>
        </div>
        <ul className="points" aria-label="How it works">
          {POINTS.map((point) => (
            <li key={point}>{point}</li>
          ))}
        </ul>
      </div>
    </div>
  );
}
