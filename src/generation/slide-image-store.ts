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
        await this.put(k, image);
        return { image, made: true };
      },
      { ttlMs: this.lockTtlMs, onWait },
    );
  }

  /**
   * Several images made together (one Gemini batch job): the cached ones are read, the rest are made by
   * one `makeMany` call under one lock named `group`, so a second worker waits and reads instead of paying
   * again. `makeMany` gets the missing keys and returns their images in the same order.
   */
  async getOrCreateMany(
    keys: SlideImageKey[],
    group: string,
    makeMany: (missing: SlideImageKey[]) => Promise<Buffer[]>,
    onWait?: () => Promise<void>,
  ): Promise<Buffer[]> {
    const read = () => Promise.all(keys.map((k) => readIfExists(this.pathFor(k))));
    const cached = await read();
    if (cached.every(Boolean)) return cached as Buffer[];
    return withRedisLock(
      this.redis,
      `${this.keyPrefix}:lock:imgs:${group}`,
      async () => {
        const again = await read();
        const missing = keys.filter((_, i) => !again[i]);
        if (!missing.length) return again as Buffer[];
        const made = await makeMany(missing);
        await Promise.all(missing.map((k, i) => this.put(k, made[i])));
        return keys.map((k, i) => again[i] ?? made[missing.indexOf(k)]);
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

  /** How many images of a link are made (and paid for): what the refined estimate subtracts. */
  async countMade(linkId: string): Promise<number> {
    const dir = path.join(this.dataDir, 'work', linkId);
    const variants = await fs.readdir(dir).catch(() => [] as string[]);
    let n = 0;
    for (const v of variants) {
      n += (await fs.readdir(path.join(dir, v)).catch(() => [] as string[])).filter((f) => f.endsWith('.img')).length;
    }
    return n;
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
