import { TextLook } from '../../pipeline/source-text';
import { LaidOutLine, LaidOutPart, Rect, Size, TextLayout, TREATMENTS } from './layout';

/**
 * The text layer: glyph outlines as SVG paths with the look's treatment (outline stroke, TikTok's rounded
 * box behind each line, soft shadow, neon glow), covering only the text's own region, and the blend of its
 * rasterised pixels into the slide.
 */

const n = (v: number): string => (Math.round(v * 100) / 100).toString();

/** How far past the block a look can reach (glyph overhang, stroke, shadow blur, glow), in em. */
const reach = (look: TextLook): number => (look.font === 'neon' ? 0.6 : 0.35);

/** The region an overlay covers, in whole pixels inside the slide. */
export function overlayBounds(layout: TextLayout, size: Size): Rect {
  const margin = Math.max(...layout.parts.map((p) => reach(p.look) * p.fontPx));
  const left = Math.max(0, Math.floor(layout.block.left - margin));
  const top = Math.max(0, Math.floor(layout.block.top - margin));
  const right = Math.min(size.width, Math.ceil(layout.block.left + layout.block.width + margin));
  const bottom = Math.min(size.height, Math.ceil(layout.block.top + layout.block.height + margin));
  return { left, top, width: Math.max(1, right - left), height: Math.max(1, bottom - top) };
}

/** One part's layers, bottom to top: treatment, then the letters in the fill colour. */
function partLayers(
  part: LaidOutPart,
  lines: LaidOutLine[],
  id: number,
  area: Rect,
  defs: Map<string, string>,
  skipOutline: boolean,
): string[] {
  const { look, face } = part;
  const em = part.fontPx;
  const scale = em / face.unitsPerEm;
  const s = scale.toFixed(6);
  const uses: string[] = [];
  for (const line of lines) {
    for (const g of face.shape(line.text).glyphs) {
      const d = face.pathData(g.id);
      if (!d) continue;
      const key = `p${id}g${g.id}`;
      if (!defs.has(key)) defs.set(key, `<path id="${key}" d="${d}"/>`);
      const x = line.x + g.x * scale;
      const y = line.baseline - g.y * scale;
      uses.push(`<use xlink:href="#${key}" transform="translate(${n(x)} ${n(y)}) scale(${s} -${s})"/>`);
    }
  }
  const glyphs = uses.join('');
  const accent = look.accent ?? '#000000';
  const layers: string[] = [];
  const blur = (name: string, sd: number) =>
    `<filter id="${name}" filterUnits="userSpaceOnUse" x="${area.left}" y="${area.top}" width="${area.width}" height="${area.height}"><feGaussianBlur stdDeviation="${n(sd)}"/></filter>`;
  if (look.font === 'neon') {
    // A tube's light: a wide soft halo and a tight bright one in the glow colour, under white-hot letters.
    const glow = look.accent ?? look.fill;
    defs.set(`f${id}w`, blur(`f${id}w`, 0.18 * em)).set(`f${id}t`, blur(`f${id}t`, 0.06 * em));
    const halo = `<g filter="url(#f${id}w)" fill="${glow}">${glyphs}</g>`;
    // The wide halo twice: one pass of a blur that wide fades to a tint before it reads as light.
    layers.push(
      halo,
      halo,
      `<g filter="url(#f${id}t)" fill="${glow}" stroke="${glow}" stroke-width="${n((0.08 * em) / scale)}">${glyphs}</g>`,
    );
  }
  if (look.treatment === 'box') {
    const padX = TREATMENTS.box.padX * em;
    const rects = lines.map(
      // Boxes of adjacent lines overlap a little so the block reads as one shape, as TikTok draws it.
      (l) =>
        `<rect x="${n(l.x - padX)}" y="${n(l.top - 0.02 * em)}" width="${n(l.width + 2 * padX)}" height="${n(part.lineHeightPx + 0.04 * em)}" rx="${n(0.22 * em)}"/>`,
    );
    layers.push(`<g fill="${accent}">${rects.join('')}</g>`);
  } else if (look.treatment === 'outline' && !skipOutline) {
    // The stroke is centred on the outline and drawn under the fill, so half of it shows: ~0.08 em.
    const strokeUnits = (0.16 * em) / scale;
    layers.push(
      `<g fill="${accent}" stroke="${accent}" stroke-width="${n(strokeUnits)}" stroke-linejoin="round">${glyphs}</g>`,
    );
  } else if (look.treatment === 'shadow') {
    defs.set(`f${id}s`, blur(`f${id}s`, 0.05 * em));
    layers.push(
      `<g filter="url(#f${id}s)" fill="${accent}" fill-opacity="0.85"><g transform="translate(${n(0.04 * em)} ${n(0.05 * em)})">${glyphs}</g></g>`,
    );
  }
  layers.push(`<g fill="${look.fill}">${glyphs}</g>`);
  return layers;
}

/**
 * The overlay as an SVG covering only `area` of the slide (slide coordinates, via the viewBox), transparent
 * outside the text: rasterising the text's own region instead of the whole slide is most of what the
 * renderer saves over drawing a full-slide layer.
 */
export function overlaySvg(layout: TextLayout, area: Rect, skipOutline = false): string {
  const defs = new Map<string, string>();
  // Boxes and halos of every part go under every part's letters, so a body's box never covers the title.
  const perPart = layout.parts.map((part, i) =>
    partLayers(
      part,
      layout.lines.filter((l) => l.part === i),
      i,
      area,
      defs,
      skipOutline,
    ),
  );
  const under = perPart.flatMap((layers) => layers.slice(0, -1));
  const letters = perPart.map((layers) => layers[layers.length - 1]);
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" ` +
    `width="${area.width}" height="${area.height}" viewBox="${area.left} ${area.top} ${area.width} ${area.height}">` +
    `<defs>${[...defs.values()].join('')}</defs>${under.join('')}${letters.join('')}</svg>`
  );
}

/** Lays `overlay` (straight RGBA, `area`-sized) over `pixels` (RGB, `width` wide) at the area's place. */
export function blendOver(pixels: Buffer, width: number, overlay: Buffer, area: Rect): void {
  for (let y = 0; y < area.height; y++) {
    let o = y * area.width * 4;
    let p = ((area.top + y) * width + area.left) * 3;
    for (let x = 0; x < area.width; x++, o += 4, p += 3) {
      const a = overlay[o + 3];
      if (a === 0) continue;
      if (a === 255) {
        pixels[p] = overlay[o];
        pixels[p + 1] = overlay[o + 1];
        pixels[p + 2] = overlay[o + 2];
        continue;
      }
      const b = 255 - a;
      pixels[p] = (overlay[o] * a + pixels[p] * b + 127) / 255;
      pixels[p + 1] = (overlay[o + 1] * a + pixels[p + 1] * b + 127) / 255;
      pixels[p + 2] = (overlay[o + 2] * a + pixels[p + 2] * b + 127) / 255;
    }
  }
}

/** Half the outline stroke: what shows of it outside the letters, in em. */
const OUTLINE_REACH = 0.08;

/**
 * The outline to draw from the letters' own pixels instead of as an SVG stroke (which is most of librsvg's
 * time on an outlined caption): for a text in one outlined look, the default TikTok caption. Null otherwise.
 */
export function outlineFromPixels(
  layout: TextLayout,
): { fill: [number, number, number]; accent: [number, number, number]; radius: number } | null {
  if (layout.parts.length !== 1) return null;
  const { look, fontPx } = layout.parts[0];
  if (look.treatment !== 'outline' || look.font === 'neon') return null;
  const rgb = (hex: string) => [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16)) as [number, number, number];
  return { fill: rgb(look.fill), accent: rgb(look.accent ?? '#000000'), radius: OUTLINE_REACH * fontPx };
}

/**
 * Draws the outline (`radius` px round the letters, `letters.alpha` their coverage, one byte a pixel,
 * `area`-sized) in `accent` and then the letters in `fill` over `pixels` (RGB, `width` wide) at the area's
 * place: a two-pass chamfer distance from the letters' pixels, ramped over one pixel at `radius` past their
 * edge so it comes out as the round-joined stroke librsvg would draw, with the blend done in the second pass.
 * Only the letters' ink box grown by the outline is walked: nothing is drawn further out.
 */
export function drawOutlined(
  pixels: Buffer,
  width: number,
  letters: { alpha: Uint8Array; ink: { x0: number; y0: number; x1: number; y1: number } | null },
  colours: { fill: [number, number, number]; accent: [number, number, number] },
  radius: number,
  region: Rect,
): void {
  if (!letters.ink) return;
  const grow = Math.ceil(radius) + 2;
  const sx = Math.max(0, letters.ink.x0 - grow);
  const sy = Math.max(0, letters.ink.y0 - grow);
  const area: Rect = {
    left: region.left + sx,
    top: region.top + sy,
    width: Math.min(region.width, letters.ink.x1 + grow) - sx,
    height: Math.min(region.height, letters.ink.y1 + grow) - sy,
  };
  const stride = region.width;
  const alpha = letters.alpha;
  // Distances in 1/256 px, as small integers: the JIT keeps them in registers, no float conversions.
  const FAR = 1 << 24;
  const ONE = 256;
  const DIAG = 362; // √2 px
  const { width: aw, height: ah } = area;
  // One pixel of padding on every side: the passes need no edge checks.
  const w = aw + 2;
  const d = new Int32Array(w * (ah + 2)).fill(FAR);
  for (let y = 1; y <= ah; y++) {
    for (let i = y * w + 1, o = (sy + y - 1) * stride + sx, end = i + aw; i < end; i++, o++) {
      const a = alpha[o];
      // A partly covered pixel is about (0.5 - coverage) px from the edge.
      if (a >= 128) {
        d[i] = 0;
        continue;
      }
      let v = a > 0 ? (((128 - a) * ONE) / 255) | 0 : FAR;
      let t = d[i - 1] + ONE;
      if (t < v) v = t;
      t = d[i - w] + ONE;
      if (t < v) v = t;
      t = d[i - w - 1] + DIAG;
      if (t < v) v = t;
      t = d[i - w + 1] + DIAG;
      if (t < v) v = t;
      d[i] = v;
    }
  }
  const [ar, ag, ab] = colours.accent;
  const [fr, fg, fb] = colours.fill;
  const full = Math.round(radius * ONE);
  const none = full + ONE;
  for (let y = ah; y >= 1; y--) {
    let p = ((area.top + y - 1) * width + area.left + aw - 1) * 3;
    for (let i = y * w + aw, o = (sy + y - 1) * stride + sx + aw - 1, start = y * w; i > start; i--, o--, p -= 3) {
      let v = d[i];
      if (v !== 0) {
        let t = d[i + 1] + ONE;
        if (t < v) v = t;
        t = d[i + w] + ONE;
        if (t < v) v = t;
        t = d[i + w + 1] + DIAG;
        if (t < v) v = t;
        t = d[i + w - 1] + DIAG;
        if (t < v) v = t;
        d[i] = v;
        if (v >= none) continue;
      }
      const a = alpha[o];
      if (a === 255) {
        pixels[p] = fr;
        pixels[p + 1] = fg;
        pixels[p + 2] = fb;
        continue;
      }
      const c = v <= full ? 255 : ((none - v) * 255 + 128) >> 8;
      const k = 255 - c;
      let r = (ar * c + pixels[p] * k + 127) / 255;
      let g = (ag * c + pixels[p + 1] * k + 127) / 255;
      let b = (ab * c + pixels[p + 2] * k + 127) / 255;
      if (a !== 0) {
        const q = 255 - a;
        r = (fr * a + r * q + 127) / 255;
        g = (fg * a + g * q + 127) / 255;
        b = (fb * a + b * q + 127) / 255;
      }
      pixels[p] = r;
      pixels[p + 1] = g;
      pixels[p + 2] = b;
    }
  }
}
