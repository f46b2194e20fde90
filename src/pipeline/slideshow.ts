import type { SlideText } from './source-text';

/** One source slide, already downloaded (CDN URLs are signed and expire, so nothing is fetched later). */
export interface SourceSlide {
  index: number;
  /** Absolute path of the downloaded image under DATA_DIR. */
  path: string;
  width: number;
  height: number;
  /** The text read off the slide (set once the text reader has run on the fetched slideshow). */
  text?: SlideText;
  /** The text-free copy of the slide (text and watermarks inpainted; a card rebuilt plain). */
  cleanPath?: string;
}

export interface SourceAudio {
  path: string;
  /** Detected from the bytes, e.g. `audio/mpeg`, `audio/mp4`. */
  mime: string;
  title?: string;
  durationSec?: number;
}

export interface FetchedSlideshow {
  postId: string;
  author?: string;
  caption: string;
  /** The canonical post URL the slideshow was fetched from. */
  url: string;
  slides: SourceSlide[];
  audio?: SourceAudio;
  /** Which implementation produced it (`tiktok`, `tikwm`, `cache`). */
  source: string;
}

/**
 * Where slideshows come from. Implementations throw `PermanentError('fetch', …)` for what a user must fix
 * (video post, private, deleted, region-locked, too few slides) and `TransientError('fetch', …)` for what
 * may pass (timeouts, 5xx, challenge pages).
 */
export interface SlideshowSource {
  readonly name: string;
  fetch(url: string, options?: { signal?: AbortSignal }): Promise<FetchedSlideshow>;
}

export const SLIDESHOW_SOURCE = Symbol('SLIDESHOW_SOURCE');
