import { z } from 'zod';

/**
 * The plan every generator produces in analysis and the variation step consumes: the new slideshow's
 * slides in order, with `P` scene descriptions (photo variants) and `T` overlay texts (text variants)
 * per slide, and the overlay style read off the source.
 */
export const SLIDE_ROLES = ['hook', 'body', 'product', 'cta'] as const;
export type SlideRole = (typeof SLIDE_ROLES)[number];

export const textStyleSchema = z.object({
  sizeClass: z.enum(['small', 'medium', 'large']),
  fill: z.string().regex(/^#[0-9a-fA-F]{6}$/),
  /** outline: coloured stroke round the letters; box: letters on a filled box; shadow: soft drop shadow. */
  treatment: z.enum(['outline', 'box', 'shadow']),
  /** Outline, box or shadow colour. */
  accent: z.string().regex(/^#[0-9a-fA-F]{6}$/),
  position: z.enum(['top', 'middle', 'bottom']),
});
export type TextStyle = z.infer<typeof textStyleSchema>;

export const planSlideSchema = z.object({
  role: z.enum(SLIDE_ROLES),
  /** Index into the source slides this slide re-makes; null for an appended product slide. */
  sourceIndex: z.number().int().min(0).nullable(),
  scenes: z.array(z.string().min(1).max(2000)),
  texts: z.array(z.string().max(400)),
});
export type PlanSlide = z.infer<typeof planSlideSchema>;

export const planSchema = z.object({
  version: z.literal(1),
  photoVariations: z.number().int().min(1).max(10),
  textVariations: z.number().int().min(1).max(10),
  aspect: z.enum(['3:4', '9:16']),
  /** Whether the product slide replaces the source's own product / "link in bio" slide or is appended. */
  productPlacement: z.enum(['replace', 'append']),
  style: textStyleSchema,
  slides: z.array(planSlideSchema).min(1).max(35),
});
export type SlideshowPlan = z.infer<typeof planSchema>;

export interface PlanCheck {
  ok: boolean;
  errors: string[];
  plan?: SlideshowPlan;
}

/**
 * Validates shape and meaning: exactly one product slide, every slide with `P` scenes and `T` texts,
 * source indexes inside the source. The error strings are fed back to the model on its one repair try.
 */
export function validatePlan(candidate: unknown, expect: { p: number; t: number; sourceSlides: number }): PlanCheck {
  const parsed = planSchema.safeParse(candidate);
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
  return errors.length ? { ok: false, errors } : { ok: true, errors: [], plan };
}
