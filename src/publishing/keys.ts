import { hkdfSync } from 'node:crypto';

/**
 * Two independent keys from TOKEN_ENCRYPTION_KEY (HKDF-SHA256, distinct labels): one encrypts the stored
 * TikTok tokens, the other signs the image URLs TikTok pulls. Knowing an image URL's signature says nothing
 * about the token key, and no key is ever derived from anything but the configured one.
 */
export interface PublishingKeys {
  tokens: Buffer;
  media: Buffer;
}

export function deriveKeys(master: Buffer): PublishingKeys {
  const derive = (label: string) => Buffer.from(hkdfSync('sha256', master, 'slideshow-studio/publishing', label, 32));
  return { tokens: derive('tiktok-token-encryption/v1'), media: derive('tiktok-media-urls/v1') };
}
