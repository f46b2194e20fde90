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

/**
 * Core-seconds to read the text of one 720 px source slide (OCR + inpainting in the text reader's child, one
 * core per worker process). About 1 s on an idle core (issue 15); `bench/estimate.ts` measured the child's CPU
 * at 1.67 core-s a slide at load average 13 on 2 cores, where every core-second stretches (ffmpeg there: 1.16 s
 * of video per core-s against 1.28 idle). Skipped for slides already read (cached per post).
 */
export const READ_CORE_SECONDS_PER_SLIDE = 1.2;

/**
 * Core-seconds to make one slide of one variation offline: its base image (re-framed from the clean source),
 * the text drawn on it, the JPEG, its thumbnail, the writes and the job's share of the machinery. The
 * machinery-overhead bench gives 0.16 (small 240×320 sources, three plain slides); `bench/estimate.ts` measured
 * the worker's own CPU at 0.37 a slide for real 720 px samples with their text, at load average 13.
 */
export const RENDER_CORE_SECONDS_PER_SLIDE = 0.3;

/**
 * Wall-clock seconds per link besides its reading: the page and slide downloads (network, not CPU), the plan
 * and the link's folder; links run side by side in the job slots. Loopback TikTok makes it well under a
 * second in the benches; 1 s leaves room for TikTok's real latency.
 */
export const LINK_SECONDS = 1;

/** The work a batch still has to do, as the time model sees it. */
export interface WorkLeft {
  /** Links still to fetch and plan. */
  links: number;
  /** Source slides of those links whose text is still to read (not counted when TEXT_READER is off). */
  slidesToRead: number;
  /** Variations still to make. */
  variations: number;
  /** Slides of each of those variations (a mean over links is fine). */
  slidesPerVariation: number;
  /** Variations per link (P×T): the last link's ones still render after its plan. */
  variationsPerLink: number;
  video: boolean;
}

/** Core-seconds the model gives one variation of `slides` slides: rendering them and, with `video`, the MP4. */
export function variationCoreSeconds(config: AppConfig, slides: number, video: boolean): number {
  const videoCore = video ? (slides * config.video.secondsPerSlide) / VIDEO_SECONDS_PER_CORE_SECOND : 0;
  return slides * RENDER_CORE_SECONDS_PER_SLIDE + videoCore;
}

/**
 * Wall-clock seconds for `w` on the worker CPU the configuration describes (ESTIMATE_WORKER_PROCESSES
 * processes × WORKER_CONCURRENCY jobs on ESTIMATE_CORES cores), every core-second multiplied by `speed`
 * (MachineSpeed's factor: the CPU the workers really spent on this work ÷ the model's). The slowest of three bounds:
 * - CPU: every core-second of reading, rendering and MP4 export over the cores the job slots can use;
 * - pipeline: links are fetched and read one at a time per worker process (one text reader each), and the
 *   last link's variations render after its plan;
 * - starts: VARIATION_RATE_LIMIT spaces the starts, and the last one still renders after it.
 * The Gemini RPM bound is separate (`estimateForConfig`); the caller takes the larger.
 */
export function workSeconds(config: AppConfig, w: WorkLeft, speed = 1): number {
  return workBounds(config, w, speed).seconds;
}

/** `workSeconds` with its bounds and the core-seconds of work it assumes (benchmarks compare them with /proc). */
export function workBounds(config: AppConfig, w: WorkLeft, speed = 1) {
  const { cores, workerProcesses } = config.estimate;
  const slots = workerProcesses * config.workers.concurrency;
  const parallel = Math.max(1, Math.min(cores, slots));
  const readers = Math.max(1, Math.min(cores, workerProcesses, w.links || 1));
  const renderCore = w.slidesPerVariation * RENDER_CORE_SECONDS_PER_SLIDE * speed;
  const variationCore = variationCoreSeconds(config, w.slidesPerVariation, w.video) * speed;
  const videoCore = variationCore - renderCore;
  const readCore = config.textReader.enabled ? w.slidesToRead * READ_CORE_SECONDS_PER_SLIDE * speed : 0;

  const coreSeconds = readCore + w.variations * variationCore;
  const cpu = coreSeconds / parallel;
  const lastLink = Math.min(w.variations, w.variationsPerLink) * (variationCore / parallel);
  const pipeline = w.links ? (w.links * LINK_SECONDS) / Math.min(slots, w.links) + readCore / readers + lastLink : 0;
  // One variation alone: its slides render one after another on one core, its export spreads over every core.
  const one = renderCore + videoCore / Math.max(1, cores);
  const startRate = (config.variationRate.max / config.variationRate.durationMs) * 1000;
  const starts = w.variations ? w.variations / startRate + one : 0;
  return { coreSeconds, cpu, pipeline, starts, seconds: Math.max(cpu, pipeline, starts) };
}
