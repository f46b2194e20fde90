// The raw module object (not an ES namespace wrapper), so jest can spy on what the code calls.
import crypto = require('node:crypto');
import { failureDelayMs } from './login-throttle';
import { constantTimeEqual, readCookie, SessionTokens } from './session-tokens';

describe('constantTimeEqual', () => {
  afterEach(() => jest.restoreAllMocks());

  it('compares fixed-length digests with crypto.timingSafeEqual, whatever the input lengths', () => {
    const spy = jest.spyOn(crypto, 'timingSafeEqual');
    expect(constantTimeEqual('short', 'a much longer secret value')).toBe(false);
    expect(constantTimeEqual('same secret', 'same secret')).toBe(true);
    expect(constantTimeEqual('', 'x')).toBe(false);
    expect(spy).toHaveBeenCalledTimes(3);
    for (const [a, b] of spy.mock.calls) {
      expect((a as Buffer).length).toBe(32);
      expect((b as Buffer).length).toBe(32);
    }
  });
});

describe('SessionTokens', () => {
  const tokens = new SessionTokens('correct horse battery');

  it('accepts its own tokens, each one different', () => {
    const a = tokens.issue();
    const b = tokens.issue();
    expect(a).not.toBe(b);
    expect(tokens.verify(a)).toBe(true);
  });

  it('is shared by processes with the same password and refused by another password', () => {
    const t = tokens.issue();
    expect(new SessionTokens('correct horse battery').verify(t)).toBe(true);
    expect(new SessionTokens('another password!').verify(t)).toBe(false);
  });

  it('refuses tampered, truncated, foreign and expired tokens', () => {
    const t = tokens.issue();
    const [body, sig] = t.split('.');
    const payload = JSON.parse(Buffer.from(body, 'base64url').toString());
    const forged = Buffer.from(JSON.stringify({ ...payload, exp: payload.exp + 1e9 })).toString('base64url');
    for (const bad of [
      `${forged}.${sig}`,
      `${body}.${sig.slice(0, -2)}`,
      `${body}.`,
      body,
      `${t}.x`,
      '',
      'a.b',
      `${body}.${'A'.repeat(43)}`,
      'x'.repeat(600),
    ]) {
      expect(tokens.verify(bad)).toBe(false);
    }
    let now = Date.now();
    const short = new SessionTokens('correct horse battery', 1000, () => now);
    const expiring = short.issue();
    expect(short.verify(expiring)).toBe(true);
    now += 1001;
    expect(short.verify(expiring)).toBe(false);
  });

  it('accepts only the canonical spelling of a signature (base64url has unused low bits at the end)', () => {
    const token = tokens.issue();
    const [body, sig] = token.split('.');
    const bytes = Buffer.from(sig, 'base64url');
    // 32 bytes → 43 characters: the last one holds 4 signature bits and 2 unused ones. Every other
    // character there that decodes to the same bytes must be refused.
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const twins = [...alphabet]
      .map((c) => sig.slice(0, -1) + c)
      .filter((s) => s !== sig && Buffer.from(s, 'base64url').equals(bytes));
    expect(twins.length).toBe(3);
    for (const twin of twins) expect(tokens.verify(`${body}.${twin}`)).toBe(false);
    expect(tokens.verify(token)).toBe(true);
  });

  it('uses timingSafeEqual for the signature', () => {
    const spy = jest.spyOn(crypto, 'timingSafeEqual');
    tokens.verify(tokens.issue());
    expect(spy).toHaveBeenCalled();
    spy.mockRestore();
  });
});

describe('helpers', () => {
  it('reads one cookie from a Cookie header', () => {
    expect(readCookie('a=1; studio_session=abc.def; b=2', 'studio_session')).toBe('abc.def');
    expect(readCookie('xstudio_session=1', 'studio_session')).toBeUndefined();
    expect(readCookie(undefined, 'studio_session')).toBeUndefined();
  });

  it('waits longer after each wrong password, capped', () => {
    expect([1, 2, 3, 4, 5, 6, 10].map(failureDelayMs)).toEqual([100, 200, 400, 800, 1600, 3000, 3000]);
  });
});
