import { z } from 'zod';

/**
 * What the text reader finds on a slide: the text blocks with their boxes, lines and words, and the look
 * they were set in. Read once per fetched slideshow and stored with it (every batch and variation reuses
 * it); the plan keeps each slide's words and look, the renderer sets new text in that look and place.
 */

const unit = z.number().min(0).max(1);
/** Fractions of the slide's width and height (0..1), origin top-left. */
export const boxSchema = z.object({ x: unit, y: unit, w: unit, h: unit });
export type Box = z.infer<typeof boxSchema>;

/** TikTok's in-app font classes: a classic sans, a serif, a typewriter, a handwriting and a neon face. */
export const FONT_CLASSES = ['sans', 'serif', 'typewriter', 'handwriting', 'neon'] as const;
export type FontClass = (typeof FONT_CLASSES)[number];

export const hexColour = z.string().regex(/^#[0-9a-fA-F]{6}$/, 'a colour as #rrggbb');

/** How a block of text is set. */
export const textLookSchema = z.object({
  font: z.enum(FONT_CLASSES),
  bold: z.boolean(),
  /** Font em size as a share of the slide width (0.045 is TikTok's usual caption size on a 1080 px slide). */
  size: z.number().min(0.015).max(0.2),
  fill: hexColour,
  /** none: plain letters; outline: a stroke round them; box: on a filled box; shadow: a soft drop shadow. */
  treatment: z.enum(['none', 'outline', 'box', 'shadow']),
  /** The outline, box or shadow colour; null with treatment none. */
  accent: hexColour.nullable(),
  casing: z.enum(['lower', 'upper', 'title', 'sentence']),
  align: z.enum(['left', 'center', 'right']),
});
export type TextLook = z.infer<typeof textLookSchema>;

export interface SourceWord {
  text: string;
  box: Box;
  /** 0..1 */
  confidence: number;
}

export interface SourceLine {
  text: string;
  box: Box;
  words: SourceWord[];
}

export interface SourceBlock {
  text: string;
  box: Box;
  lines: SourceLine[];
  look: TextLook;
}

/** The text of one source slide, as read. */
export interface SlideText {
  /** 'card': a text-only slide on a plain background (rebuilt clean, not inpainted); 'photo' otherwise. */
  kind: 'photo' | 'card';
  blocks: SourceBlock[];
  /** Logos and watermarks the detector found; removed with the text. */
  marks: Box[];
  /** The plain background colour of a card. */
  background: string | null;
  width: number;
  height: number;
  /** Milliseconds spent reading and cleaning (benchmarks). */
  ms: number;
}

/** The slide's words in reading order, blocks separated by a line break. */
export function slideWords(text: SlideText | undefined | null): string {
  return (text?.blocks ?? []).map((b) => b.text).join('\n');
}
