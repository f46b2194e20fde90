import { Schema, Type } from '@google/genai';
import { PlanSlide, SlideshowPlan, SlideStyle } from '../../pipeline/plan';

/**
 * The words sent to Gemini. The analysis asks for the plan format of pipeline/plan.ts as JSON under a response
 * schema; the slide prompt asks for one text-free photo (the renderer draws the overlay text) unless the
 * model is told to draw the text itself.
 */

/**
 * What the model writes of the plan; the rest (version, counts, each slide's source text and text style) is
 * read off the source by the app, not guessed from pixels. Mirrors the matching fields of `planSchema` (zod)
 * in pipeline/plan.ts; `validatePlan` checks the merged result.
 */
export const PLAN_RESPONSE_SCHEMA: Schema = {
  type: Type.OBJECT,
  properties: {
    aspect: { type: Type.STRING, format: 'enum', enum: ['3:4', '9:16'] },
    productPlacement: { type: Type.STRING, format: 'enum', enum: ['replace', 'append'] },
    subject: {
      type: Type.OBJECT,
      nullable: true,
      description: 'the person, place, pet or object that recurs across the slides; null if none does',
      properties: {
        kind: { type: Type.STRING, format: 'enum', enum: ['person', 'place', 'pet', 'object'] },
        description: { type: Type.STRING },
        slides: {
          type: Type.ARRAY,
          items: { type: Type.INTEGER },
          description: 'indexes of the plan slides showing it',
        },
      },
      required: ['kind', 'description', 'slides'],
      propertyOrdering: ['kind', 'description', 'slides'],
    },
    captions: {
      type: Type.ARRAY,
      description: 'one post caption per text variant, in variant order',
      items: {
        type: Type.OBJECT,
        properties: {
          title: { type: Type.STRING, description: 'at most 90 characters' },
          description: { type: Type.STRING, description: 'at most 2200 characters' },
          hashtags: { type: Type.ARRAY, items: { type: Type.STRING }, description: '3 to 5, each starting with #' },
        },
        required: ['title', 'description', 'hashtags'],
        propertyOrdering: ['title', 'description', 'hashtags'],
      },
    },
    slides: {
      type: Type.ARRAY,
      items: {
        type: Type.OBJECT,
        properties: {
          role: { type: Type.STRING, format: 'enum', enum: ['hook', 'body', 'product', 'cta'] },
          sourceIndex: {
            type: Type.INTEGER,
            nullable: true,
            description: 'source slide index; null for an appended product slide',
          },
          scenes: { type: Type.ARRAY, items: { type: Type.STRING } },
          texts: { type: Type.ARRAY, items: { type: Type.STRING } },
        },
        required: ['role', 'sourceIndex', 'scenes', 'texts'],
        propertyOrdering: ['role', 'sourceIndex', 'scenes', 'texts'],
      },
    },
  },
  required: ['aspect', 'productPlacement', 'subject', 'captions', 'slides'],
  propertyOrdering: ['aspect', 'productPlacement', 'subject', 'captions', 'slides'],
};

export interface AnalysisPromptInput {
  p: number;
  t: number;
  sourceSlides: number;
  caption: string;
  description: string;
  /** The words read off each source slide ('' where it had none), in slide order. */
  sourceTexts: string[];
  /** Suggested from the source slides' shape. */
  aspect: '3:4' | '9:16';
  /** After a safety block: ask for neutral, family-friendly wording only. */
  sanitised?: boolean;
}

export function analysisPrompt(i: AnalysisPromptInput): string {
  const texts = i.sourceTexts.map(
    (t, k) => `- slide ${k}: ${t.trim() ? JSON.stringify(t.slice(0, 600)) : '(no text)'}`,
  );
  return [
    "You plan a new TikTok photo slideshow that re-makes the attached source slideshow for the user's product.",
    `Photo variations: P = ${i.p}. Text variations: T = ${i.t}. Source slides: ${i.sourceSlides} source slides, attached in order as slide 0 to slide ${i.sourceSlides - 1}; the product photo is attached last.`,
    `Source caption: ${JSON.stringify(i.caption.slice(0, 500))}`,
    `Product description: ${JSON.stringify(i.description.slice(0, 1500))}`,
    'The text on each source slide, as read from its pixels:',
    ...texts,
    '',
    'Rules:',
    "- One plan slide per source slide, in the same order, with sourceIndex = that source slide's index.",
    '- Roles: the first slide is "hook"; a closing call to action is "cta"; the rest are "body".',
    '- Exactly one slide has role "product". If the source has its own product or "link in bio" slide, that slide becomes the product slide (productPlacement "replace"). Otherwise add one product slide with sourceIndex null before a final cta, or at the end (productPlacement "append").',
    `- scenes: exactly ${i.p} different photo descriptions per slide (setting, subject, light, camera angle, mood) that keep the source slide's look. Pictures only: no text, letters, captions, logos or watermarks in them. Every product-slide scene shows the product from the product photo.`,
    `- texts: exactly ${i.t} overlay texts per slide that rewrite that slide's source text for the product: keep its structure (a numbered list stays numbered 1..N in one scheme, a title over a smaller paragraph stays a first line over the rest), tone, language, casing and length (never longer than about 200 characters). Where a source slide has no text, write none (""). Text variant k of every slide belongs to the same variant of the story; no line repeats within a variant, and variants differ from each other. Never repeat another brand's claims.`,
    `- captions: exactly ${i.t} post captions, caption k for text variant k, in the voice of the source caption: a title of at most 90 characters, a description of at most 2200, and 3 to 5 hashtags.`,
    '- subject: the person, place, pet or object that recurs across the slideshow and the plan slides that show it, so every image of a variant can show the same one; null when nothing recurs.',
    `- aspect: "${i.aspect}" unless the source slides clearly have the other shape.`,
    ...(i.sanitised
      ? [
          "- Keep every scene and text neutral and family-friendly: everyday settings and objects, no bodies, no medical, violent, adult, drug or weapon themes, no real people's names.",
        ]
      : []),
    'Answer with the JSON object only.',
  ].join('\n');
}

/** The follow-up after an invalid or truncated plan: the validation errors, then the full corrected JSON. */
export function repairPrompt(errors: string[]): string {
  return [
    'That plan is not valid. Problems:',
    ...errors.slice(0, 30).map((e) => `- ${e}`),
    'Return the complete corrected plan as one JSON object matching the schema, and nothing else. Keep texts short so the answer is not cut off.',
  ].join('\n');
}

export interface SlidePromptInput {
  plan: Pick<SlideshowPlan, 'aspect' | 'subject'>;
  slide: PlanSlide;
  slideIndex: number;
  slideCount: number;
  scene: string;
  productDescription: string;
  hasStyleReference: boolean;
  hasProductPhoto: boolean;
  /** The first image of this photo variant showing the recurring subject is attached as a reference. */
  hasSubjectReference?: boolean;
  /** Only when the model draws the overlay text itself (GEMINI_TEXT_MODE=model). */
  text?: string;
  sanitised?: boolean;
}

const RISKY =
  /\b(sexy|nude|naked|lingerie|bikini|blood|bloody|gun|guns|weapon|knife|kill|drugs?|pills?|cigarettes?|vape|alcohol|beer|wine|injur\w*|wound\w*|syringe|child|children|kids?|teen\w*)\b/gi;

/** Drops words that commonly trip safety filters; the meaning of a product scene survives without them. */
export function sanitiseScene(scene: string): string {
  return scene
    .replace(RISKY, '')
    .replace(/\s{2,}/g, ' ')
    .trim();
}

/** Where on the frame a slide's text sits: its area's middle, in thirds. */
export function textBand(style: SlideStyle): 'upper' | 'middle' | 'lower' {
  const middle = style.box.y + style.box.h / 2;
  return middle < 0.36 ? 'upper' : middle > 0.64 ? 'lower' : 'middle';
}

function textInstruction(text: string, style: SlideStyle): string {
  const look = {
    none: 'no outline',
    outline: `a ${style.accent} outline`,
    box: `on a ${style.accent} box`,
    shadow: `a soft ${style.accent} shadow`,
  }[style.treatment];
  const size = style.size < 0.05 ? 'small' : style.size < 0.07 ? 'medium' : 'large';
  return `Write this caption on the image, spelled exactly, once: "${text}". ${size} ${style.bold ? 'bold ' : ''}${style.font} letters in ${style.fill} with ${look}, ${style.align}-aligned, in the ${textBand(style)} part of the image, inside the safe area. No other text anywhere.`;
}

/**
 * The part of every image request of a link that does not change from slide to slide, sent first so
 * Gemini's implicit cache bills the repeated prefix at the cached rate.
 */
export function imageInstructions(i: {
  plan: Pick<SlideshowPlan, 'aspect'>;
  productDescription: string;
  drawsText: boolean;
}): string {
  return [
    'You create the photos of a TikTok photo slideshow, one photo per request.',
    `Portrait, aspect ratio ${i.plan.aspect}, photographic, natural and authentic like a phone photo.`,
    `The product: ${i.productDescription.slice(0, 300)}. Where a product photo is attached, show exactly this product, clearly recognisable, as the hero of the scene.`,
    'Where a "Subject reference" image is attached, it is an earlier photo of this slideshow: show the very same person, place, pet or object (same face, hair, build, clothes style, or same room and objects) in the new scene.',
    'Where a "Source slide" image is attached, use it only as a style reference (colour grading, light, composition, camera distance, mood). Do not copy its text, logos, watermarks or people.',
    i.drawsText
      ? 'Write only the caption you are given for the slide, nowhere else any text.'
      : 'No text of any kind: no letters, numbers, captions, watermarks, logos or user interface.',
  ].join('\n');
}

/** The per-slide part, sent last: which slide, its scene, where the caption goes, what is attached. */
export function slideImagePrompt(i: SlidePromptInput): string {
  const scene = i.sanitised ? sanitiseScene(i.scene) : i.scene;
  const lines = [
    `Now create the photo for slide ${i.slideIndex + 1} of ${i.slideCount} (${i.slide.role} slide).`,
    `Scene: ${scene}`,
  ];
  if (i.hasSubjectReference && i.plan.subject) {
    lines.push(
      `Show the same ${i.plan.subject.kind} as in the subject reference: ${i.plan.subject.description.slice(0, 300)}.`,
    );
  }
  if (i.hasStyleReference) lines.push('Match the look of the attached source slide.');
  if (i.hasProductPhoto) lines.push('Show the product from the attached product photo as the hero of the scene.');
  if (i.text !== undefined) {
    lines.push(textInstruction(i.text, i.slide.style));
  } else {
    lines.push(
      `No text of any kind. Keep the ${textBand(i.slide.style)} part of the frame calm and uncluttered so a caption can be placed there later.`,
    );
  }
  if (i.sanitised) {
    lines.push(
      'Keep the image safe for all audiences: an everyday setting, no bodies in focus, nothing medical, violent, adult, drug- or weapon-related.',
    );
  }
  return lines.join('\n');
}
