import { Logger } from '@nestjs/common';
import type { AppConfig } from '../../config/config.schema';
import { PermanentError, TransientError } from '../../common/errors';
import { LinkError, ParsedLink, parseTikTokUrl } from '../link-intake';
import type { FetchedSlideshow, SlideshowSource } from '../../pipeline/slideshow';
import { SafeFetcher, errorForStatus } from './safe-fetch';
import { SlideshowStore } from './slideshow-store';
import { SlideshowPost, TIKTOK_STATUS, classifyPage, parseTikTokPage } from './tiktok-page';

/** Where the real TikTok lives; any other `TIKTOK_BASE_URL` is a stand-in (a loopback fake in tests). */
export const DEFAULT_TIKTOK_BASE_URL = 'https://www.tiktok.com';

const MAIN_HOSTS = new Set(['www.tiktok.com', 'tiktok.com', 'm.tiktok.com']);
const POST_PATH_RE = /^\/@([^/]*)\/(photo|video)\/(\d{15,21})\/?$/;
const HOME_PATHS = new Set(['', '/', '/foryou', '/explore']);
const USER_RE = /^[A-Za-z0-9._]{1,64}$/;

export interface PostRef {
  postId: string;
  user: string;
  kind: 'photo' | 'video';
}

export interface SourceDeps {
  fetcher?: SafeFetcher;
  store?: SlideshowStore;
}

/** `parseTikTokUrl` with its reason turned into the fetch step's permanent error. */
export function parseLink(url: string): ParsedLink {
  try {
    return parseTikTokUrl(url);
  } catch (e) {
    if (e instanceof LinkError)
      throw new PermanentError('fetch', `not a TikTok post link: ${e.message}`, 'invalid_url');
    throw e;
  }
}

/** The public URL of a post, whatever base URL it was fetched from. */
export function canonicalPostUrl(user: string | undefined, postId: string): string {
  return `${DEFAULT_TIKTOK_BASE_URL}/@${user && USER_RE.test(user) ? user : '_'}/photo/${postId}`;
}

/**
 * Fetches a slideshow from TikTok's own post page: resolves short links by hand, reads the page's data
 * script (retrying `/photo/` under `/video/` when the detail is missing), classifies every refusal, then
 * downloads and caches slides and audio through the shared store.
 */
export class TikTokSource implements SlideshowSource {
  readonly name = 'tiktok';
  private readonly logger = new Logger(TikTokSource.name);
  private readonly fetcher: SafeFetcher;
  private readonly store: SlideshowStore;
  private readonly base: URL;

  constructor(
    private readonly config: AppConfig,
    deps: SourceDeps = {},
  ) {
    this.fetcher = deps.fetcher ?? new SafeFetcher(config.source);
    this.store = deps.store ?? new SlideshowStore(config, this.fetcher);
    this.base = new URL(config.source.tiktokBaseUrl);
  }

  async fetch(url: string, options: { signal?: AbortSignal } = {}): Promise<FetchedSlideshow> {
    const link = parseLink(url);
    const hit = await this.store.cached(link);
    if (hit) return hit;
    const ref: PostRef =
      link.kind === 'short'
        ? await this.resolveShortLink(link, options.signal)
        : { postId: link.postId!, user: link.user ?? '_', kind: link.kind === 'photo' ? 'photo' : 'video' };
    if (link.kind === 'short') {
      const resolvedHit = await this.store.cached({ ...link, postId: ref.postId });
      if (resolvedHit) return resolvedHit;
    }
    const post = await this.loadPost(ref, options.signal);
    const result = await this.store.download(
      post,
      canonicalPostUrl(post.author ?? ref.user, post.postId),
      this.name,
      options.signal,
    );
    if (link.shortCode) await this.store.rememberShortLink(link.shortCode, post.postId);
    return result;
  }

  /**
   * Follows a short link's redirects (each hop re-checked by the fetcher) and stops before the post page
   * itself: the target path carries the post id, and a redirect to the bare home page means "not found".
   *
   * Which URL is asked: against the real TikTok, the short link itself (vm./vt. host or www.tiktok.com/t/).
   * Against any other TIKTOK_BASE_URL (a stand-in such as the test fake) every short form is asked as
   * `<base>/t/<code>/`, the one short form that lives on the main host, so no request leaves the stand-in.
   */
  private async resolveShortLink(link: ParsedLink, signal?: AbortSignal): Promise<PostRef> {
    const code = link.shortCode!.split('/').pop()!;
    const start =
      this.config.source.tiktokBaseUrl === DEFAULT_TIKTOK_BASE_URL
        ? link.url
        : `${this.config.source.tiktokBaseUrl}/t/${code}/`;
    const res = await this.fetcher.get(start, { signal, stopBefore: (next) => this.isPostOrHome(next) });
    const target = res.redirectedTo ? new URL(res.redirectedTo) : new URL(res.url);
    const ref = this.postRef(target);
    if (ref) {
      this.logger.log(`short link ${link.shortCode} → post ${ref.postId}`);
      return ref;
    }
    if (res.redirectedTo) {
      throw new PermanentError(
        'fetch',
        `post not found: the short link ${link.url} leads to TikTok's home page`,
        'not_found',
      );
    }
    if (res.status !== 200) throw errorForStatus(res, 'short link');
    throw new TransientError(
      'fetch',
      `the short link ${link.url} did not lead to a post`,
      undefined,
      'short_link_unresolved',
    );
  }

  /** Fetches and classifies the post page; a `/photo/` page without the detail is retried under `/video/`. */
  private async loadPost(ref: PostRef, signal?: AbortSignal): Promise<SlideshowPost> {
    const kinds: PostRef['kind'][] = ref.kind === 'photo' ? ['photo', 'video'] : ['video'];
    for (const [i, kind] of kinds.entries()) {
      const pageUrl = `${this.config.source.tiktokBaseUrl}/@${encodeURIComponent(ref.user)}/${kind}/${ref.postId}`;
      const res = await this.fetcher.get(pageUrl, { signal });
      if (res.status === 429 || res.status === 403 || res.status >= 500) throw errorForStatus(res, 'post page');
      const page = parseTikTokPage(res.body.toString('utf8'), ref.postId);
      const missing =
        page.kind === 'no-detail' || (page.kind === 'status' && page.statusCode === TIKTOK_STATUS.NOT_FOUND);
      if (missing && i < kinds.length - 1) {
        this.logger.log(`post ${ref.postId}: no detail under /${kind}/, retrying under /${kinds[i + 1]}/`);
        continue;
      }
      if (res.status !== 200 && page.kind === 'unparseable') throw errorForStatus(res, 'post page');
      return classifyPage(page, ref.postId);
    }
    throw new PermanentError('fetch', 'post not found', 'not_found');
  }

  private isPostOrHome(u: URL): boolean {
    if (!this.isMainHost(u)) return false;
    return POST_PATH_RE.test(u.pathname) || HOME_PATHS.has(u.pathname);
  }

  private postRef(u: URL): PostRef | null {
    const m = this.isMainHost(u) ? POST_PATH_RE.exec(u.pathname) : null;
    if (!m) return null;
    const user = safeDecode(m[1]);
    return { user: USER_RE.test(user) ? user : '_', kind: m[2] as PostRef['kind'], postId: m[3] };
  }

  private isMainHost(u: URL): boolean {
    return MAIN_HOSTS.has(u.hostname.toLowerCase()) || u.origin === this.base.origin;
  }
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return '';
  }
}
