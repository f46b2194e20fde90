import { SlideStyle } from '../../pipeline/plan';
import { TextLook } from '../../pipeline/source-text';
import { drawable, Face, faceFor } from './fonts';

/**
 * Lays a slide's text out in its style: the title line(s) in the slide's look, the lines after it in the
 * body's look (when the source set a paragraph under its title), wrapped and sized to fit the source's text
 * area inside the safe zone, shrunk step by step before anything is cut.
 */

export interface Size {
  width: number;
  height: number;
}

export interface Rect {
  left: number;
  top: number;
  width: number;
  height: number;
}

/**
 * Where overlay text may go: clear of the top bar (~8%), the right-hand button column (~12%) and the
 * caption / music zone at the bottom (~20%), with a small left margin to balance.
 */
export function safeArea(size: Size): Rect {
  const left = Math.round(size.width * 0.06);
  const right = Math.round(size.width * 0.88);
  const top = Math.round(size.height * 0.08);
  const bottom = Math.round(size.height * 0.8);
  return { left, top, width: right - left, height: bottom - top };
}

/** A horizontal band of a slide, as shares of its height (0 at the top). */
export interface TextBand {
  top: number;
  bottom: number;
}

/** The safe area, kept to `band` when one is given (never outside the safe area). */
function textArea(size: Size, band?: TextBand | null): Rect {
  const safe = safeArea(size);
  if (!band) return safe;
  const top = Math.max(safe.top, Math.round(band.top * size.height));
  const bottom = Math.min(safe.top + safe.height, Math.round(band.bottom * size.height));
  return bottom > top ? { ...safe, top, height: bottom - top } : safe;
}

/** Below this a slide is no longer readable on a phone: the text is cut with an ellipsis instead. */
const MIN_SHARE = 0.03;
/**
 * The size a title (or a text set in one look) and a body start from at the least, as shares of the slide's
 * width: many sources set their captions tiny (0.02 of the width, 22 px at 1080), which a photo full of detail
 * swallows once the new text is shorter or the photo is re-framed. Read back by OCR on the sample slideshows,
 * new words set at the source's tiny size were the ones most often lost.
 */
const READABLE_TITLE = 0.045;
const READABLE_BODY = 0.034;
const SHRINK_STEP = 0.92;
/** New text may wrap narrower than the safe area, never narrower than this share of it. */
const MIN_WRAP_SHARE = 0.6;
/** Space between the title and the body, in the body's em. */
const PART_GAP = 0.35;

export interface Treatment {
  /** Room the treatment needs round the glyphs, in em. */
  padX: number;
  padY: number;
  lineHeight: number;
}

export const TREATMENTS: Record<TextLook['treatment'], Treatment> = {
  none: { padX: 0.06, padY: 0.06, lineHeight: 1.2 },
  outline: { padX: 0.09, padY: 0.09, lineHeight: 1.2 },
  box: { padX: 0.34, padY: 0.02, lineHeight: 1.32 },
  shadow: { padX: 0.14, padY: 0.16, lineHeight: 1.2 },
};

export interface LaidOutLine {
  text: string;
  /** Index into `TextLayout.parts`. */
  part: number;
  /** Left edge of the glyphs and baseline, in pixels. */
  x: number;
  baseline: number;
  width: number;
  /** Top of the line's box (the box treatment's background), in pixels. */
  top: number;
}

export interface LaidOutPart {
  look: TextLook;
  face: Face;
  fontPx: number;
  lineHeightPx: number;
}

export interface TextLayout {
  parts: LaidOutPart[];
  lines: LaidOutLine[];
  /** The block including the treatments' room (outline, box padding, shadow). */
  block: Rect;
  /** The title's font size (the first part's). */
  fontPx: number;
}

const ELLIPSIS = '\u2026';

/** Greedy word wrap in font units; a word longer than a line is broken between characters. */
function wrap(paragraph: string, maxUnits: number, face: Face): string[] {
  const space = face.shape(' ').width;
  const lines: string[] = [];
  let current = '';
  let currentWidth = 0;
  for (const word of paragraph.split(' ')) {
    const w = face.shape(word).width;
    const candidate = current ? currentWidth + space + w : w;
    if (candidate <= maxUnits) {
      current = current ? `${current} ${word}` : word;
      currentWidth = candidate;
      continue;
    }
    if (current) lines.push(current);
    if (w <= maxUnits) {
      current = word;
      currentWidth = w;
      continue;
    }
    let piece = '';
    for (const ch of word) {
      if (piece && face.shape(piece + ch).width > maxUnits) {
        lines.push(piece);
        piece = '';
      }
      piece += ch;
    }
    current = piece;
    currentWidth = face.shape(piece).width;
  }
  if (current) lines.push(current);
  return lines;
}

/**
 * Wraps to as few lines as greedy wrapping needs, but with the narrowest width that keeps that count,
 * so lines come out even instead of one long line over a lonely last word.
 */
function wrapBalanced(paragraph: string, maxUnits: number, face: Face): string[] {
  const greedy = wrap(paragraph, maxUnits, face);
  if (greedy.length < 2) return greedy;
  // Never narrower than the longest word: a balanced line may move words, never cut one.
  let lo = Math.max(maxUnits / 2, Math.min(longestWord(paragraph, face), maxUnits));
  let hi = maxUnits;
  let best = greedy;
  for (let i = 0; i < 10; i++) {
    const mid = (lo + hi) / 2;
    const lines = wrap(paragraph, mid, face);
    if (lines.length <= greedy.length) {
      best = lines;
      hi = mid;
    } else {
      lo = mid;
    }
  }
  return best;
}

function longestWord(paragraph: string, face: Face): number {
  return Math.max(0, ...paragraph.split(/\s+/).map((w) => face.shape(w).width));
}

/** Cuts a line back until it and an ellipsis fit. */
function withEllipsis(line: string, maxUnits: number, face: Face): string {
  let cut = line;
  while (cut.length > 0 && face.shape(`${cut}${ELLIPSIS}`).width > maxUnits) cut = cut.slice(0, -1).trimEnd();
  return `${cut}${ELLIPSIS}`;
}

/** The source's casing, applied to new text: lower, UPPER, Title Case, or as written (sentence). */
export function applyCasing(text: string, casing: TextLook['casing']): string {
  if (casing === 'lower') return text.toLocaleLowerCase();
  if (casing === 'upper') return text.toLocaleUpperCase();
  if (casing === 'title')
    return text.replace(/(^|\s)(\p{Ll})/gu, (_, sp: string, c: string) => sp + c.toLocaleUpperCase());
  return text;
}

/**
 * The text's title and body: with a body look, the title is the first line (with a bare list number on the
 * line before it, as the offline copy writes "N\ntitle\nbody") and the body every line after; without one,
 * every line is set in the slide's look.
 */
export function splitTitleBody(text: string, hasBody: boolean): { title: string[]; body: string[] } {
  const lines = text.split('\n');
  if (!hasBody) return { title: lines, body: [] };
  let n = 0;
  while (n < lines.length - 1 && /^\d{1,2}$/.test(lines[n].trim())) n++;
  return { title: lines.slice(0, n + 1), body: lines.slice(n + 1) };
}

interface PartInput {
  look: TextLook;
  face: Face;
  paragraphs: string[];
}

const FACE_NAME = (look: TextLook) => `the ${look.font} face`;

/** Turns the text into the parts to set, leaving out (and noting) what the faces cannot draw. */
function partsOf(text: string, style: SlideStyle, notes: string[]): PartInput[] {
  const { title, body } = splitTitleBody(text.trim(), style.body !== null);
  const out: PartInput[] = [];
  let emoji = false;
  for (const [given, lines, readable] of [
    [style as TextLook, title, READABLE_TITLE],
    [style.body, body, READABLE_BODY],
  ] as const) {
    if (!given || !lines.length) continue;
    const look = given.size >= readable ? given : { ...given, size: readable };
    const face = faceFor(look);
    const d = drawable(applyCasing(lines.join('\n'), look.casing), face);
    emoji ||= d.emoji;
    if (d.missing.length)
      notes.push(`left out characters ${FACE_NAME(look)} has no glyphs for: ${d.missing.slice(0, 12).join('')}`);
    if (d.text) out.push({ look, face, paragraphs: d.text.split('\n') });
  }
  if (emoji) notes.push('left out emoji (the overlay fonts have none)');
  if (!out.length && text.trim()) notes.push('nothing of the text could be drawn; the slide has no text');
  return out;
}

function clamp(v: number, lo: number, hi: number): number {
  return Math.max(lo, Math.min(v, Math.max(lo, hi)));
}

/**
 * Wraps and sizes `text` into the style's text area inside the safe area: the look's font sizes, shrunk
 * together step by step until the block fits, and at the smallest readable size cut with an ellipsis.
 * Null when nothing drawable is left; what was left out is added to `notes`. With `band`, the text keeps to
 * that band of the slide (a product photo fills the rest).
 */
export function layoutText(
  text: string,
  style: SlideStyle,
  size: Size,
  notes: string[] = [],
  band?: TextBand | null,
): TextLayout | null {
  const inputs = partsOf(text, style, notes);
  if (!inputs.length) return null;
  const safe = textArea(size, band);
  const wrapWidth = clamp(style.box.w * size.width * 1.1, safe.width * MIN_WRAP_SHARE, safe.width);
  const minPx = size.width * MIN_SHARE;
  let k = 1;
  let wrapped: string[][] = [];
  let fits: boolean;
  // Parts shrink together; one that reaches the smallest readable size stays there while the others go on
  // (a big title over a body already at its floor can still shrink to fit a long word).
  const floorPx = (p: PartInput) => Math.min(minPx, size.width * p.look.size);
  const px = (p: PartInput) => Math.max(size.width * p.look.size * k, floorPx(p));
  const maxUnits = (p: PartInput) =>
    Math.max(1, (wrapWidth - 2 * TREATMENTS[p.look.treatment].padX * px(p)) / (px(p) / p.face.unitsPerEm));
  const partHeight = (p: PartInput, lines: number) => {
    const t = TREATMENTS[p.look.treatment];
    return lines * t.lineHeight * px(p) + 2 * t.padY * px(p);
  };
  const gap = (w: string[][]) => (w.length > 1 ? PART_GAP * px(inputs[1]) : 0);
  const height = (w: string[][]) => w.reduce((h, lines, i) => h + partHeight(inputs[i], lines.length), gap(w));
  const total = (w: string[][]) => w.reduce((n, lines) => n + lines.length, 0);
  for (;;) {
    wrapped = inputs.map((p) => p.paragraphs.flatMap((para) => wrapBalanced(para, maxUnits(p), p.face)));
    // A word wider than the line would be cut between letters: shrink first, down to the readable minimum.
    fits =
      height(wrapped) <= safe.height &&
      inputs.every((p) => p.paragraphs.every((para) => longestWord(para, p.face) <= maxUnits(p)));
    if (fits || inputs.every((p) => size.width * p.look.size * k * SHRINK_STEP < floorPx(p))) break;
    k *= SHRINK_STEP;
  }
  if (!fits) {
    // Cut from the end (the body first), the last kept line ending in an ellipsis.
    let cut = false;
    while (height(wrapped) > safe.height && total(wrapped) > 1) {
      const last = wrapped.length - 1;
      wrapped[last].pop();
      if (!wrapped[last].length) wrapped.pop();
      cut = true;
    }
    if (cut) {
      const last = wrapped.length - 1;
      const l = wrapped[last].length - 1;
      wrapped[last][l] = withEllipsis(wrapped[last][l], maxUnits(inputs[last]), inputs[last].face);
    }
  }
  const used = inputs.slice(0, wrapped.length);
  const blockHeight = height(wrapped);
  // Centred on the source's text area; a block taller than that area grows away from the slide's middle
  // (where the photo's subject usually is): up from a text area in the upper 40%, down from one in the lower.
  // Kept inside the safe area.
  const boxTop = style.box.y * size.height;
  const boxBottom = (style.box.y + style.box.h) * size.height;
  const boxMiddle = (boxTop + boxBottom) / 2;
  const centred = boxMiddle - blockHeight / 2;
  const side = boxMiddle < size.height * 0.4 ? 'upper' : boxMiddle > size.height * 0.6 ? 'lower' : 'middle';
  const grown = side === 'upper' ? boxBottom - blockHeight : side === 'lower' ? boxTop : centred;
  const blockTop = clamp(
    blockHeight > boxBottom - boxTop ? grown : centred,
    safe.top,
    safe.top + safe.height - blockHeight,
  );
  const lineX = (width: number): number => {
    const hi = safe.left + safe.width - width;
    if (style.align === 'left') return clamp(style.box.x * size.width, safe.left, hi);
    if (style.align === 'right') return clamp((style.box.x + style.box.w) * size.width - width, safe.left, hi);
    return clamp((style.box.x + style.box.w / 2) * size.width - width / 2, safe.left, hi);
  };
  const parts: LaidOutPart[] = [];
  const lines: LaidOutLine[] = [];
  let y = blockTop;
  let left = Infinity;
  let right = -Infinity;
  used.forEach((p, i) => {
    const t = TREATMENTS[p.look.treatment];
    const fontPx = px(p);
    const lineHeightPx = t.lineHeight * fontPx;
    const scale = fontPx / p.face.unitsPerEm;
    // Centre the capitals in each line box: what the eye reads as "centred" text.
    const capOffset = (lineHeightPx + p.face.capHeight * scale) / 2;
    parts.push({ look: p.look, face: p.face, fontPx, lineHeightPx });
    wrapped[i].forEach((text, j) => {
      const width = p.face.shape(text).width * scale;
      const x = lineX(width);
      const top = y + t.padY * fontPx + j * lineHeightPx;
      lines.push({ text, part: i, x, baseline: top + capOffset, width, top });
      left = Math.min(left, x - t.padX * fontPx);
      right = Math.max(right, x + width + t.padX * fontPx);
    });
    y += partHeight(p, wrapped[i].length) + (i === 0 ? gap(wrapped) : 0);
  });
  return {
    parts,
    lines,
    fontPx: parts[0].fontPx,
    block: { left, top: blockTop, width: right - left, height: blockHeight },
  };
}
