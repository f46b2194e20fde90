import { FetchedSlideshow } from '../pipeline/slideshow';
import { PlanSlide, SlideshowPlan } from '../pipeline/plan';
import type { TextBand } from './render/renderer';

export interface ProductInput {
  /** Absolute path of the stored, re-encoded product photo. */
  photoPath: string;
  description: string;
}

export interface AnalysisInput {
  /** Seeds deterministic choices and names the work in logs. */
  linkId: string;
  slideshow: FetchedSlideshow;
  product: ProductInput;
  photoVariations: number;
  textVariations: number;
}

export interface SlideImageInput {
  linkId: string;
  plan: SlideshowPlan;
  slideIndex: number;
  slide: PlanSlide;
  /** 0-based photo variant. */
  photoIndex: number;
  slideshow: FetchedSlideshow;
  product: ProductInput;
  /** Output size the renderer will draw on (≥1080 wide, the plan's aspect). */
  width: number;
  height: number;
  /**
   * Set only when the generator draws the overlay text itself (GEMINI_TEXT_MODE=model); the image is
   * then final and is made once per (slide, p, t) instead of once per (slide, p).
   */
  textIndex?: number;
  /**
   * The first image of this photo variant that shows the plan's recurring subject, when this slide shows it
   * too: passed as a reference so every slide of the variant shows the same person, room or pet.
   */
  subjectImage?: Buffer;
  /** Set when the user asked for this slide again: another take of the same scene (1, 2…; unset the first time). */
  take?: number;
}

/** What happened to one paid call, or that a slide image was accepted (the metrics hook). */
export type GeneratorEvent =
  | {
      type: 'call';
      /** The API key, masked. */
      key: string;
      kind: 'text' | 'image';
      /** `refused`: answered (and billed for its input) without an image; `ok`: answered with what was asked. */
      outcome: 'ok' | 'refused' | 'rate_limited' | 'daily_quota' | 'invalid_key' | 'unavailable' | 'rejected';
      /** Answered inside a Gemini batch job (billed at the economy price). */
      economy?: boolean;
    }
  | { type: 'image-made' };

/** Where an economy round's state lives and how it stops: `jobKey` names it across workers and restarts. */
export interface EconomyRound {
  /** Stable across retries and workers, e.g. `link:<id>:p1:r0`: a resumed round finds its Gemini jobs by it. */
  jobKey: string;
  /** Runs between polls; throws when the batch was cancelled (the Gemini jobs are then cancelled too). */
  checkpoint: () => Promise<void>;
}

/** How the generator is doing, for /api/health (details), batch status (notices) and metrics. */
export interface GeneratorStatus {
  name: 'local' | 'gemini';
  /** False when no call can succeed now (every key refused or resting). */
  ok: boolean;
  /** Plain-language states a user should see in batch status, e.g. a key resting until the daily reset. */
  notices: string[];
  /** Provider details for health: models, keys (masked) and their states. */
  details: Record<string, unknown>;
}

/**
 * Plans and paints new slideshows. `analyse` is called once per link (its plan is stored, so a retry
 * never pays again); `makeSlideImage` once per (slide, photo variant), and its result is persisted
 * before it counts, so a retried variation never repays a finished image.
 */
export interface Generator {
  readonly name: 'local' | 'gemini';
  /** True when the images already carry their overlay text and the renderer must not draw it again. */
  readonly drawsText: boolean;
  analyse(input: AnalysisInput): Promise<SlideshowPlan>;
  /** A text-free slide image (JPEG or PNG bytes), unless `drawsText`. */
  makeSlideImage(input: SlideImageInput): Promise<Buffer>;
  /**
   * Where on this slide's image the overlay text must keep to, when the image has a part the text must not
   * cover (the offline product slide's product photo): a band of the slide's height. Null: the whole safe area.
   */
  textBand(slide: PlanSlide): TextBand | null;
  /**
   * The same images at the economy price (speed "economy"): sent together as batch jobs, waited for (up
   * to a day), results in input order. Resumes the round's jobs when called again with the same `jobKey`
   * (after a restart) instead of sending them again. A generator without a cheaper path makes them at once.
   */
  makeSlideImagesEconomy(inputs: SlideImageInput[], round: EconomyRound): Promise<Buffer[]>;
  status(): Promise<GeneratorStatus>;
  /** `listener` hears every paid call's outcome and every accepted image (metrics). */
  onEvent(listener: (e: GeneratorEvent) => void): void;
}

export const GENERATOR = Symbol('GENERATOR');
