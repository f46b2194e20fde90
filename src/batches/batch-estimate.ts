import { AppConfig } from '../config/config.schema';
import { DEFAULT_SLIDES_PER_LINK, estimateForConfig } from '../generation/estimate';

/**
 * What a batch will cost and how long the rate limits alone make it take, shown before anything is spent:
 * the paid calls of `estimateForConfig`, and an ETA bounded by both the Gemini RPM limits and
 * VARIATION_RATE_LIMIT.
 */
export function estimateBatch(config: AppConfig, b: { links: number; p: number; t: number; slidesPerLink?: number }) {
  const slidesPerLink = b.slidesPerLink ?? DEFAULT_SLIDES_PER_LINK;
  const calls = estimateForConfig(config, { ...b, slidesPerLink });
  const variationSeconds = (b.links * b.p * b.t * config.variationRate.durationMs) / config.variationRate.max / 1000;
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
