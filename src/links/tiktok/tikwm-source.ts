import { Logger } from '@nestjs/common';
import type { AppConfig } from '../../config/config.schema';
import { PermanentError, TransientError } from '../../common/errors';
import type { FetchedSlideshow, SlideshowSource } from '../../pipeline/slideshow';
import { SafeFetcher, errorForStatus } from './safe-fetch';
import { SlideshowStore } from './slideshow-store';
import type { SlideshowPost } from './tiktok-page';
import { SourceDeps, canonicalPostUrl, parseLink } from './tiktok-source';

/**
 * The optional fallback: a tikwm-style scraper API (`GET /api/?url=<post url>&hd=1` →
 * `{code, msg, data: {id, title, images[], music, music_info, author}}`). It resolves short links itself;
 * its files go through the same safe fetcher and the same cache as the TikTok page source.
 */

interface TikwmData {
  id?: string | number;
  title?: string;
  images?: unknown;
  music?: string | { play_url?: string };
  music_info?: { play?: string; title?: string; duration?: number };
  play?: string;
  author?: { unique_id?: string };
}

interface TikwmResponse {
  code?: number;
  msg?: string;
  data?: TikwmData;
}

export class TikwmSource implements SlideshowSource {
  readonly name = 'tikwm';
  private readonly logger = new Logger(TikwmSource.name);
  private readonly fetcher: SafeFetcher;
  private readonly store: SlideshowStore;
  private readonly baseUrl: string;

  constructor(config: AppConfig, deps: SourceDeps = {}) {
    if (!config.source.tikwmBaseUrl) throw new Error('TikwmSource needs TIKWM_BASE_URL');
    this.baseUrl = config.source.tikwmBaseUrl;
    this.fetcher = deps.fetcher ?? new SafeFetcher(config.source);
    this.store = deps.store ?? new SlideshowStore(config, this.fetcher);
  }

  async fetch(url: string, options: { signal?: AbortSignal } = {}): Promise<FetchedSlideshow> {
    const link = parseLink(url);
    const hit = await this.store.cached(link);
    if (hit) return hit;
    const api = `${this.baseUrl}/api/?url=${encodeURIComponent(link.url)}&hd=1`;
    const res = await this.fetcher.get(api, { signal: options.signal, accept: 'application/json' });
    if (res.status !== 200) throw errorForStatus(res, 'tikwm API');
    let body: TikwmResponse;
    try {
      body = JSON.parse(res.body.toString('utf8')) as TikwmResponse;
    } catch {
      throw new TransientError(
        'fetch',
        'tikwm API answered with something that is not JSON',
        undefined,
        'extract_failed',
      );
    }
    if (body.code !== 0 || !body.data) throw tikwmError(body.msg ?? `code ${body.code}`);
    const post = postFromTikwm(body.data, link.postId);
    this.logger.log(`post ${post.postId}: ${post.slides.length} slides listed by tikwm`);
    const result = await this.store.download(
      post,
      canonicalPostUrl(post.author ?? link.user, post.postId),
      this.name,
      options.signal,
    );
    if (link.shortCode) await this.store.rememberShortLink(link.shortCode, post.postId);
    return result;
  }
}

/** tikwm answers in prose; the words that mean a final answer become permanent errors. */
export function tikwmError(msg: string): PermanentError | TransientError {
  const text = `tikwm: ${msg}`;
  if (/private/i.test(msg)) return new PermanentError('fetch', `post is private (${text})`, 'private');
  if (/region|country/i.test(msg))
    return new PermanentError('fetch', `post is not available in this region (${text})`, 'region_locked');
  if (/not exist|not found|deleted|removed|unavailable/i.test(msg))
    return new PermanentError('fetch', `post not found (${text})`, 'not_found');
  const limited = /limit/i.test(msg);
  // "Url parsing is failed" and anything else unexplained may pass on a later try.
  return new TransientError('fetch', text, limited ? 1000 : undefined, limited ? 'rate_limited' : 'tikwm_error');
}

export function postFromTikwm(data: TikwmData, knownId: string | null): SlideshowPost {
  const postId = String(data.id ?? knownId ?? '');
  if (!/^\d{1,32}$/.test(postId))
    throw new TransientError('fetch', 'tikwm API answered without a post id', undefined, 'extract_failed');
  const images = Array.isArray(data.images)
    ? data.images.filter((u): u is string => typeof u === 'string' && u.length > 0)
    : [];
  if (images.length === 0) {
    if (data.play) throw new PermanentError('fetch', 'not a slideshow (this post is a video)', 'not_slideshow');
    throw new PermanentError('fetch', 'not a slideshow: the post has no photos', 'not_slideshow');
  }
  const musicUrl = typeof data.music === 'string' ? data.music : (data.music?.play_url ?? data.music_info?.play);
  return {
    postId,
    author: data.author?.unique_id || undefined,
    caption: data.title ?? '',
    slides: images.map((u) => ({ urls: [u] })),
    audio: musicUrl
      ? { urls: [musicUrl], title: data.music_info?.title, durationSec: data.music_info?.duration }
      : undefined,
  };
}
