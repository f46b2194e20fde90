import sharp from 'sharp';

/** TikTok photo limits (Content Posting API, photo posts): JPEG or WebP, at most 1080p, at most 35 images. */
export const MAX_WIDTH = 1080;
export const MAX_HEIGHT = 1920;
export const MAX_PHOTOS = 35;

/** The slide images of a delivered variation, in order (01.jpg, 02.jpg…); audio and video are not photos. */
export function slideFiles(files: { name: string }[] | null | undefined): string[] {
  return (files ?? [])
    .map((f) => f.name)
    .filter((n) => /^\d{1,3}\.jpe?g$/i.test(n))
    .sort((a, b) => parseInt(a, 10) - parseInt(b, 10));
}

/** The address TikTok pulls image `index` of a post from. */
export function mediaUrl(publicBaseUrl: string, token: string): string {
  return `${publicBaseUrl}/api/tiktok/media/${token}.jpg`;
}

/**
 * The bytes TikTok may take: a JPEG no wider than 1080 px and no taller than 1920 px. Slides are made that
 * way already and pass through untouched; anything else (a wider export, a PNG) is resized and re-encoded.
 */
export async function asTikTokJpeg(input: Buffer): Promise<Buffer> {
  const meta = await sharp(input).metadata();
  if (meta.format === 'jpeg' && (meta.width ?? 0) <= MAX_WIDTH && (meta.height ?? 0) <= MAX_HEIGHT) return input;
  return sharp(input)
    .rotate()
    .resize({ width: MAX_WIDTH, height: MAX_HEIGHT, fit: 'inside', withoutEnlargement: true })
    .jpeg({ quality: 90, mozjpeg: true })
    .toBuffer();
}
