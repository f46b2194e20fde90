import { z } from 'zod';
import { Box, boxSchema, textLookSchema, TextLook } from './source-text';

/**
 * The plan every generator produces in analysis, the user may review and edit, and the variation step
 * consumes: the new slideshow's slides in output order, each with the source text it replaces, `P` scene
 * descriptions (photo variants), `T` overlay texts (text variants) and the style to set them in; the
 * recurring subject; one post caption per text variant. `slides[i].texts[t-1]` is slide i's text in text
 * variant t; `captions[t-1]` is variant t's caption.
 */
export const SLIDE_ROLES = ['hook', 'body', 'product', 'cta'] as const;
export type SlideRole = (typeof SLIDE_ROLES)[number];

/** Longest overlay text of one slide (a title and a short body paragraph fit with room to spare). */
export const MAX_SLIDE_TEXT = 500;

/** A slide's text style: the look of the source's text and the area it occupied. */
export const slideStyleSchema = textLookSchema.extend({
  /** Where the new text goes, as a share of the slide: the source's text area, else the slideshow's usual one. */
  box: boxSchema,
  /**
   * Set when the source put a smaller paragraph under a title: the text's first line is the title (in this
   * style), the lines after it are the body, set in this look.
   */
  body: textLookSchema.nullable(),
});
export type SlideStyle = z.infer<typeof slideStyleSchema>;

export const captionSchema = z.object({
  /** TikTok's photo-post title. */
  title: z.string().trim().min(1).max(90),
  description: z.string().max(2200),
  hashtags: z
    .array(z.string().regex(/^#[\p{L}\p{N}_]{1,50}$/u, 'a hashtag such as #skincare (letters, digits, _)'))
    .min(3)
    .max(5),
});
export type PostCaption = z.infer<typeof captionSchema>;

/** The person, place, pet or object that recurs across the slideshow, and the plan slides that show it. */
export const subjectSchema = z.object({
  kind: z.enum(['person', 'place', 'pet', 'object']),
  description: z.string().min(1).max(500),
  slides: z.array(z.number().int().min(0)),
});
export type PlanSubject = z.infer<typeof subjectSchema>;

export const planSlideSchema = z.object({
  role: z.enum(SLIDE_ROLES),
  /** Index into the source slides this slide re-makes; null for an appended product slide. */
  sourceIndex: z.number().int().min(0).nullable(),
  /** The source's own words on that slide, as read from its pixels ('' when it had none). */
  sourceText: z.string().max(2000),
  scenes: z.array(z.string().trim().min(1).max(2000)),
  texts: z.array(z.string().max(MAX_SLIDE_TEXT)),
  style: slideStyleSchema,
});
export type PlanSlide = z.infer<typeof planSlideSchema>;

export const planSchema = z.object({
  version: z.literal(2),
  photoVariations: z.number().int().min(1).max(10),
  textVariations: z.number().int().min(1).max(10),
  aspect: z.enum(['3:4', '9:16']),
  /** Whether the product slide replaces the source's own product / "link in bio" slide or is appended. */
  productPlacement: z.enum(['replace', 'append']),
  subject: subjectSchema.nullable(),
  captions: z.array(captionSchema),
  slides: z.array(planSlideSchema).min(1).max(35),
});
export type SlideshowPlan = z.infer<typeof planSchema>;

/** TikTok's default caption look: white bold sans with a black outline, centred. */
export const DEFAULT_LOOK: TextLook = {
  font: 'sans',
  bold: true,
  size: 0.06,
  fill: '#FFFFFF',
  treatment: 'outline',
  accent: '#000000',
  casing: 'sentence',
  align: 'center',
};

/** The text area for a slide whose source had no text: a band at the top, middle or bottom of the safe area. */
export function defaultBox(position: 'top' | 'middle' | 'bottom'): Box {
  const y = { top: 0.1, middle: 0.4, bottom: 0.58 }[position];
  return { x: 0.08, y, w: 0.78, h: 0.2 };
}

export interface PlanCheck {
  ok: boolean;
  errors: string[];
  plan?: SlideshowPlan;
}

/**
 * Validates shape and meaning: exactly one product slide, every slide with `P` scenes and `T` texts, `T`
 * captions, source indexes inside the source, subject slides inside the plan. Plans stored in the first
 * format are upgraded first. The error strings name the field (`slides.2.texts.0: …`): they are fed back to
 * the model on its one repair try and shown to a user whose edit is refused.
 */
export function validatePlan(candidate: unknown, expect: { p: number; t: number; sourceSlides: number }): PlanCheck {
  const parsed = planSchema.safeParse(upgradePlan(candidate));
  if (!parsed.success) {
    return { ok: false, errors: parsed.error.issues.map((i) => `${i.path.join('.') || 'plan'}: ${i.message}`) };
  }
  const plan = parsed.data;
  const errors: string[] = [];
  if (plan.photoVariations !== expect.p)
    errors.push(`photoVariations: expected ${expect.p}, got ${plan.photoVariations}`);
  if (plan.textVariations !== expect.t) errors.push(`textVariations: expected ${expect.t}, got ${plan.textVariations}`);
  const products = plan.slides.filter((s) => s.role === 'product').length;
  if (products !== 1) errors.push(`slides: expected exactly one product slide, got ${products}`);
  if (plan.captions.length < expect.t)
    errors.push(`captions: expected ${expect.t} captions (one per text variant), got ${plan.captions.length}`);
  plan.slides.forEach((s, i) => {
    if (s.scenes.length < expect.p)
      errors.push(`slides.${i}.scenes: expected ${expect.p} scene descriptions, got ${s.scenes.length}`);
    if (s.texts.length < expect.t)
      errors.push(`slides.${i}.texts: expected ${expect.t} overlay texts, got ${s.texts.length}`);
    if (s.sourceIndex !== null && s.sourceIndex >= expect.sourceSlides) {
      errors.push(
        `slides.${i}.sourceIndex: ${s.sourceIndex} is past the last source slide (${expect.sourceSlides - 1})`,
      );
    }
    if (s.sourceIndex === null && s.role !== 'product')
      errors.push(`slides.${i}.sourceIndex: only a product slide may have none`);
  });
  for (const i of plan.subject?.slides ?? []) {
    if (i >= plan.slides.length)
      errors.push(`subject.slides: ${i} is past the last plan slide (${plan.slides.length - 1})`);
  }
  return errors.length ? { ok: false, errors } : { ok: true, errors: [], plan };
}

/** The first plan format: one style for the whole plan, no source text, captions or subject. */
interface PlanV1 {
  version: 1;
  style: {
    sizeClass: 'small' | 'medium' | 'large';
    fill: string;
    treatment: 'outline' | 'box' | 'shadow';
    accent: string;
    position: 'top' | 'middle' | 'bottom';
  };
  textVariations: number;
  slides: { texts: string[] }[];
}

const V1_SIZE = { small: 0.045, medium: 0.06, large: 0.08 } as const;

/**
 * A plan in the current format: plans stored in the first one (one style for all slides) get that style on
 * every slide, no source text, no subject, and captions made from their own hook texts. Anything else is
 * returned as it is, for the schema to judge.
 */
export function upgradePlan(candidate: unknown): unknown {
  if (!candidate || typeof candidate !== 'object' || (candidate as { version?: unknown }).version !== 1) {
    return candidate;
  }
  const v1 = candidate as PlanV1;
  const { style, ...rest } = v1;
  const look: TextLook = {
    ...DEFAULT_LOOK,
    size: V1_SIZE[style?.sizeClass] ?? DEFAULT_LOOK.size,
    fill: style?.fill ?? DEFAULT_LOOK.fill,
    treatment: style?.treatment ?? DEFAULT_LOOK.treatment,
    accent: style?.accent ?? DEFAULT_LOOK.accent,
  };
  const box = defaultBox(style?.position ?? 'top');
  const slides = Array.isArray(v1.slides) ? v1.slides : [];
  return {
    ...rest,
    version: 2,
    subject: null,
    captions: Array.from({ length: v1.textVariations ?? 0 }, (_, t) =>
      captionFromTexts(slides.map((s) => s.texts?.[t] ?? '')),
    ),
    slides: slides.map((s) => ({ ...s, sourceText: '', style: { ...look, box, body: null } })),
  };
}

/** A plain caption from a text variant's slide texts: the hook as the title, the rest as the description. */
export function captionFromTexts(texts: string[], hashtags = ['#fyp', '#foryou', '#tiktokmademebuyit']): PostCaption {
  const lines = texts.map((t) => t.replace(/\s+/g, ' ').trim()).filter(Boolean);
  const title = (lines[0] ?? 'New post').slice(0, 90);
  return { title, description: lines.slice(1).join(' · ').slice(0, 2200), hashtags };
}
