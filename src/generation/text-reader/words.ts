import { area, overlap, PxBox, unionPx } from './pixels';

/**
 * From the OCR's raw words to text lines and blocks: keep what reads as words, drop the junk the engine
 * reports on photo texture, merge the two passes (light text, dark text), group lines into blocks.
 */

/** Which pass read it: light text on a darker ground (TikTok's usual white captions) or dark on light. */
export type Polarity = 'light' | 'dark';

export interface RawWord {
  text: string;
  /** 0..100, as the engine reports it. */
  conf: number;
  box: PxBox;
  /** The engine's line this word belongs to (unique across passes). */
  line: string;
  polarity: Polarity;
  /** Per-character boxes (monospace cue). */
  symbols: PxBox[];
}

export interface ReadLine {
  words: RawWord[];
  /** Unread marks on the line (emojis, stickers): masked with the line, not part of its text. */
  extras: PxBox[];
  box: PxBox;
  polarity: Polarity;
}

export interface ReadBlock {
  lines: ReadLine[];
  box: PxBox;
  polarity: Polarity;
}

/** Below this the engine's word is mostly guesswork on texture. */
const MIN_CONF = 60;
/** A line needs one clear word: three letters or more read with this confidence. */
const ANCHOR_CONF = 75;

const letters = (s: string) => (s.match(/[\p{L}]/gu) ?? []).length;
const alnum = (s: string) => (s.match(/[\p{L}\p{N}]/gu) ?? []).length;

/** A word worth keeping: read with confidence and mostly letters or digits. */
export function isWord(w: RawWord): boolean {
  const t = w.text.trim();
  if (w.conf < MIN_CONF || !t) return false;
  const a = alnum(t);
  if (a === 0) return false;
  // "(", "—", "|" glued to a letter are the usual texture reads: at most a third of the word may be other.
  if (a / [...t].length < 0.6) return false;
  return a >= 2 || w.conf >= 85;
}

const height = (b: PxBox) => b.y1 - b.y0;

/** Words of one pass grouped by the engine's lines, junk dropped, emojis and stickers kept as extras. */
export function linesOf(words: RawWord[]): ReadLine[] {
  const byLine = new Map<string, RawWord[]>();
  for (const w of words) byLine.set(w.line, [...(byLine.get(w.line) ?? []), w]);
  const out: ReadLine[] = [];
  for (const all of byLine.values()) {
    const kept = all.filter(isWord);
    if (!kept.some((w) => letters(w.text) >= 3 && w.conf >= ANCHOR_CONF)) continue;
    const box = unionPx(kept.map((w) => w.box));
    const h = height(box);
    // Unread marks right beside the words (an emoji at the end of a caption) go with the line.
    const extras = all
      .filter((w) => !kept.includes(w))
      .map((w) => w.box)
      .filter(
        (b) =>
          b.y0 < box.y1 && b.y1 > box.y0 && height(b) < h * 2.2 && Math.max(box.x0 - b.x1, b.x0 - box.x1) < h * 1.5,
      );
    out.push({ words: kept.sort((a, b) => a.box.x0 - b.box.x0), extras, box, polarity: kept[0].polarity });
  }
  return out;
}

/** Two passes can read the same line; the one read with more confidence stays. */
export function mergePasses(lines: ReadLine[]): ReadLine[] {
  const score = (l: ReadLine) => l.words.reduce((s, w) => s + w.conf * alnum(w.text), 0);
  const sorted = [...lines].sort((a, b) => score(b) - score(a));
  const out: ReadLine[] = [];
  for (const l of sorted) {
    if (out.some((o) => overlap(o.box, l.box) > 0.3 * Math.min(area(o.box), area(l.box)))) continue;
    out.push(l);
  }
  return out.sort((a, b) => a.box.y0 - b.box.y0 || a.box.x0 - b.box.x0);
}

/**
 * Lines set one under the other, of like size and polarity, make a block (a caption, a title, a
 * paragraph); a gap taller than a line, a size jump or a side-by-side position starts a new one.
 */
export function blocksOf(lines: ReadLine[]): ReadBlock[] {
  const blocks: ReadBlock[] = [];
  for (const l of lines) {
    const h = height(l.box);
    const home = blocks.find((b) => {
      const last = b.lines[b.lines.length - 1];
      const lh = height(last.box);
      const gap = l.box.y0 - last.box.y1;
      const xOverlap = Math.min(l.box.x1, b.box.x1) - Math.max(l.box.x0, b.box.x0);
      return (
        b.polarity === l.polarity &&
        gap > -0.5 * lh &&
        gap < 1.1 * Math.max(h, lh) &&
        Math.max(h, lh) / Math.min(h, lh) < 1.7 &&
        xOverlap > 0
      );
    });
    if (home) {
      home.lines.push(l);
      home.box = unionPx([home.box, l.box]);
    } else blocks.push({ lines: [l], box: l.box, polarity: l.polarity });
  }
  return blocks;
}

export const lineText = (l: ReadLine): string => l.words.map((w) => w.text).join(' ');
