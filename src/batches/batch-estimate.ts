import { AppConfig } from '../config/config.schema';
import { DEFAULT_SLIDES_PER_LINK, estimateForConfig, videoSecondsPerVariation } from '../generation/estimate';

/**
 * What a batch will cost and how long the rate limits alone make it take, shown before anything is spent:
 * the paid calls of `estimateForConfig`, and an ETA bounded by both the Gemini RPM limits and
 * VARIATION_RATE_LIMIT, and with `video` the MP4 exports: they share the CPU, so together they take
 * every variation's export time; the last one still renders after the last start.
 */
export function estimateBatch(
  config: AppConfig,
  b: { links: number; p: number; t: number; slidesPerLink?: number; video?: boolean },
) {
  const slidesPerLink = b.slidesPerLink ?? DEFAULT_SLIDES_PER_LINK;
  const calls = estimateForConfig(config, { ...b, slidesPerLink });
  const variations = b.links * b.p * b.t;
  const perVideo = b.video && variations ? videoSecondsPerVariation(slidesPerLink, config.video.secondsPerSlide) : 0;
  const startSeconds = (variations * config.variationRate.durationMs) / config.variationRate.max / 1000;
  const variationSeconds = Math.max(startSeconds + perVideo, variations * perVideo);
  return {
    textCalls: calls.textCalls,
    imageCalls: calls.imageCalls,
    cost: calls.cost,
    economyCost: calls.economyCost,
    imageSize: config.gemini.imageSize,
    etaSeconds: Math.ceil(Math.max(variationSeconds, calls.minSecondsAtRateLimit)),
    generator: calls.generator,
    slidesPerLink,
  };
}

/** One link as the refined estimate sees it. */
export interface LinkSlides {
  /** Plan slides once analysed, else source slides + the appended product slide once fetched, else unknown. */
  slides: number | null;
  planned: boolean;
  /** Images already made for it (paid, in the slide image store). */
  imagesMade: number;
}

/**
 * The estimate once links are fetched: per link its real slide count (the creation estimate assumed 6), the
 * calls still to make (images not yet in the store, analyses not yet done), what they cost and the least time
 * the rate limits allow for them.
 */
export function refineEstimate(config: AppConfig, b: { p: number; t: number; links: LinkSlides[] }) {
  const perImage = config.gemini.textMode === 'model' ? b.p * b.t : b.p;
  const local = config.generator === 'local';
  const images = (l: LinkSlides) => (local ? 0 : (l.slides ?? DEFAULT_SLIDES_PER_LINK) * perImage);
  const imageCalls = b.links.reduce((n, l) => n + images(l), 0);
  const imageCallsLeft = b.links.reduce((n, l) => n + Math.max(0, images(l) - l.imagesMade), 0);
  const textCallsLeft = local ? 0 : b.links.filter((l) => !l.planned).length;
  const left = (factor: number) =>
    Math.round(
      (textCallsLeft * config.gemini.pricePerTextCall + imageCallsLeft * config.gemini.pricePerImageCall * factor) *
        100,
    ) / 100;
  const keys = Math.max(1, config.gemini.keys.length);
  const seconds = local ? 0 : (imageCallsLeft / (config.gemini.imageRpm * keys)) * (config.gemini.windowMs / 1000);
  return {
    linksFetched: b.links.filter((l) => l.slides !== null).length,
    imageCalls,
    imageCallsLeft,
    textCallsLeft,
    costLeft: left(1),
    economyCostLeft: left(config.gemini.economyPriceFactor),
    minSecondsLeft: Math.ceil(seconds),
  };
}
