import type { FontClass, TextLook } from '../../pipeline/source-text';
import {
  clampBox,
  Colour,
  colourDistance,
  hex,
  luma,
  medianColour,
  pad,
  pixel,
  PxBox,
  Rgb,
  ring,
  shareNear,
  unionPx,
} from './pixels';
import { lineText, Polarity, ReadBlock } from './words';

/** Grey level of light letters (as the light reading pass thresholds them). */
const LIGHT_LEVEL = 200;

/**
 * The look a block of text was set in, measured from its pixels: which pixels are letters (Otsu's
 * threshold inside the word boxes, on the side the reading pass said), their colour, what surrounds
 * them (an outline, a shadow, a box), size, casing, alignment, and a font class from simple cues.
 */

export interface MeasuredLook {
  look: TextLook;
  /** The letters' colour and the outline/box colour, for the clean-up mask. */
  fill: Colour;
  accent: Colour | null;
  /** Per word box, the letters' pixel mask threshold: luma at or above (light) / at or below (dark). */
  threshold: number;
  /** The measured cues behind the font class (logged, and asserted in specs). */
  cues: { contrast: number; slant: number; pitchSpread: number; saturation: number };
}

function otsu(values: number[]): number {
  const hist = new Array<number>(256).fill(0);
  for (const v of values) hist[Math.max(0, Math.min(255, Math.round(v)))]++;
  const total = values.length;
  let sum = 0;
  for (let i = 0; i < 256; i++) sum += i * hist[i];
  let sumB = 0;
  let wB = 0;
  let best = 0;
  let threshold = 128;
  for (let t = 0; t < 256; t++) {
    wB += hist[t];
    if (!wB) continue;
    const wF = total - wB;
    if (!wF) break;
    sumB += t * hist[t];
    const mB = sumB / wB;
    const mF = (sum - sumB) / wF;
    const between = wB * wF * (mB - mF) ** 2;
    if (between > best) {
      best = between;
      threshold = t;
    }
  }
  return threshold;
}

/** True where (x, y) is a letter pixel of a block of this polarity and threshold. */
export function isInk(img: Rgb, x: number, y: number, polarity: Polarity, threshold: number): boolean {
  const l = luma(pixel(img, x, y));
  return polarity === 'light' ? l > threshold : l <= threshold;
}

const median = (v: number[]) => {
  if (!v.length) return 0;
  const s = [...v].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
};

/** Median horizontal and vertical run lengths of ink: the widths of vertical and horizontal strokes. */
function strokeRuns(ink: (x: number, y: number) => boolean, b: PxBox): { h: number; v: number } {
  const hr: number[] = [];
  const vr: number[] = [];
  for (let y = b.y0; y < b.y1; y++) {
    let run = 0;
    for (let x = b.x0; x <= b.x1; x++) {
      if (x < b.x1 && ink(x, y)) run++;
      else if (run) {
        hr.push(run);
        run = 0;
      }
    }
  }
  for (let x = b.x0; x < b.x1; x++) {
    let run = 0;
    for (let y = b.y0; y <= b.y1; y++) {
      if (y < b.y1 && ink(x, y)) run++;
      else if (run) {
        vr.push(run);
        run = 0;
      }
    }
  }
  return { h: median(hr), v: median(vr) };
}

/**
 * Lean of the letters: the shear that makes their strokes most vertical (the sharpest column profile of
 * the ink); about 0 for upright faces, 0.2-0.3 for italics and most handwriting.
 */
function slantOf(ink: (x: number, y: number) => boolean, b: PxBox): number {
  const pts: [number, number][] = [];
  for (let y = b.y0; y < b.y1; y++) for (let x = b.x0; x < b.x1; x++) if (ink(x, y)) pts.push([x, y]);
  if (pts.length < 40) return 0;
  const yc = (b.y0 + b.y1) / 2;
  let best = 0;
  let bestScore = -1;
  for (let s = -0.3; s <= 0.451; s += 0.075) {
    const hist = new Map<number, number>();
    for (const [x, y] of pts) {
      const k = Math.round(x + s * (y - yc));
      hist.set(k, (hist.get(k) ?? 0) + 1);
    }
    let score = 0;
    for (const v of hist.values()) score += v * v;
    if (score > bestScore * 1.02) {
      bestScore = score;
      best = s;
    }
  }
  return Math.round(best * 1000) / 1000;
}

/** Spread (coefficient of variation) of the distance between character centres within words. */
function pitchSpread(block: ReadBlock): number {
  const steps: number[] = [];
  for (const l of block.lines)
    for (const w of l.words) {
      const c = w.symbols.map((s) => (s.x0 + s.x1) / 2);
      for (let i = 1; i < c.length; i++) steps.push(c[i] - c[i - 1]);
    }
  if (steps.length < 12) return 1;
  const mean = steps.reduce((a, b) => a + b, 0) / steps.length;
  const sd = Math.sqrt(steps.reduce((a, b) => a + (b - mean) ** 2, 0) / steps.length);
  return mean > 0 ? sd / mean : 1;
}

export function casingOf(text: string): TextLook['casing'] {
  const words = text.split(/\s+/).filter((w) => /\p{L}/u.test(w));
  const lettersOnly = words.join('').replace(/[^\p{L}]/gu, '');
  if (!lettersOnly) return 'sentence';
  if (lettersOnly === lettersOnly.toLowerCase()) return 'lower';
  if (lettersOnly.length >= 2 && lettersOnly === lettersOnly.toUpperCase()) return 'upper';
  const capitalised = words.filter((w) => /^[^\p{L}]*\p{Lu}/u.test(w)).length;
  return words.length >= 2 && capitalised / words.length >= 0.75 ? 'title' : 'sentence';
}

/** Alignment from the spread of the lines' left edges, centres and right edges (in pixels). */
export function alignOf(lines: PxBox[], width: number): TextLook['align'] {
  if (lines.length < 2) {
    const c = (lines[0].x0 + lines[0].x1) / 2 / width;
    return Math.abs(c - 0.5) < 0.1 ? 'center' : c < 0.5 ? 'left' : 'right';
  }
  const spread = (v: number[]) => Math.max(...v) - Math.min(...v);
  const s = {
    left: spread(lines.map((l) => l.x0)),
    center: spread(lines.map((l) => (l.x0 + l.x1) / 2)),
    right: spread(lines.map((l) => l.x1)),
  };
  // Centred ties win: most captions are centred, and a block of equal-length lines is ambiguous.
  const best = (['center', 'left', 'right'] as const).reduce((a, b) => (s[b] < s[a] * 0.8 ? b : a));
  return best;
}

function fontOf(cues: MeasuredLook['cues'], fill: Colour, glow: boolean): FontClass {
  if (cues.pitchSpread < 0.1) return 'typewriter';
  if (cues.saturation > 0.45 && luma(fill) > 120 && glow) return 'neon';
  if (cues.slant > 0.16) return 'handwriting';
  if (cues.contrast > 1.6) return 'serif';
  return 'sans';
}

const saturationOf = (c: Colour) => {
  const max = Math.max(...c);
  return max ? (max - Math.min(...c)) / max : 0;
};

/** Measures the look of one block of text on `img` (the working-resolution slide). */
export function measureLook(img: Rgb, block: ReadBlock): MeasuredLook {
  const words = block.lines.flatMap((l) => l.words);
  const boxes = words.map((w) => clampBox(w.box, img.width, img.height));
  const lumas: number[] = [];
  for (const b of boxes)
    for (let y = b.y0; y < b.y1; y++) for (let x = b.x0; x < b.x1; x++) lumas.push(luma(pixel(img, x, y)));
  const threshold = otsu(lumas);
  // Light letters are near white and cover a minority of their boxes; on a light card the light pass can
  // read dark letters too (it sees them inverted), and then most of the box is near white: the ground.
  const white = lumas.filter((l) => l > LIGHT_LEVEL).length / Math.max(1, lumas.length);
  const polarity: Polarity = block.polarity === 'light' && white > 0.05 && white < 0.6 ? 'light' : 'dark';
  block.polarity = polarity;
  const ink = (x: number, y: number) => isInk(img, x, y, polarity, threshold);

  const inkColours: Colour[] = [];
  const groundColours: Colour[] = [];
  let inkCount = 0;
  let boxArea = 0;
  for (const b of boxes) {
    boxArea += (b.x1 - b.x0) * (b.y1 - b.y0);
    for (let y = b.y0; y < b.y1; y++)
      for (let x = b.x0; x < b.x1; x++) {
        if (ink(x, y)) {
          inkCount++;
          inkColours.push(pixel(img, x, y));
        } else groundColours.push(pixel(img, x, y));
      }
  }
  // The core of the letters: JPEG edges blend into the ground, the most extreme half is the true fill.
  const core = inkColours
    .map((c) => ({ c, l: luma(c) }))
    .sort((a, b) => (block.polarity === 'light' ? b.l - a.l : a.l - b.l))
    .slice(0, Math.max(1, Math.ceil(inkColours.length / 2)))
    .map((e) => e.c);
  const fill = medianColour(core);
  const ground = medianColour(groundColours);

  // What touches the letters: 1-2 px beyond the ink, split into the lower-right side and the upper-left.
  const near: Colour[] = [];
  const lowerRight: number[] = [];
  const upperLeft: number[] = [];
  for (const b of boxes)
    for (let y = b.y0 + 2; y < b.y1 - 2; y++)
      for (let x = b.x0 + 2; x < b.x1 - 2; x++) {
        if (ink(x, y)) continue;
        if (ink(x - 2, y - 2) || ink(x - 1, y - 1)) lowerRight.push(luma(pixel(img, x, y)));
        if (ink(x + 2, y + 2) || ink(x + 1, y + 1)) upperLeft.push(luma(pixel(img, x, y)));
        if (ink(x - 1, y) || ink(x + 1, y) || ink(x, y - 1) || ink(x, y + 1)) near.push(pixel(img, x, y));
      }
  const nearColour = medianColour(near);
  const h = median(block.lines.map((l) => l.box.y1 - l.box.y0));
  const around = ring(img, clampBox(pad(block.box, h * 0.3), img.width, img.height), Math.max(2, h * 0.4), 2);
  const aroundColour = medianColour(around);

  let treatment: TextLook['treatment'] = 'none';
  let accent: Colour | null = null;
  const contrastTo = (c: Colour) => Math.abs(luma(c) - luma(fill));
  const boxed =
    shareNear(ring(img, clampBox(pad(block.box, h * 0.15), img.width, img.height), Math.max(2, h * 0.2)), ground, 28) >
      0.85 && colourDistance(ground, aroundColour) > 45;
  if (boxed) {
    treatment = 'box';
    accent = ground;
  } else if (
    contrastTo(nearColour) > 90 &&
    // Beyond the ground, away from the fill: an anti-aliased edge lies between the two, an outline does not.
    (polarity === 'light' ? luma(nearColour) < luma(ground) - 25 : luma(nearColour) > luma(ground) + 25) &&
    Math.abs(median(lowerRight) - median(upperLeft)) < 40
  ) {
    treatment = 'outline';
    accent = nearColour;
  } else if (polarity === 'light' && median(upperLeft) - median(lowerRight) > 35) {
    treatment = 'shadow';
    accent = [0, 0, 0];
  }

  let hRuns = 0;
  let vRuns = 0;
  let slant = 0;
  for (const b of boxes) {
    const r = strokeRuns(ink, b);
    hRuns += r.h;
    vRuns += r.v;
    slant += slantOf(ink, b);
  }
  const saturation = saturationOf(fill);
  const cues = {
    contrast: vRuns > 0 ? hRuns / vRuns : 1,
    slant: boxes.length ? slant / boxes.length : 0,
    pitchSpread: pitchSpread(block),
    saturation,
  };
  const glow = saturationOf(nearColour) > 0.3 && colourDistance(nearColour, fill) < 140;
  const text = block.lines.map(lineText).join(' ');
  const look: TextLook = {
    font: fontOf(cues, fill, glow),
    bold: boxArea > 0 && inkCount / boxArea > 0.34,
    size: Math.max(0.015, Math.min(0.2, h / 0.95 / img.width)),
    fill: hex(fill),
    treatment,
    accent: accent ? hex(accent) : null,
    casing: casingOf(text),
    align: alignOf(
      block.lines.map((l) => l.box),
      img.width,
    ),
  };
  return { look, fill, accent, threshold, cues };
}

/** The area a block's look covers on the slide, for masks: the block padded by its outline or box. */
export function blockArea(block: ReadBlock, measured: MeasuredLook): PxBox {
  const h = median(block.lines.map((l) => l.box.y1 - l.box.y0));
  const boxes = block.lines.flatMap((l) => [l.box, ...l.extras]);
  return pad(unionPx(boxes), measured.look.treatment === 'box' ? h * 0.6 : h * 0.25);
}
