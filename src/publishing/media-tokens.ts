import { createHmac, timingSafeEqual } from 'node:crypto';

/** What an image URL grants: slide `index` (0-based) of post `postId`'s variation until `expiresAt` (epoch s). */
export interface MediaGrant {
  postId: string;
  index: number;
  expiresAt: number;
}

export type MediaCheck = { ok: true; grant: MediaGrant } | { ok: false; reason: 'invalid' | 'expired' };

const TOKEN_RE = /^([0-9a-f-]{36})\.(\d{1,2})\.(\d{10})\.([A-Za-z0-9_-]{43})$/;

/**
 * The unguessable, expiring names under which TikTok pulls a post's images (PULL_FROM_URL):
 * `<postId>.<index>.<expiry>.<HMAC-SHA256>`. Nothing is stored: the signature is the permission, checked in
 * constant time; after the expiry the URL answers 410 whoever asks.
 */
export class MediaTokens {
  constructor(
    private readonly key: Buffer,
    private readonly now: () => number = Date.now,
  ) {}

  sign(postId: string, index: number, ttlSeconds: number): string {
    const expiresAt = Math.floor(this.now() / 1000) + ttlSeconds;
    return `${postId}.${index}.${expiresAt}.${this.mac(postId, index, expiresAt).toString('base64url')}`;
  }

  verify(token: string): MediaCheck {
    const m = TOKEN_RE.exec(token);
    if (!m) return { ok: false, reason: 'invalid' };
    const [, postId, index, expiresAt, sig] = m;
    const given = Buffer.from(sig, 'base64url');
    // Only the canonical spelling counts (base64url's last character carries unused bits).
    if (given.toString('base64url') !== sig) return { ok: false, reason: 'invalid' };
    const expected = this.mac(postId, Number(index), Number(expiresAt));
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false, reason: 'invalid' };
    if (Number(expiresAt) * 1000 <= this.now()) return { ok: false, reason: 'expired' };
    return { ok: true, grant: { postId, index: Number(index), expiresAt: Number(expiresAt) } };
  }

  private mac(postId: string, index: number, expiresAt: number): Buffer {
    return createHmac('sha256', this.key).update(`tiktok-media:v1:${postId}:${index}:${expiresAt}`).digest();
  }
}
