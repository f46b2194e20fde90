import { PermanentError, TransientError } from '../../common/errors';

/**
 * Pure parsing and classification of a TikTok post page. The data lives in the
 * `__UNIVERSAL_DATA_FOR_REHYDRATION__` script (`__DEFAULT_SCOPE__["webapp.video-detail"]`); older pages
 * carry a `SIGI_STATE` with `ItemModule[id]`. No I/O here, so every page shape is unit-testable.
 */

/** A slideshow as read from a page or an API, before anything is downloaded. */
export interface SlideshowPost {
  postId: string;
  author?: string;
  caption: string;
  /** One entry per slide, in order; `urls` is a fallback chain (signed CDN mirrors). */
  slides: { urls: string[]; width?: number; height?: number }[];
  audio?: { urls: string[]; title?: string; durationSec?: number };
}

/** What a page says, before classification. */
export type PageData =
  | { kind: 'item'; item: ItemStruct }
  /** The detail block is there but carries an error status (10204 not found, 10222 private, …). */
  | { kind: 'status'; statusCode: number; statusMsg?: string }
  /** The data script is there but has no detail for this post (TikTok does this for some `/photo/` URLs). */
  | { kind: 'no-detail' }
  /** A verify/captcha page instead of the post. */
  | { kind: 'challenge' }
  /** Neither data nor a recognisable challenge: TikTok changed its page or sent something else. */
  | { kind: 'unparseable'; why: string };

/** The subset of `itemInfo.itemStruct` this source reads (field names as TikTok sends them). */
export interface ItemStruct {
  id?: string;
  desc?: string;
  author?: { uniqueId?: string } | string;
  music?: { playUrl?: string; title?: string; duration?: number };
  imagePost?: { images?: { imageURL?: { urlList?: string[] }; imageWidth?: number; imageHeight?: number }[] };
  video?: { playAddr?: string; duration?: number; id?: string };
}

export const TIKTOK_STATUS = { OK: 0, NOT_FOUND: 10204, PRIVATE: 10222, REGION_LOCKED: 10231 } as const;

const UNIVERSAL_RE = /<script[^>]*\bid=["']__UNIVERSAL_DATA_FOR_REHYDRATION__["'][^>]*>([\s\S]*?)<\/script>/i;
const SIGI_SCRIPT_RE = /<script[^>]*\bid=["']SIGI_STATE["'][^>]*>([\s\S]*?)<\/script>/i;
const SIGI_WINDOW_RE = /window\[['"]SIGI_STATE['"]\]\s*=\s*(\{[\s\S]*?\});\s*window\[/;
const CHALLENGE_RE =
  /captcha|tiktok-verify|verify-page|wafchallenge|_wafchallengeid|security check|verify you are human/i;

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Reads a post page. `postId` picks the item out of the older SIGI_STATE shape. */
export function parseTikTokPage(html: string, postId: string): PageData {
  const universal = UNIVERSAL_RE.exec(html);
  if (universal) {
    const data = parseJson(universal[1]);
    if (!data) return { kind: 'unparseable', why: 'the page data script is not valid JSON' };
    const scope = data['__DEFAULT_SCOPE__'];
    const detail = isObject(scope) ? scope['webapp.video-detail'] : undefined;
    if (!isObject(detail)) {
      // A data script without a detail block and with a verify marker is a challenge in disguise.
      const appContext = isObject(scope) ? scope['webapp.app-context'] : undefined;
      return CHALLENGE_RE.test(html) && !isObject(appContext) ? { kind: 'challenge' } : { kind: 'no-detail' };
    }
    return fromDetail(detail);
  }
  const sigi = SIGI_SCRIPT_RE.exec(html) ?? SIGI_WINDOW_RE.exec(html);
  if (sigi) {
    const data = parseJson(sigi[1]);
    if (!data) return { kind: 'unparseable', why: 'the SIGI_STATE script is not valid JSON' };
    return fromSigi(data, postId);
  }
  if (CHALLENGE_RE.test(html)) return { kind: 'challenge' };
  return { kind: 'unparseable', why: 'the page has no data script' };
}

function fromDetail(detail: Json): PageData {
  const statusCode = typeof detail.statusCode === 'number' ? detail.statusCode : Number(detail.statusCode ?? 0);
  const info = detail.itemInfo;
  const item = isObject(info) ? info.itemStruct : undefined;
  if (statusCode !== TIKTOK_STATUS.OK) {
    return {
      kind: 'status',
      statusCode,
      statusMsg: typeof detail.statusMsg === 'string' ? detail.statusMsg : undefined,
    };
  }
  if (!isObject(item) || Object.keys(item).length === 0) return { kind: 'no-detail' };
  return { kind: 'item', item: item as ItemStruct };
}

function fromSigi(data: Json, postId: string): PageData {
  const items = data.ItemModule;
  const item = isObject(items) ? items[postId] : undefined;
  if (isObject(item)) return { kind: 'item', item: item as ItemStruct };
  const page = data.VideoPage;
  if (isObject(page) && typeof page.statusCode === 'number' && page.statusCode !== 0) {
    return { kind: 'status', statusCode: page.statusCode };
  }
  return { kind: 'no-detail' };
}

function parseJson(text: string): Json | undefined {
  try {
    const v: unknown = JSON.parse(text.trim());
    return isObject(v) ? v : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Turns page data into a slideshow or a classified error: permanent for what a user must fix (video,
 * deleted, private, region-locked, no slides), transient for what a retry may fix (challenge, parse).
 */
export function classifyPage(page: PageData, postId: string): SlideshowPost {
  switch (page.kind) {
    case 'item':
      return slideshowFromItem(page.item, postId);
    case 'status':
      throw errorForTikTokStatus(page.statusCode, page.statusMsg);
    case 'no-detail':
      throw new PermanentError(
        'fetch',
        'post not found: TikTok has no post with this id (deleted or never existed)',
        'not_found',
      );
    case 'challenge':
      throw new TransientError(
        'fetch',
        'TikTok answered with a verification (captcha) page instead of the post',
        undefined,
        'challenge',
      );
    case 'unparseable':
      throw new TransientError('fetch', `could not extract the post data: ${page.why}`, undefined, 'extract_failed');
  }
}

export function errorForTikTokStatus(statusCode: number, statusMsg?: string): PermanentError | TransientError {
  switch (statusCode) {
    case TIKTOK_STATUS.NOT_FOUND:
      return new PermanentError('fetch', 'post not found: it was deleted or is no longer available', 'not_found');
    case TIKTOK_STATUS.PRIVATE:
      return new PermanentError('fetch', 'post is private or needs a login to view', 'private');
    case TIKTOK_STATUS.REGION_LOCKED:
      return new PermanentError('fetch', 'post is not available in this region', 'region_locked');
    default: {
      const msg = statusMsg ? ` (${statusMsg})` : '';
      return new TransientError(
        'fetch',
        `TikTok answered status ${statusCode}${msg} for this post`,
        undefined,
        `tiktok_${statusCode}`,
      );
    }
  }
}

function slideshowFromItem(item: ItemStruct, postId: string): SlideshowPost {
  const images = item.imagePost?.images;
  if (!Array.isArray(images) || images.length === 0) {
    if (item.video && (item.video.playAddr || item.video.duration || item.video.id)) {
      throw new PermanentError('fetch', 'not a slideshow (this post is a video)', 'not_slideshow');
    }
    throw new PermanentError('fetch', 'not a slideshow: the post has no photos', 'not_slideshow');
  }
  const slides = images.map((img) => ({
    urls: (img.imageURL?.urlList ?? []).filter((u): u is string => typeof u === 'string' && u.length > 0),
    width: positive(img.imageWidth),
    height: positive(img.imageHeight),
  }));
  const music = item.music;
  const author = typeof item.author === 'string' ? item.author : item.author?.uniqueId;
  return {
    postId: item.id && /^\d+$/.test(item.id) ? item.id : postId,
    author: author || undefined,
    caption: typeof item.desc === 'string' ? item.desc : '',
    slides,
    audio: music?.playUrl
      ? { urls: [music.playUrl], title: music.title || undefined, durationSec: positive(music.duration) }
      : undefined,
  };
}

const positive = (n: unknown): number | undefined =>
  typeof n === 'number' && Number.isFinite(n) && n > 0 ? n : undefined;
