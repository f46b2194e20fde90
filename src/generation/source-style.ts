import { DEFAULT_LOOK, defaultBox, SlideStyle } from '../pipeline/plan';
import { Box, SlideText, SourceBlock, TextLook } from '../pipeline/source-text';

/** A body paragraph is set this much smaller than its title, at least. */
const BODY_RATIO = 0.85;

function union(boxes: Box[]): Box {
  const x0 = Math.min(...boxes.map((b) => b.x));
  const y0 = Math.min(...boxes.map((b) => b.y));
  const x1 = Math.max(...boxes.map((b) => b.x + b.w));
  const y1 = Math.max(...boxes.map((b) => b.y + b.h));
  return { x: x0, y: y0, w: x1 - x0, h: y1 - y0 };
}

/** The block that carries the slide's look: the largest text, the first one when sizes tie. */
function mainBlock(blocks: SourceBlock[]): SourceBlock {
  return blocks.reduce((best, b) => (b.look.size > best.look.size * 1.05 ? b : best), blocks[0]);
}

/**
 * The style a slide's new text is set in, read off its source text: the main block's look, the area all
 * its blocks covered, and the look of a smaller paragraph set under the title. Null when the slide had no
 * text (the caller then uses the slideshow's dominant style).
 */
export function styleFromSourceText(text: SlideText | undefined | null): SlideStyle | null {
  const blocks = text?.blocks ?? [];
  if (!blocks.length) return null;
  const main = mainBlock(blocks);
  const below = blocks.find((b) => b !== main && b.box.y >= main.box.y && b.look.size <= main.look.size * BODY_RATIO);
  return { ...main.look, box: union(blocks.map((b) => b.box)), body: below ? below.look : null };
}

const lookKey = (l: TextLook) => `${l.font}|${l.fill.toLowerCase()}|${l.treatment}|${l.casing}`;

/**
 * The slideshow's dominant style: the look most of its text slides share (ties go to the earliest slide),
 * with that slide's area; TikTok's default caption at the top when no slide had text.
 */
export function dominantStyle(texts: (SlideText | undefined | null)[]): SlideStyle {
  const styles = texts.map(styleFromSourceText).filter((s): s is SlideStyle => s !== null);
  if (!styles.length) return { ...DEFAULT_LOOK, box: defaultBox('top'), body: null };
  const counts = new Map<string, number>();
  for (const s of styles) counts.set(lookKey(s), (counts.get(lookKey(s)) ?? 0) + 1);
  return styles.reduce((best, s) => ((counts.get(lookKey(s)) ?? 0) > (counts.get(lookKey(best)) ?? 0) ? s : best));
}

/** Per source slide: its own style, or the slideshow's dominant one where it had no text. */
export function slideStyles(texts: (SlideText | undefined | null)[]): SlideStyle[] {
  const dominant = dominantStyle(texts);
  return texts.map((t) => styleFromSourceText(t) ?? dominant);
}
