import sharp, { JpegOptions } from 'sharp';
import { SlideshowPlan, SlideStyle } from '../../pipeline/plan';
import { TextLook } from '../../pipeline/source-text';
import { drawableText, glyphPathData, overlayFont, shapeLine } from './fonts';

/**
 * Draws TikTok-style overlay text onto a slide image and writes the final JPEG. The text is laid out
 * here (wrap, size fitting, safe area) and drawn as glyph outlines in an SVG composited by sharp, so the
 * result is the same bytes on every machine (see fonts.ts for why no `<text>` is used).
 */

export type Aspect = SlideshowPlan['aspect'];

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

/** TikTok's photo-mode sizes: 1080 wide, 3:4 or 9:16. */
export function outputSize(aspect: Aspect): { width: 1080; height: 1440 | 1920 } {
  return aspect === '3:4' ? { width: 1080, height: 1440 } : { width: 1080, height: 1920 };
}

/** Never blow an image up by more than this: past ~1.1× the softness shows. */
export const MAX_UPSCALE = 1.1;

/**
 * The slide size for a base image of `image` pixels: the aspect's standard size, shrunk (keeping its shape)
 * where that would enlarge the image more than `MAX_UPSCALE` times.
 */
export function slideSize(aspect: Aspect, image: { width: number; height: number }): Size {
  const full = outputSize(aspect);
  const scale = Math.min(1, MAX_UPSCALE * Math.min(image.width / full.width, image.height / full.height) || 1);
  const even = (n: number) => Math.max(2, 2 * Math.floor((n * scale) / 2));
  return scale >= 1 ? full : { width: even(full.width), height: even(full.height) };
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

/** Below this a slide is no longer readable on a phone: the text is cut with an ellipsis instead. */
const MIN_SHARE = 0.03;
const SHRINK_STEP = 0.92;

interface Treatment {
  /** Room the treatment needs round the glyphs, in em. */
  padX: number;
  padY: number;
  lineHeight: number;
}

const TREATMENTS: Record<SlideStyle['treatment'], Treatment> = {
  none: { padX: 0.06, padY: 0.06, lineHeight: 1.2 },
  outline: { padX: 0.09, padY: 0.09, lineHeight: 1.2 },
  box: { padX: 0.34, padY: 0.02, lineHeight: 1.32 },
  shadow: { padX: 0.14, padY: 0.16, lineHeight: 1.2 },
};

export interface LaidOutLine {
  text: string;
  /** Left edge of the glyphs and baseline, in pixels. */
  x: number;
  baseline: number;
  width: number;
}

export interface TextLayout {
  fontPx: number;
  lineHeightPx: number;
  lines: LaidOutLine[];
  /** The block including the treatment's room (outline, box padding, shadow). */
  block: Rect;
}

const ELLIPSIS = '\u2026';

/**
 * Widths in font units of words and of the space, measured once per layout: a line's width is their
 * sum, which keeps wrapping linear in the text length (kerning across a space is a few units at most,
 * well inside the treatment's padding).
 */
class Measure {
  private readonly cache = new Map<string, number>();
  readonly space = this.width(' ');
  width(s: string): number {
    let w = this.cache.get(s);
    if (w === undefined) {
      w = shapeLine(s).width;
      this.cache.set(s, w);
    }
    return w;
  }
}

/** Greedy word wrap in font units; a word longer than a line is broken between characters. */
function wrap(paragraph: string, maxUnits: number, m: Measure): string[] {
  const lines: string[] = [];
  let current = '';
  let currentWidth = 0;
  for (const word of paragraph.split(' ')) {
    const w = m.width(word);
    const candidate = current ? currentWidth + m.space + w : w;
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
      if (piece && m.width(piece + ch) > maxUnits) {
        lines.push(piece);
        piece = '';
      }
      piece += ch;
    }
    current = piece;
    currentWidth = m.width(piece);
  }
  if (current) lines.push(current);
  return lines;
}

/**
 * Wraps to as few lines as greedy wrapping needs, but with the narrowest width that keeps that count,
 * so lines come out even instead of one long line over a lonely last word.
 */
function wrapBalanced(paragraph: string, maxUnits: number, m: Measure): string[] {
  const greedy = wrap(paragraph, maxUnits, m);
  if (greedy.length < 2) return greedy;
  let lo = maxUnits / 2;
  let hi = maxUnits;
  let best = greedy;
  for (let i = 0; i < 10; i++) {
    const mid = (lo + hi) / 2;
    const lines = wrap(paragraph, mid, m);
    if (lines.length <= greedy.length) {
      best = lines;
      hi = mid;
    } else {
      lo = mid;
    }
  }
  return best;
}

/** Cuts the last line back until it and an ellipsis fit. */
function withEllipsis(line: string, maxUnits: number): string {
  let cut = line;
  while (cut.length > 0 && shapeLine(`${cut}${ELLIPSIS}`).width > maxUnits) cut = cut.slice(0, -1).trimEnd();
  return `${cut}${ELLIPSIS}`;
}

/**
 * Wraps and sizes `text` into the safe area: the size class's font size, shrunk step by step until the
 * block fits, and at the smallest readable size cut with an ellipsis. Null when nothing drawable is left.
 */
export function layoutText(text: string, style: SlideStyle, size: Size): TextLayout | null {
  const clean = drawableText(applyCasing(text, style.casing));
  if (!clean) return null;
  const font = overlayFont();
  const safe = safeArea(size);
  const t = TREATMENTS[style.treatment];
  const measure = new Measure();
  const minPx = size.width * MIN_SHARE;
  let fontPx = size.width * style.size;
  let lines: string[];
  let maxUnits: number;
  let fits: boolean;
  for (;;) {
    const scale = fontPx / font.unitsPerEm;
    maxUnits = Math.max(1, (safe.width - 2 * t.padX * fontPx) / scale);
    lines = clean.split('\n').flatMap((p) => wrapBalanced(p, maxUnits, measure));
    fits = lines.length * t.lineHeight * fontPx + 2 * t.padY * fontPx <= safe.height;
    if (fits || fontPx * SHRINK_STEP < minPx) break;
    fontPx *= SHRINK_STEP;
  }
  const lineHeightPx = t.lineHeight * fontPx;
  if (!fits) {
    const room = Math.max(1, Math.floor((safe.height - 2 * t.padY * fontPx) / lineHeightPx));
    if (lines.length > room) lines = [...lines.slice(0, room - 1), withEllipsis(lines[room - 1], maxUnits)];
  }
  const scale = fontPx / font.unitsPerEm;
  const blockHeight = lines.length * lineHeightPx + 2 * t.padY * fontPx;
  // Centred on the text area's middle, kept inside the safe area.
  const boxMiddle = (style.box.y + style.box.h / 2) * size.height;
  const blockTop = clamp(boxMiddle - blockHeight / 2, safe.top, safe.top + safe.height - blockHeight);
  const lineX = (width: number): number => {
    if (style.align === 'left') return clamp(style.box.x * size.width, safe.left, safe.left + safe.width - width);
    if (style.align === 'right')
      return clamp((style.box.x + style.box.w) * size.width - width, safe.left, safe.left + safe.width - width);
    return clamp((style.box.x + style.box.w / 2) * size.width - width / 2, safe.left, safe.left + safe.width - width);
  };
  // Centre the capitals in each line box: what the eye reads as "centred" text.
  const capOffset = (lineHeightPx + font.capHeight * scale) / 2;
  const laid = lines.map((line, i) => {
    const width = shapeLine(line).width * scale;
    return {
      text: line,
      x: lineX(width),
      baseline: blockTop + t.padY * fontPx + i * lineHeightPx + capOffset,
      width,
    };
  });
  const padX = t.padX * fontPx;
  const left = Math.min(...laid.map((l) => l.x)) - padX;
  const right = Math.max(...laid.map((l) => l.x + l.width)) + padX;
  return {
    fontPx,
    lineHeightPx,
    lines: laid,
    block: { left, top: blockTop, width: right - left, height: blockHeight },
  };
}

function clamp(v: number, lo: number, hi: number): number {
  return Math.max(lo, Math.min(v, Math.max(lo, hi)));
}

/** The source's casing, applied to new text: lower, UPPER, Title Case, or as written (sentence). */
export function applyCasing(text: string, casing: TextLook['casing']): string {
  if (casing === 'lower') return text.toLocaleLowerCase();
  if (casing === 'upper') return text.toLocaleUpperCase();
  if (casing === 'title')
    return text.replace(/(^|\s)(\p{Ll})/gu, (_, sp: string, c: string) => sp + c.toLocaleUpperCase());
  return text;
}

const n = (v: number): string => (Math.round(v * 100) / 100).toString();

/** The overlay as an SVG of glyph outlines, transparent outside the text. */
export function overlaySvg(layout: TextLayout, style: SlideStyle, size: Size): string {
  const font = overlayFont();
  const scale = layout.fontPx / font.unitsPerEm;
  const s = scale.toFixed(6);
  const defs = new Map<number, string>();
  const uses: string[] = [];
  for (const line of layout.lines) {
    for (const g of shapeLine(line.text).glyphs) {
      const d = glyphPathData(g.id);
      if (!d) continue;
      defs.set(g.id, `<path id="g${g.id}" d="${d}"/>`);
      const x = line.x + g.x * scale;
      const y = line.baseline - g.y * scale;
      uses.push(`<use xlink:href="#g${g.id}" transform="translate(${n(x)} ${n(y)}) scale(${s} -${s})"/>`);
    }
  }
  const glyphs = uses.join('');
  const em = layout.fontPx;
  const layers: string[] = [];
  const accent = style.accent ?? '#000000';
  let filter = '';
  if (style.treatment === 'box') {
    const padX = TREATMENTS.box.padX * em;
    const rects = layout.lines.map((l, i) => {
      const top = layout.block.top + TREATMENTS.box.padY * em + i * layout.lineHeightPx;
      // Boxes of adjacent lines overlap a little so the block reads as one shape, as TikTok draws it.
      return `<rect x="${n(l.x - padX)}" y="${n(top - 0.02 * em)}" width="${n(l.width + 2 * padX)}" height="${n(layout.lineHeightPx + 0.04 * em)}" rx="${n(0.22 * em)}"/>`;
    });
    layers.push(`<g fill="${accent}">${rects.join('')}</g>`);
  } else if (style.treatment === 'outline') {
    // The stroke is centred on the outline and drawn under the fill, so half of it shows: ~0.08 em.
    const strokeUnits = (0.16 * em) / scale;
    layers.push(
      `<g fill="${accent}" stroke="${accent}" stroke-width="${n(strokeUnits)}" stroke-linejoin="round">${glyphs}</g>`,
    );
  } else if (style.treatment === 'shadow') {
    filter = `<filter id="soft" filterUnits="userSpaceOnUse" x="0" y="0" width="${size.width}" height="${size.height}"><feGaussianBlur stdDeviation="${n(0.05 * em)}"/></filter>`;
    layers.push(
      `<g filter="url(#soft)" fill="${accent}" fill-opacity="0.85"><g transform="translate(${n(0.04 * em)} ${n(0.05 * em)})">${glyphs}</g></g>`,
    );
  }
  layers.push(`<g fill="${style.fill}">${glyphs}</g>`);
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" ` +
    `width="${size.width}" height="${size.height}" viewBox="0 0 ${size.width} ${size.height}">` +
    `<defs>${[...defs.values()].join('')}${filter}</defs>${layers.join('')}</svg>`
  );
}

/**
 * Plain libjpeg-turbo at q90 with optimised Huffman tables. mozjpeg's trellis quantisation would save about
 * 10% of the bytes but makes encoding 3–5× slower, and encoding is most of a slide's render time; a
 * 10,000-variation batch renders tens of thousands of slides.
 */
export const SLIDE_JPEG: JpegOptions = { quality: 90, optimiseCoding: true, chromaSubsampling: '4:2:0' };

/**
 * Cover-fits `base` to `size`, draws `text` in `style` (nothing when the text has nothing drawable) and
 * returns an sRGB JPEG without metadata, exactly `size`.
 */
export async function renderSlide(base: Buffer, text: string, style: SlideStyle, size: Size): Promise<Buffer> {
  const layout = layoutText(text, style, size);
  const image = sharp(base, { failOn: 'none' })
    .autoOrient()
    .resize(size.width, size.height, { fit: 'cover', position: 'centre' })
    .flatten({ background: '#000000' });
  if (layout) image.composite([{ input: Buffer.from(overlaySvg(layout, style, size)), left: 0, top: 0 }]);
  return image.toColourspace('srgb').jpeg(SLIDE_JPEG).toBuffer();
}
