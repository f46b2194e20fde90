import { createHash } from 'node:crypto';
import sharp from 'sharp';

export class ImageRejected extends Error {}

export interface CheckedImage {
  bytes: Buffer;
  extension: 'jpg' | 'png';
  mimeType: 'image/jpeg' | 'image/png';
  width: number;
  height: number;
  sha256: string;
}

/** Magic numbers of the formats accepted; the name and the declared type are never trusted. */
function sniff(buf: Buffer): 'jpeg' | 'png' | 'webp' | null {
  if (buf.length >= 3 && buf[0] === 0xff && buf[1] === 0xd8 && buf[2] === 0xff) return 'jpeg';
  if (buf.length >= 8 && buf.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])))
    return 'png';
  if (buf.length >= 12 && buf.toString('latin1', 0, 4) === 'RIFF' && buf.toString('latin1', 8, 12) === 'WEBP')
    return 'webp';
  return null;
}

/**
 * Accepts a JPEG, PNG or WebP by its bytes, decodes it fully (a fake or truncated image fails here), and
 * re-encodes it: EXIF orientation applied, every metadata block dropped, trailing bytes of a polyglot
 * gone. Transparent images stay PNG so a cut-out product keeps its edges on the product slide.
 */
export async function checkImage(
  buf: Buffer,
  options: { minSide?: number; maxPixels?: number } = {},
): Promise<CheckedImage> {
  const kind = sniff(buf);
  if (!kind)
    throw new ImageRejected('the file is not a JPEG, PNG or WebP image (checked by its content, not its name)');
  const minSide = options.minSide ?? 100;
  try {
    const img = sharp(buf, { failOn: 'error', limitInputPixels: options.maxPixels ?? 50_000_000 });
    const meta = await img.metadata();
    if (meta.format !== kind && !(kind === 'jpeg' && meta.format === 'jpeg'))
      throw new ImageRejected(`the file claims to be ${kind} but decodes as ${meta.format}`);
    const rotated = img.rotate();
    const alpha = meta.hasAlpha === true;
    const out = alpha
      ? await rotated.png({ compressionLevel: 8 }).toBuffer({ resolveWithObject: true })
      : await rotated.jpeg({ quality: 92, mozjpeg: true }).toBuffer({ resolveWithObject: true });
    const { width, height } = out.info;
    if (Math.min(width, height) < minSide)
      throw new ImageRejected(`the image is ${width}×${height}; at least ${minSide} px on each side is needed`);
    return {
      bytes: out.data,
      extension: alpha ? 'png' : 'jpg',
      mimeType: alpha ? 'image/png' : 'image/jpeg',
      width,
      height,
      sha256: createHash('sha256').update(out.data).digest('hex'),
    };
  } catch (e) {
    if (e instanceof ImageRejected) throw e;
    throw new ImageRejected(`the image could not be decoded (${(e as Error).message.split('\n')[0]})`);
  }
}
