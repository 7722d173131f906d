import signature from 'cookie-signature';
import { describe, expect, it } from 'vitest';
import { readSignedSessionId } from './cookie.js';

const ring = ['current-secret-'.padEnd(40, 'x'), 'previous-secret-'.padEnd(40, 'y')];
/** A cookie value as express-session writes it: `s:<sid>.<hmac>`, URI-encoded. */
const signed = (sid: string, secret = ring[0]!) => encodeURIComponent(`s:${signature.sign(sid, secret)}`);

describe('reading the signed session cookie', () => {
  it('reads the sid of a URI-encoded express-session cookie, the same from its cache, among other cookies', () => {
    const header = `theme=dark; bff.sid=${signed('sid-1')}; other=1`;
    expect(readSignedSessionId(header, 'bff.sid', ring)).toEqual({ sid: 'sid-1', current: true });
    expect(readSignedSessionId(header, 'bff.sid', ring)).toEqual({ sid: 'sid-1', current: true });
    expect(readSignedSessionId(`bff.sid=${signed('sid-2', ring[1])}`, 'bff.sid', ring)).toEqual({ sid: 'sid-2', current: false });
  });

  it('takes the first cookie of the name, as cookie.parse does, and only that name', () => {
    expect(readSignedSessionId(`bff.sid=forged; bff.sid=${signed('sid-3')}`, 'bff.sid', ring)).toBeUndefined();
    expect(readSignedSessionId(`bff.sid=${signed('sid-3')}; bff.sid=forged`, 'bff.sid', ring)?.sid).toBe('sid-3');
    expect(readSignedSessionId(`xbff.sid=${signed('sid-4')}`, 'bff.sid', ring)).toBeUndefined();
    expect(readSignedSessionId(` bff.sid = ${signed('sid-5')} `, 'bff.sid', ring)?.sid).toBe('sid-5');
  });

  it('refuses a wrong signature, a value that is not s:…, broken URI encoding and unknown secrets', () => {
    const good = signed('sid-6');
    expect(readSignedSessionId(`bff.sid=${good.slice(0, -2)}xx`, 'bff.sid', ring)).toBeUndefined();
    expect(readSignedSessionId(`bff.sid=${encodeURIComponent(signature.sign('sid-6', ring[0]!))}`, 'bff.sid', ring)).toBeUndefined();
    expect(readSignedSessionId(`bff.sid=s%3Asid-6.%ZZ`, 'bff.sid', ring)).toBeUndefined();
    expect(readSignedSessionId(`bff.sid=${signed('sid-6', 'another-secret'.padEnd(40, 'z'))}`, 'bff.sid', ring)).toBeUndefined();
    // verified under one ring, not under a ring without its secret
    expect(readSignedSessionId(`bff.sid=${signed('sid-7', ring[1])}`, 'bff.sid', [ring[0]!])).toBeUndefined();
  });
});
