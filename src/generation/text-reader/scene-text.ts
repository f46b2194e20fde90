import type { MeasuredLook } from './look';
import { colourDistance } from './pixels';
import type { ReadBlock } from './words';

/** A block as the engine has measured it: its words, its look, and whether it is a logo or watermark. */
export interface Measured {
  block: ReadBlock;
  look: MeasuredLook;
  mark: boolean;
}

/** The caption a slide is judged against has at least this many words (a sentence, not a label). */
const CAPTION_WORDS = 4;
/** A label has at most this many words read (fragments of one: "DKEN nc ent rate"), half the caption's at most. */
const LABEL_WORDS = 4;
/** Fills further apart than this (RGB distance) are not one caption's colours. */
const OTHER_FILL = 60;
/** A title sits within this many of the caption's line heights above or below it. */
const NEAR_LINES = 2;

const wordCount = (b: ReadBlock) => b.lines.reduce((n, l) => n + l.words.length, 0);
const lineHeight = (b: ReadBlock) => (b.box.y1 - b.box.y0) / Math.max(1, b.lines.length);

/**
 * Text printed on things in the photo (a bottle's label, a jar's brand, a sign) rather than set over it:
 * the reader finds it too, but it is part of the picture. On a slide with a caption (a block of four words or
 * more), a short block (≤ 4 words, half the caption's at most) in another colour, away from the caption, is
 * such text. It is left in the
 * photo (no inpainted smudge across a product), and it does not lend the new text its look or its place.
 * Without a caption to compare with, every block counts as caption text, as before.
 */
export function sceneText(measured: Measured[]): Set<Measured> {
  const text = measured.filter((m) => !m.mark);
  const longer = (m: Measured, best: Measured | null) => !best || wordCount(m.block) > wordCount(best.block);
  const caption = text.reduce<Measured | null>(
    (best, m) => (wordCount(m.block) >= CAPTION_WORDS && longer(m, best) ? m : best),
    null,
  );
  const scene = new Set<Measured>();
  if (!caption) return scene;
  const near = NEAR_LINES * lineHeight(caption.block);
  for (const m of text) {
    const words = wordCount(m.block);
    if (m === caption || words > LABEL_WORDS || words * 2 > wordCount(caption.block)) continue;
    if (colourDistance(m.look.fill, caption.look.fill) <= OTHER_FILL) continue;
    const gap = Math.max(caption.block.box.y0 - m.block.box.y1, m.block.box.y0 - caption.block.box.y1);
    if (gap > near) scene.add(m);
  }
  return scene;
}
