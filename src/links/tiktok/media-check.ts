import sharp from 'sharp';
import { PermanentError } from '../../common/errors';

/**
 * Checks downloaded bytes by their content, never by URL or Content-Type (TikTok's CDN labels M4A as
 * .mp3 and serves WebP from .jpeg URLs).
 */

export const MIN_IMAGE_SIDE = 100;

export interface ImageCheck {
  ext: string;
  mime: string;
  width: number;
  height: number;
}

const IMAGE_FORMATS: Record<string, { ext: string; mime: string }> = {
  jpeg: { ext: 'jpg', mime: 'image/jpeg' },
  png: { ext: 'png', mime: 'image/png' },
  webp: { ext: 'webp', mime: 'image/webp' },
  gif: { ext: 'gif', mime: 'image/gif' },
};

/** Decodes the image with sharp: rejects non-images, formats we cannot use, and images under 100 px. */
export async function inspectImage(body: Buffer): Promise<ImageCheck> {
  let meta: sharp.Metadata;
  try {
    meta = await sharp(body).metadata();
  } catch {
    throw new PermanentError('fetch', 'downloaded file is not an image', 'bad_image');
  }
  const format =
    meta.format === 'heif'
      ? meta.compression === 'av1'
        ? { ext: 'avif', mime: 'image/avif' }
        : { ext: 'heic', mime: 'image/heic' }
      : IMAGE_FORMATS[meta.format ?? ''];
  if (!format) throw new PermanentError('fetch', `unsupported image format "${meta.format}"`, 'bad_image');
  const width = meta.autoOrient?.width ?? meta.width ?? 0;
  const height = meta.autoOrient?.height ?? meta.height ?? 0;
  if (width < MIN_IMAGE_SIDE || height < MIN_IMAGE_SIDE) {
    throw new PermanentError(
      'fetch',
      `image is ${width}×${height}, under the ${MIN_IMAGE_SIDE} px minimum`,
      'image_too_small',
    );
  }
  try {
    // A header can lie; decoding a small version proves the pixels are there.
    await sharp(body).resize(32, 32, { fit: 'inside' }).raw().toBuffer();
  } catch {
    throw new PermanentError('fetch', 'downloaded image does not decode (truncated or corrupt)', 'bad_image');
  }
  return { ...format, width, height };
}

export interface AudioCheck {
  ext: string;
  mime: string;
}

/** The real audio container from the first bytes; throws for anything that is not audio we know. */
export function detectAudio(b: Buffer): AudioCheck {
  if (b.length >= 12 && b.toString('latin1', 4, 8) === 'ftyp') return { ext: 'm4a', mime: 'audio/mp4' };
  if (b.length >= 3 && b.toString('latin1', 0, 3) === 'ID3') return { ext: 'mp3', mime: 'audio/mpeg' };
  if (b.length >= 4 && b.toString('latin1', 0, 4) === 'OggS') return { ext: 'ogg', mime: 'audio/ogg' };
  if (b.length >= 12 && b.toString('latin1', 0, 4) === 'RIFF' && b.toString('latin1', 8, 12) === 'WAVE') {
    return { ext: 'wav', mime: 'audio/wav' };
  }
  if (b.length >= 2 && b[0] === 0xff && (b[1] & 0xe0) === 0xe0) {
    // Frame sync: layer bits 00 is AAC in ADTS, anything else is an MPEG audio (MP3) frame.
    return (b[1] & 0x06) === 0 ? { ext: 'aac', mime: 'audio/aac' } : { ext: 'mp3', mime: 'audio/mpeg' };
  }
  throw new PermanentError('fetch', 'downloaded audio is not a known audio format', 'bad_audio');
}
