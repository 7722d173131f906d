import { describe, expect, it } from 'vitest';
import { authErrorMessage, readAuthError, UNKNOWN_AUTH_ERROR, withoutAuthError } from './auth-error';
import { returnToFor } from '../components/sign-in-view';

describe('authError', () => {
  const codes = ['access_denied', 'invalid_callback', 'idp_unavailable', 'session_store_unavailable', 'login_failed'];

  it('has its own message for each known code and a fallback for the rest', () => {
    const fallback = authErrorMessage('something_else');
    const messages = codes.map(authErrorMessage);
    expect(new Set([...messages, fallback]).size).toBe(codes.length + 1);
    expect(authErrorMessage('toString')).toBe(fallback);
  });

  it('is read from and removed from a query string', () => {
    expect(readAuthError('?authError=access_denied&x=1')).toBe('access_denied');
    expect(readAuthError('?x=1')).toBeNull();
    expect(withoutAuthError('?authError=access_denied&x=1')).toBe('?x=1');
    expect(withoutAuthError('?authError=access_denied')).toBe('');
  });

  it('is never read as a code the contract does not have', () => {
    expect(readAuthError('?authError=weird_code')).toBe(UNKNOWN_AUTH_ERROR);
    expect(readAuthError('?authError=toString')).toBe(UNKNOWN_AUTH_ERROR);
    expect(readAuthError('?authError=')).toBeNull();
    expect(authErrorMessage(UNKNOWN_AUTH_ERROR)).toBe(authErrorMessage('something_else'));
  });
});

describe('returnTo', () => {
  it('is the current path and query without authError', () => {
    expect(returnToFor({ pathname: '/reports', search: '?page=2&authError=login_failed' })).toBe('/reports?page=2');
    expect(returnToFor({ pathname: '/', search: '?authError=x' })).toBe('/');
  });
});
