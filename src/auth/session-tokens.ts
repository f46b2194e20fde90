import { createHash, createHmac, randomBytes, scryptSync, timingSafeEqual } from 'node:crypto';

export const SESSION_COOKIE = 'studio_session';
export const SESSION_TTL_MS = 12 * 60 * 60 * 1000;

/** Fixed salt: every API process must derive the same key from the same password (no shared state needed). */
const KEY_SALT = 'slideshow-studio/session-key/v1';

/**
 * Compares two secrets in constant time: both sides are hashed to fixed-length SHA-256 digests first, so
 * neither the content nor the length of the right answer leaks through timing.
 */
export function constantTimeEqual(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given, 'utf8').digest();
  const b = createHash('sha256').update(expected, 'utf8').digest();
  return timingSafeEqual(a, b);
}

interface SessionPayload {
  v: 1;
  /** expiry, ms since epoch */
  exp: number;
  /** random, so two sessions never share a token */
  n: string;
}

/**
 * Stateless session tokens: `base64url(payload).base64url(HMAC-SHA256(key, payload))`.
 *
 * The key is scrypt(ADMIN_PASSWORD): every API process (on any machine) agrees without sharing a secret
 * file, changing the password logs every session out, and scrypt makes a stolen cookie a poor starting
 * point for guessing the password offline (each guess costs a 16 MiB scrypt, not one HMAC).
 */
export class SessionTokens {
  private readonly key: Buffer;

  constructor(
    password: string,
    private readonly ttlMs = SESSION_TTL_MS,
    private readonly now: () => number = Date.now,
  ) {
    this.key = scryptSync(password, KEY_SALT, 32, { N: 2 ** 14, r: 8, p: 1 });
  }

  issue(): string {
    const payload: SessionPayload = { v: 1, exp: this.now() + this.ttlMs, n: randomBytes(12).toString('base64url') };
    const body = Buffer.from(JSON.stringify(payload)).toString('base64url');
    return `${body}.${this.sign(body).toString('base64url')}`;
  }

  verify(token: string | undefined): boolean {
    if (!token || token.length > 512) return false;
    const [body, sig, extra] = token.split('.');
    if (!body || !sig || extra !== undefined) return false;
    const given = Buffer.from(sig, 'base64url');
    // Only the canonical encoding counts: base64url's last character carries unused bits, and a decoder
    // that ignores them would accept several spellings of one signature.
    if (given.toString('base64url') !== sig) return false;
    const expected = this.sign(body);
    // The digest length is public (32 bytes); only equal-length buffers reach the constant-time compare.
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return false;
    try {
      const payload = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as Partial<SessionPayload>;
      return payload.v === 1 && typeof payload.exp === 'number' && payload.exp > this.now();
    } catch {
      return false;
    }
  }

  private sign(body: string): Buffer {
    return createHmac('sha256', this.key).update(body).digest();
  }
}

/** The value of one cookie from a Cookie header (no cookie-parser needed for one name). */
export function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const i = part.indexOf('=');
    if (i > 0 && part.slice(0, i).trim() === name) return part.slice(i + 1).trim();
  }
  return undefined;
}
