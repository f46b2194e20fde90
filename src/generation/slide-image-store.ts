import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import type Redis from 'ioredis';
import { withRedisLock } from '../common/redis-lock';

export interface SlideImageKey {
  linkId: string;
  slideIndex: number;
  photoIndex: number;
  /** Only when the generator draws the text itself: then the image belongs to one (p, t). */
  textIndex?: number;
}

/**
 * Text-free slide images, persisted under DATA_DIR the moment they are made, so a paid image is never
 * made twice: not by a retried variation (the file is there) and not by two variations of the same photo
 * variant running at once on different workers (a Redis lock per image; the second waits and reads).
 */
export class SlideImageStore {
  constructor(
    private readonly dataDir: string,
    private readonly redis: Redis,
    private readonly keyPrefix: string,
    /** The per-image lock's lifetime (renewed while its maker lives): a killed worker's lock frees this soon. */
    private readonly lockTtlMs = 120_000,
  ) {}

  pathFor(k: SlideImageKey): string {
    const variant = k.textIndex === undefined ? `p${k.photoIndex}` : `p${k.photoIndex}-t${k.textIndex}`;
    return path.join(this.dataDir, 'work', k.linkId, variant, `slide_${String(k.slideIndex + 1).padStart(2, '0')}.img`);
  }

  async getOrCreate(
    k: SlideImageKey,
    make: () => Promise<Buffer>,
    onWait?: () => Promise<void>,
  ): Promise<{ image: Buffer; made: boolean }> {
    const file = this.pathFor(k);
    const cached = await readIfExists(file);
    if (cached) return { image: cached, made: false };
    const lockKey = `${this.keyPrefix}:lock:img:${k.linkId}:${k.slideIndex}:${k.photoIndex}:${k.textIndex ?? ''}`;
    return withRedisLock(
      this.redis,
      lockKey,
      async () => {
        const again = await readIfExists(file);
        if (again) return { image: again, made: false };
        const image = await make();
        await fs.mkdir(path.dirname(file), { recursive: true });
        const tmp = `${file}.${process.pid}.tmp`;
        await fs.writeFile(tmp, image);
        await fs.rename(tmp, file);
        return { image, made: true };
      },
      { ttlMs: this.lockTtlMs, onWait },
    );
  }

  /** Stores a new image over the old one (a slide the user had made again); readers see one or the other whole. */
  async put(k: SlideImageKey, image: Buffer): Promise<void> {
    const file = this.pathFor(k);
    await fs.mkdir(path.dirname(file), { recursive: true });
    const tmp = `${file}.${process.pid}.tmp`;
    await fs.writeFile(tmp, image);
    await fs.rename(tmp, file);
  }

  async removeLink(linkId: string): Promise<void> {
    await fs.rm(path.join(this.dataDir, 'work', linkId), { recursive: true, force: true });
  }
}

async function readIfExists(file: string): Promise<Buffer | null> {
  try {
    return await fs.readFile(file);
  } catch {
    return null;
  }
}
