import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import sharp from 'sharp';

/** Thumbnail width: sharp on a phone's 2× screen at the card's ~135 px, a tenth of a full slide's bytes. */
export const THUMB_WIDTH = 270;
const ID_RE = /^[0-9a-f-]{36}$/;
const FILE_RE = /^\d{2}\.webp$/;

/**
 * Small WebP thumbnails of delivered slides, made once when the slide is written and kept in DATA_DIR
 * (not in the output folder, which is what the user downloads or finds on Drive). The results page shows
 * these; the full JPEG opens on click.
 */
export class SlideThumbnails {
  constructor(private readonly dataDir: string) {}

  private dir(batchId: string, variationId: string): string {
    if (!ID_RE.test(batchId) || !ID_RE.test(variationId)) throw new Error('thumbnail ids must be UUIDs');
    return path.join(this.dataDir, 'thumbs', batchId, variationId);
  }

  static fileName(slideIndex: number): string {
    return `${String(slideIndex + 1).padStart(2, '0')}.webp`;
  }

  static url(batchId: string, variationId: string, slideIndex: number): string {
    return `/api/batch/${batchId}/thumbs/${variationId}/${SlideThumbnails.fileName(slideIndex)}`;
  }

  /** Writes the thumbnail of one slide (replacing an older one) and returns its URL. */
  async write(batchId: string, variationId: string, slideIndex: number, jpeg: Buffer): Promise<string> {
    const dir = this.dir(batchId, variationId);
    await fs.mkdir(dir, { recursive: true });
    const file = path.join(dir, SlideThumbnails.fileName(slideIndex));
    const tmp = `${file}.${process.pid}.tmp`;
    await sharp(jpeg).resize({ width: THUMB_WIDTH }).webp({ quality: 72 }).toFile(tmp);
    await fs.rename(tmp, file);
    return SlideThumbnails.url(batchId, variationId, slideIndex);
  }

  /** The path of a stored thumbnail, or null when the names are not ours or it does not exist. */
  async path(batchId: string, variationId: string, file: string): Promise<string | null> {
    if (!ID_RE.test(batchId) || !ID_RE.test(variationId) || !FILE_RE.test(file)) return null;
    const p = path.join(this.dir(batchId, variationId), file);
    return (await fs.stat(p).catch(() => null))?.isFile() ? p : null;
  }

  async removeBatch(batchId: string): Promise<void> {
    if (!ID_RE.test(batchId)) return;
    await fs.rm(path.join(this.dataDir, 'thumbs', batchId), { recursive: true, force: true });
  }
}
