import * as os from 'node:os';
import { AppConfig } from '../config/config.schema';

/** Slides per link when the slideshows have not been fetched yet (a typical TikTok slideshow + product slide). */
export const DEFAULT_SLIDES_PER_LINK = 6;

export interface CallEstimateInput {
  links: number;
  /** Slides of the new slideshow per link (source slides, plus an appended product slide); 6 when unknown. */
  slidesPerLink?: number;
  p: number;
  t: number;
  textMode: 'renderer' | 'model';
  /** The local generator makes no paid calls. Default: gemini. */
  generator?: 'gemini' | 'local';
}

export interface CallEstimate {
  textCalls: number;
  imageCalls: number;
  /** In the currency of the configured prices (USD by default), rounded to cents: every image made at once. */
  cost: number;
  /** The same work with the images sent through Gemini's Batch API (speed "economy"); analysis stays interactive. */
  economyCost: number;
}

/**
 * Paid calls a batch will make when nothing fails: one analysis per link; one image per (slide, photo
 * variant), shared by every text variant, or per (slide, p, t) when the model draws the text itself.
 * Repairs and retries after errors are not counted.
 */
export function estimateCalls(
  input: CallEstimateInput,
  prices: { pricePerTextCall: number; pricePerImageCall: number; economyPriceFactor?: number } = {
    pricePerTextCall: 0,
    pricePerImageCall: 0,
  },
): CallEstimate {
  if (input.generator === 'local') return { textCalls: 0, imageCalls: 0, cost: 0, economyCost: 0 };
  const slides = input.slidesPerLink ?? DEFAULT_SLIDES_PER_LINK;
  const textCalls = input.links;
  const imageCalls = input.links * slides * input.p * (input.textMode === 'model' ? input.t : 1);
  const cents = (imageFactor: number) =>
    Math.round((textCalls * prices.pricePerTextCall + imageCalls * prices.pricePerImageCall * imageFactor) * 100) / 100;
  return { textCalls, imageCalls, cost: cents(1), economyCost: cents(prices.economyPriceFactor ?? 0.5) };
}

export interface BatchEstimate extends CallEstimate {
  generator: 'gemini' | 'local';
  /** The least time the per-key RPM limits allow for these calls, over all configured keys. */
  minSecondsAtRateLimit: number;
}

/** `estimateCalls` with everything taken from the configuration (generator, text mode, prices, RPM, keys). */
export function estimateForConfig(
  config: AppConfig,
  input: { links: number; slidesPerLink?: number; p: number; t: number },
): BatchEstimate {
  const generator = config.generator;
  const calls = estimateCalls({ ...input, textMode: config.gemini.textMode, generator }, config.gemini);
  const keys = Math.max(1, config.gemini.keys.length);
  const windowS = config.gemini.windowMs / 1000;
  const seconds =
    generator === 'local'
      ? 0
      : Math.max(calls.imageCalls / (config.gemini.imageRpm * keys), calls.textCalls / (config.gemini.textRpm * keys)) *
        windowS;
  return { ...calls, generator, minSecondsAtRateLimit: Math.ceil(seconds) };
}

/**
 * Seconds of MP4 one CPU core renders per wall-clock second. Measured with `bench/video-bench.ts` (6 slides ×
 * 3 s, 1080×1920 H.264 + AAC, median of 3): 2.56 s of video per second on the 2-core bench machine, i.e.
 * 1.28 per core (ffmpeg's x264 spreads one export over every core, so exports running side by side share
 * them rather than adding up).
 */
export const VIDEO_SECONDS_PER_CORE_SECOND = 1.28;

/** Wall-clock seconds the MP4 export of one variation takes: its video length over the measured encode speed. */
export function videoSecondsPerVariation(
  slides: number,
  secondsPerSlide: number,
  cores: number = os.cpus().length,
): number {
  return (slides * secondsPerSlide) / (VIDEO_SECONDS_PER_CORE_SECOND * Math.max(1, cores));
}
