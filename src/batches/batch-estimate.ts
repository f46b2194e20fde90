import { AppConfig } from '../config/config.schema';
import { DEFAULT_SLIDES_PER_LINK, estimateForConfig, workSeconds } from '../generation/estimate';

/** A link's source as far as it is known: slide count once fetched (or in the cache), slides already read. */
export interface LinkSource {
  /** Source slides, null while unknown (the estimate assumes DEFAULT_SLIDES_PER_LINK - 1 + the product slide). */
  sourceSlides: number | null;
  /** Of those, slides whose text is already read (cached per post): no reading left for them. */
  slidesRead: number;
  /** Slides of its plan once planned; its fetch, read and plan are then done. */
  planSlides?: number | null;
}

/**
 * The time model's view of a batch (`workSeconds`): links still to fetch, read and plan, their unread
 * slides, and `variations` variations of the mean slide count. One place for the estimate shown before
 * start and the running "time left".
 */
export function batchWork(
  config: AppConfig,
  b: { p: number; t: number; video?: boolean; links: LinkSource[]; variations: number },
  speed = 1,
) {
  const unknown = DEFAULT_SLIDES_PER_LINK - 1;
  const toPlan = b.links.filter((l) => l.planSlides === null || l.planSlides === undefined);
  const slidesOf = (l: LinkSource) => l.planSlides ?? (l.sourceSlides ?? unknown) + 1;
  const slidesPerVariation = b.links.length
    ? b.links.reduce((n, l) => n + slidesOf(l), 0) / b.links.length
    : DEFAULT_SLIDES_PER_LINK;
  const work = {
    links: toPlan.length,
    slidesToRead: toPlan.reduce((n, l) => n + Math.max(0, (l.sourceSlides ?? unknown) - l.slidesRead), 0),
    variations: b.variations,
    slidesPerVariation,
    variationsPerLink: b.p * b.t,
    video: !!b.video,
  };
  return { work, seconds: workSeconds(config, work, speed) };
}

/**
 * What a batch will cost and how long it will take, shown before anything is spent: the paid calls of
 * `estimateForConfig`, and an ETA that is the larger of the Gemini RPM bound and the work model
 * (`workSeconds`: fetching, reading the source text, rendering and, with `video`, the MP4 exports on the
 * configured worker CPU, spaced by VARIATION_RATE_LIMIT). `sources` (per link, from the slideshow cache)
 * gives real slide counts and leaves out slides already read; unknown links count 6 slides. `speed` is
 * MachineSpeed's factor (1: the model's constants as measured).
 */
export function estimateBatch(
  config: AppConfig,
  b: { links: number; p: number; t: number; video?: boolean; sources?: (LinkSource | null)[] },
  speed = 1,
) {
  const links = Array.from(
    { length: b.links },
    (_, i): LinkSource => b.sources?.[i] ?? { sourceSlides: null, slidesRead: 0 },
  );
  const variations = b.links * b.p * b.t;
  const { work, seconds } = batchWork(config, { ...b, links, variations }, speed);
  const slidesPerLink = Math.round(work.slidesPerVariation);
  const calls = estimateForConfig(config, { ...b, slidesPerLink });
  return {
    textCalls: calls.textCalls,
    imageCalls: calls.imageCalls,
    cost: calls.cost,
    economyCost: calls.economyCost,
    imageSize: config.gemini.imageSize,
    etaSeconds: Math.ceil(Math.max(seconds, calls.minSecondsAtRateLimit)),
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
