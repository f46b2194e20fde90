import { AppConfig } from '../config/config.schema';

/** Slides per link assumed before a link is fetched (TikTok slideshows are mostly 4–8 slides). */
export const ASSUMED_SLIDES_PER_LINK = 6;

/**
 * What a batch will cost and how long the rate limits alone make it take, shown before anything is spent.
 * Gemini: one analysis call per link; one image call per (slide, photo variant), or per (slide, p, t) when
 * the model draws the text. The local generator makes no paid call.
 */
export function estimateBatch(config: AppConfig, b: { links: number; p: number; t: number; slidesPerLink?: number }) {
  const slides = b.slidesPerLink ?? ASSUMED_SLIDES_PER_LINK;
  const variations = b.links * b.p * b.t;
  const gemini = config.generator === 'gemini';
  const textCalls = gemini ? b.links : 0;
  const imageCalls = gemini ? b.links * slides * b.p * (config.gemini.textMode === 'model' ? b.t : 1) : 0;
  const cost = Math.round((textCalls * config.gemini.pricePerTextCall + imageCalls * config.gemini.pricePerImageCall) * 100) / 100;
  const perSecond = (max: number, ms: number) => (max / ms) * 1000;
  const keys = Math.max(1, config.gemini.keys.length);
  const bounds = [variations / perSecond(config.variationRate.max, config.variationRate.durationMs)];
  if (gemini) {
    bounds.push(imageCalls / perSecond(config.gemini.imageRpm * keys, config.gemini.windowMs));
    bounds.push(textCalls / perSecond(config.gemini.textRpm * keys, config.gemini.windowMs));
  }
  return { textCalls, imageCalls, cost, etaSeconds: Math.ceil(Math.max(...bounds)), generator: config.generator, slidesPerLink: slides };
}
