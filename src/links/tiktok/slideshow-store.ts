import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { Logger } from '@nestjs/common';
import type { AppConfig } from '../../config/config.schema';
import { PermanentError, TransientError, isTransient } from '../../common/errors';
import type { ParsedLink } from '../link-intake';
import type { FetchedSlideshow } from '../../pipeline/slideshow';
import { SafeFetcher, errorForStatus } from './safe-fetch';
import type { SlideshowPost } from './tiktok-page';
import { detectAudio, inspectImage } from './media-check';
import { slidesWithTextRead } from '../../generation/text-reader/source-text.service';

/**
 * Downloads a slideshow's files at once (CDN URLs are signed and expire) and keeps them in a per-post
 * cache, `<dataDir>/cache/tiktok/<postId>/`: slide_01.jpg… (original bytes, extension from the real
 * format), audio.mp3|m4a, and meta.json written last and atomically, so a meta.json means a complete set.
 * Shared by every source implementation (TikTok page, tikwm API).
 */

const CONCURRENCY = 4;
const POST_ID_RE = /^\d{1,32}$/;
const FILE_RE = /^(slide_\d{2,3}\.(jpg|png|webp|gif|heic|avif)|audio\.(mp3|m4a|aac|ogg|wav))$/;

interface MetaFile {
  version: 1;
  fetchedAt: string;
  postId: string;
  author?: string;
  caption: string;
  url: string;
  source: string;
  slides: { index: number; file: string; width: number; height: number; mime: string }[];
  audio?: { file: string; mime: string; title?: string; durationSec?: number };
}

export function postCacheDir(dataDir: string, postId: string): string {
  if (!POST_ID_RE.test(postId))
    throw new PermanentError('fetch', `invalid post id "${postId.slice(0, 40)}"`, 'invalid_url');
  return path.join(dataDir, 'cache', 'tiktok', postId);
}

/** Reads a post's meta.json whatever its age (the preview serves thumbnails from it); null if absent. */
export async function readCachedMeta(dataDir: string, postId: string): Promise<MetaFile | null> {
  if (!POST_ID_RE.test(postId)) return null;
  try {
    const meta = JSON.parse(
      await fs.readFile(path.join(postCacheDir(dataDir, postId), 'meta.json'), 'utf8'),
    ) as MetaFile;
    const files = [...meta.slides.map((s) => s.file), ...(meta.audio ? [meta.audio.file] : [])];
    // meta.json is ours, but a file name from disk still never reaches path.join unchecked.
    return meta.version === 1 && files.every((f) => FILE_RE.test(f)) ? meta : null;
  } catch {
    return null;
  }
}

/**
 * What the cache already holds for a post, read cheaply (meta.json and text.json, no hashing, whatever their
 * age: an expired copy is fetched again but its text, unchanged, is not read again): its slide count and how
 * many of its slides have their text read. Null when the post was never fetched. For the estimate.
 */
export async function cachedSourceState(
  dataDir: string,
  postId: string,
): Promise<{ slides: number; read: number } | null> {
  const meta = await readCachedMeta(dataDir, postId);
  if (!meta) return null;
  const read = await slidesWithTextRead(postCacheDir(dataDir, postId));
  return { slides: meta.slides.length, read: meta.slides.filter((s) => read.has(s.file)).length };
}

/** The cached image of slide `index` (0-based) of a post, for the preview thumbnails. */
export async function cachedSlideFile(
  dataDir: string,
  postId: string,
  index: number,
): Promise<{ path: string; mime: string } | null> {
  const meta = await readCachedMeta(dataDir, postId);
  const slide = meta?.slides.find((s) => s.index === index);
  if (!slide) return null;
  const file = path.join(postCacheDir(dataDir, postId), slide.file);
  return (await exists(file)) ? { path: file, mime: slide.mime } : null;
}

export class SlideshowStore {
  private readonly logger = new Logger(SlideshowStore.name);

  constructor(
    private readonly config: AppConfig,
    private readonly fetcher: SafeFetcher,
  ) {}

  /** A fresh, complete cached copy for this link (by post id, or by a short link seen before), or null. */
  async cached(link: ParsedLink): Promise<FetchedSlideshow | null> {
    const ttlMs = this.config.source.cacheTtlS * 1000;
    if (ttlMs <= 0) return null;
    const postId = link.postId ?? (link.shortCode ? await this.shortLinkTarget(link.shortCode) : null);
    if (!postId) return null;
    const meta = await readCachedMeta(this.config.dataDir, postId);
    if (!meta || Date.now() - Date.parse(meta.fetchedAt) > ttlMs) return null;
    const fetched = this.toFetched(meta, 'cache');
    const files = [...fetched.slides.map((s) => s.path), ...(fetched.audio ? [fetched.audio.path] : [])];
    for (const f of files) if (!(await exists(f))) return null;
    return fetched;
  }

  /** Remembers which post a short link led to, so a second fetch of it needs no request. */
  async rememberShortLink(shortCode: string, postId: string): Promise<void> {
    const file = this.shortLinkFile(shortCode);
    await fs.mkdir(path.dirname(file), { recursive: true });
    await writeAtomic(file, JSON.stringify({ postId, at: new Date().toISOString() }));
  }

  /** Downloads every slide and the audio (4 at a time), checks them, caches them, returns absolute paths. */
  async download(post: SlideshowPost, url: string, source: string, signal?: AbortSignal): Promise<FetchedSlideshow> {
    const min = this.config.source.minSlides;
    if (post.slides.length < min) {
      throw new PermanentError(
        'fetch',
        `the slideshow has ${post.slides.length} slide(s); at least ${min} are needed`,
        'too_few_slides',
      );
    }
    const dir = postCacheDir(this.config.dataDir, post.postId);
    await fs.mkdir(dir, { recursive: true });
    const stop = new AbortController();
    const taskSignal = signal ? AbortSignal.any([signal, stop.signal]) : stop.signal;
    const slideTasks = post.slides.map((slide, i) => async () => {
      const number = String(i + 1).padStart(2, '0');
      const got = await this.firstGood(
        slide.urls,
        `slide ${i + 1}`,
        taskSignal,
        'image/avif,image/webp,image/*,*/*;q=0.8',
        inspectImage,
      );
      const file = `slide_${number}.${got.check.ext}`;
      await writeAtomic(path.join(dir, file), got.body);
      return { index: i, file, width: got.check.width, height: got.check.height, mime: got.check.mime };
    });
    const audioTask = async (): Promise<MetaFile['audio']> => {
      if (!post.audio?.urls.length) return undefined;
      try {
        const got = await this.firstGood(post.audio.urls, 'audio', taskSignal, '*/*', async (b) => detectAudio(b));
        const file = `audio.${got.check.ext}`;
        await writeAtomic(path.join(dir, file), got.body);
        return { file, mime: got.check.mime, title: post.audio.title, durationSec: post.audio.durationSec };
      } catch (e) {
        // A retry may get the audio next time; an audio that is refused or unreadable will not change.
        if (isTransient(e) || taskSignal.aborted) throw e;
        this.logger.warn(`post ${post.postId}: no audio (${(e as Error).message})`);
        return undefined;
      }
    };
    const results = await runBounded<unknown>([audioTask, ...slideTasks], CONCURRENCY, stop);
    const meta: MetaFile = {
      version: 1,
      fetchedAt: new Date().toISOString(),
      postId: post.postId,
      author: post.author,
      caption: post.caption,
      url,
      source,
      slides: results.slice(1) as MetaFile['slides'],
      audio: results[0] as MetaFile['audio'],
    };
    await writeAtomic(path.join(dir, 'meta.json'), JSON.stringify(meta, null, 2));
    this.logger.log(
      `post ${post.postId}: cached ${meta.slides.length} slides${meta.audio ? ' + audio' : ''} from ${source}`,
    );
    return this.toFetched(meta, source);
  }

  /**
   * Tries each URL of a fallback chain in turn (a 403 on an expired signature moves to the next mirror).
   * When all fail, the error is transient if any failure was, so the queue re-fetches fresh signatures.
   */
  private async firstGood<C>(
    urls: string[],
    what: string,
    signal: AbortSignal,
    accept: string,
    check: (body: Buffer) => Promise<C>,
  ): Promise<{ body: Buffer; check: C }> {
    const errors: Error[] = [];
    for (const url of urls) {
      try {
        const res = await this.fetcher.get(url, { signal, accept });
        if (res.status !== 200) throw errorForStatus(res, what);
        return { body: res.body, check: await check(res.body) };
      } catch (e) {
        if (signal.aborted) throw e;
        errors.push(e as Error);
      }
    }
    if (errors.length === 0) throw new PermanentError('fetch', `${what} has no download URL`, 'no_media_url');
    const last = errors[errors.length - 1];
    const summary = `${what}: all ${urls.length} URL(s) failed (last: ${last.message})`;
    const transient = errors.find(isTransient) as TransientError | undefined;
    if (transient) throw new TransientError('fetch', summary, transient.retryAfterMs, 'download_failed');
    throw new PermanentError('fetch', summary, (last as PermanentError).code ?? 'download_failed');
  }

  private toFetched(meta: MetaFile, source: string): FetchedSlideshow {
    const dir = postCacheDir(this.config.dataDir, meta.postId);
    return {
      postId: meta.postId,
      author: meta.author,
      caption: meta.caption,
      url: meta.url,
      slides: meta.slides.map((s) => ({
        index: s.index,
        path: path.join(dir, s.file),
        width: s.width,
        height: s.height,
      })),
      audio: meta.audio
        ? {
            path: path.join(dir, meta.audio.file),
            mime: meta.audio.mime,
            title: meta.audio.title,
            durationSec: meta.audio.durationSec,
          }
        : undefined,
      source,
    };
  }

  private shortLinkFile(shortCode: string): string {
    // shortCode comes from parseTikTokUrl (host + [A-Za-z0-9_-] code); '/' becomes '_' for a flat name.
    const name = shortCode.replace(/[^A-Za-z0-9_.-]/g, '_');
    return path.join(this.config.dataDir, 'cache', 'tiktok', '_short', `${name}.json`);
  }

  private async shortLinkTarget(shortCode: string): Promise<string | null> {
    try {
      const { postId } = JSON.parse(await fs.readFile(this.shortLinkFile(shortCode), 'utf8')) as { postId?: string };
      return postId && POST_ID_RE.test(postId) ? postId : null;
    } catch {
      return null;
    }
  }
}

/**
 * Runs tasks at most `limit` at a time and in order of start; the first failure stops new starts, aborts
 * the in-flight ones (through `stop`) and is the error thrown.
 */
async function runBounded<T>(tasks: (() => Promise<T>)[], limit: number, stop: AbortController): Promise<T[]> {
  const results = new Array<T>(tasks.length);
  let next = 0;
  let failure: { error: unknown } | undefined;
  const worker = async () => {
    while (!failure && next < tasks.length) {
      const i = next++;
      try {
        results[i] = await tasks[i]();
      } catch (error) {
        if (!failure) {
          failure = { error };
          stop.abort();
        }
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, tasks.length) }, worker));
  if (failure) throw failure.error;
  return results;
}

async function writeAtomic(file: string, data: Buffer | string): Promise<void> {
  const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  await fs.writeFile(tmp, data);
  await fs.rename(tmp, file);
}

async function exists(file: string): Promise<boolean> {
  return fs.access(file).then(
    () => true,
    () => false,
  );
}
