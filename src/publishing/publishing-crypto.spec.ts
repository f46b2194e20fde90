import { randomBytes } from 'node:crypto';
import { deriveKeys } from './keys';
import { MediaTokens } from './media-tokens';
import { TokenCipher } from './token-cipher';

describe('token cipher (AES-256-GCM)', () => {
  const keys = deriveKeys(randomBytes(32));
  const cipher = new TokenCipher(keys.tokens);

  it('round-trips a token and never stores it readable; each sealing differs', () => {
    const token = 'act.example12345Example12345Example';
    const a = cipher.encrypt(token, 'acc-1:access');
    const b = cipher.encrypt(token, 'acc-1:access');
    expect(a).not.toContain(token);
    expect(a).not.toBe(b);
    expect(a).toMatch(/^v1\.[\w-]+\.[\w-]+\.[\w-]+$/);
    expect(cipher.decrypt(a, 'acc-1:access')).toBe(token);
  });

  it('refuses another row or column, a flipped bit, another key', () => {
    const sealed = cipher.encrypt('rft.secret-refresh-token', 'acc-1:refresh');
    expect(() => cipher.decrypt(sealed, 'acc-2:refresh')).toThrow();
    expect(() => cipher.decrypt(sealed, 'acc-1:access')).toThrow();
    const parts = sealed.split('.');
    const body = Buffer.from(parts[2], 'base64url');
    body[0] ^= 1;
    expect(() =>
      cipher.decrypt([parts[0], parts[1], body.toString('base64url'), parts[3]].join('.'), 'acc-1:refresh'),
    ).toThrow();
    expect(() => new TokenCipher(deriveKeys(randomBytes(32)).tokens).decrypt(sealed, 'acc-1:refresh')).toThrow();
    expect(() => cipher.decrypt('plain-text', 'acc-1:refresh')).toThrow('not a sealed token');
  });

  it('derives distinct keys for tokens and image URLs, the same from the same master', () => {
    const master = randomBytes(32);
    expect(deriveKeys(master).tokens.equals(deriveKeys(master).media)).toBe(false);
    expect(deriveKeys(master).tokens.equals(deriveKeys(master).tokens)).toBe(true);
    expect(deriveKeys(master).tokens.equals(master)).toBe(false);
  });
});

describe('media tokens (signed, expiring image URLs)', () => {
  const postId = '3f2b1c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d';
  let now = 1_800_000_000_000;
  const tokens = new MediaTokens(deriveKeys(randomBytes(32)).media, () => now);

  it('grants exactly the signed post and slide until the expiry, then answers expired', () => {
    const t = tokens.sign(postId, 3, 600);
    expect(tokens.verify(t)).toEqual({ ok: true, grant: { postId, index: 3, expiresAt: now / 1000 + 600 } });
    now += 599_000;
    expect(tokens.verify(t).ok).toBe(true);
    now += 1000;
    expect(tokens.verify(t)).toEqual({ ok: false, reason: 'expired' });
  });

  it('refuses any change: another slide, a later expiry, another post, another key, a non-canonical signature', () => {
    now = 1_800_000_000_000;
    const t = tokens.sign(postId, 1, 600);
    const [id, index, exp, sig] = t.split('.');
    expect(tokens.verify([id, '2', exp, sig].join('.')).ok).toBe(false);
    expect(tokens.verify([id, index, String(Number(exp) + 3600), sig].join('.')).ok).toBe(false);
    expect(tokens.verify([postId.replace('3f', '4f'), index, exp, sig].join('.')).ok).toBe(false);
    expect(new MediaTokens(deriveKeys(randomBytes(32)).media, () => now).verify(t).ok).toBe(false);
    // The last base64url character of a 32-byte digest carries 2 unused bits: other spellings of it decode alike.
    const last = sig[sig.length - 1];
    const alias = 'AEIMQUYcgkosw048'.includes(last) ? String.fromCharCode(last.charCodeAt(0) + 1) : null;
    if (alias)
      expect(tokens.verify([id, index, exp, sig.slice(0, -1) + alias].join('.'))).toEqual({
        ok: false,
        reason: 'invalid',
      });
    for (const junk of ['', 'x', `${t}.extra`, t.toUpperCase(), '../../etc/passwd'])
      expect(tokens.verify(junk).ok).toBe(false);
  });
});
