import { captionFromTexts, PostCaption, SlideshowPlan, SlideStyle } from '../pipeline/plan';
import { BatchVariation } from '../pipeline/entities/variation.entity';

/**
 * What a delivered variation says about itself (`manifest.json`, beside its slides): where it came from, each
 * slide's text and style, the post caption and what it cost. Read by people and by tools that post it.
 */
export interface VariationManifest {
  source: string;
  generator: 'local' | 'gemini';
  photoVariant: number;
  textVariant: number;
  slides: { text: string; style: SlideStyle; sourceIndex: number | null; file: string }[];
  caption: { title: string; description: string };
  hashtags: string[];
  /**
   * This variation's share of the link's paid calls at the configured prices: the analysis split over every
   * variation, each slide image split over the text variants that share it.
   */
  cost: { currency: 'USD'; amount: number };
  editedAt: string | null;
}

/** The overlay texts a variation shows: its own once edited, else its text variant's in the plan. */
export function textsOf(plan: SlideshowPlan, v: Pick<BatchVariation, 'texts' | 'textIndex'>): string[] {
  return v.texts ?? plan.slides.map((s) => s.texts[v.textIndex - 1] ?? '');
}

/** The post caption a variation carries: its own once edited, else its text variant's in the plan. */
export function captionOf(
  plan: SlideshowPlan,
  v: Pick<BatchVariation, 'texts' | 'textIndex' | 'caption'>,
): PostCaption {
  return v.caption ?? plan.captions[v.textIndex - 1] ?? captionFromTexts(textsOf(plan, v));
}

/** `caption.txt`: the title, a blank line, the description, a blank line, the hashtags. */
export function captionText(c: PostCaption): string {
  return [c.title, c.description, c.hashtags.join(' ')].filter((part) => part.trim()).join('\n\n') + '\n';
}

export function buildManifest(input: {
  url: string;
  plan: SlideshowPlan;
  variation: Pick<BatchVariation, 'texts' | 'textIndex' | 'photoIndex' | 'caption' | 'edits'>;
  slideFiles: string[];
  generator: 'local' | 'gemini';
  prices: { pricePerTextCall: number; pricePerImageCall: number; textMode: 'renderer' | 'model' };
}): VariationManifest {
  const { plan, variation: v, prices } = input;
  const texts = textsOf(plan, v);
  const caption = captionOf(plan, v);
  const paid = input.generator === 'gemini';
  const variations = plan.photoVariations * plan.textVariations;
  const imageShare = prices.textMode === 'model' ? 1 : plan.textVariations;
  const amount = paid
    ? prices.pricePerTextCall / variations + (plan.slides.length * prices.pricePerImageCall) / imageShare
    : 0;
  const edits = v.edits ?? [];
  return {
    source: input.url,
    generator: input.generator,
    photoVariant: v.photoIndex,
    textVariant: v.textIndex,
    slides: plan.slides.map((s, i) => ({
      text: texts[i] ?? '',
      style: s.style,
      sourceIndex: s.sourceIndex,
      file: input.slideFiles[i],
    })),
    caption: { title: caption.title, description: caption.description },
    hashtags: caption.hashtags,
    cost: { currency: 'USD', amount: Math.round(amount * 10_000) / 10_000 },
    editedAt: edits.length ? edits[edits.length - 1].at : null,
  };
}
