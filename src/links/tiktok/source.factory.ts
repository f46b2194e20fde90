import type { AppConfig } from '../../config/config.schema';
import type { SlideshowSource } from '../../pipeline/slideshow';
import { FallbackSource } from './fallback-source';
import { SafeFetcher } from './safe-fetch';
import { SlideshowStore } from './slideshow-store';
import { TikTokSource } from './tiktok-source';
import { TikwmSource } from './tikwm-source';

/**
 * The one place the slideshow source is chosen: TikTok's own pages, with the tikwm-style API as a
 * fallback for transient failures when `TIKWM_BASE_URL` is set. Both share one safe fetcher and one cache.
 */
export function createSlideshowSource(config: AppConfig): SlideshowSource {
  const fetcher = new SafeFetcher(config.source);
  const store = new SlideshowStore(config, fetcher);
  const tiktok = new TikTokSource(config, { fetcher, store });
  if (!config.source.tikwmBaseUrl) return tiktok;
  return new FallbackSource(tiktok, new TikwmSource(config, { fetcher, store }));
}
