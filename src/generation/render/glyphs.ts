import sharp from 'sharp';
import { Face } from './fonts';
import { Rect, TextLayout } from './layout';

/**
 * The letters' coverage (alpha) over a text region from glyph bitmaps cached per face, size, glyph and
 * subpixel phase: slides of a batch repeat the same letters at the same sizes, so librsvg rasterises each
 * one once (all of a slide's new ones in one call) and later slides only copy pixels. Positions round to a
 * quarter pixel, which moves an edge by at most 1/8 px against drawing the whole text as one SVG.
 */

const PHASES = 4;
/** About 2–4 KB a bitmap at caption sizes: a few MB at most, then the cache starts over. */
const CACHE_MAX = 3000;

interface Bitmap {
  /** Top-left of the bitmap from the glyph's whole-pixel origin. */
  dx: number;
  dy: number;
  width: number;
  height: number;
  alpha: Uint8Array;
}

interface Placed {
  key: string;
  face: Face;
  id: number;
  scale: number;
  /** Whole-pixel origin and quarter-pixel phase. */
  ix: number;
  iy: number;
  px: number;
  py: number;
}

const cache = new Map<string, Bitmap>();

const split = (v: number): [number, number] => {
  let i = Math.floor(v);
  let p = Math.round((v - i) * PHASES);
  if (p === PHASES) [i, p] = [i + 1, 0];
  return [i, p];
};

/** Where each drawn glyph of `layout` goes, with its cache key. */
function place(layout: TextLayout): Placed[] {
  const placed: Placed[] = [];
  for (const line of layout.lines) {
    const { face, fontPx } = layout.parts[line.part];
    const scale = fontPx / face.unitsPerEm;
    for (const g of face.shape(line.text).glyphs) {
      if (!face.pathData(g.id)) continue;
      const [ix, px] = split(line.x + g.x * scale);
      const [iy, py] = split(line.baseline - g.y * scale);
      placed.push({ key: `${face.file}|${scale}|${g.id}|${px}|${py}`, face, id: g.id, scale, ix, iy, px, py });
    }
  }
  return placed;
}

/** Rasterises `glyphs` (distinct keys) in one librsvg call, a row-packed sheet, and caches their bitmaps. */
async function rasterise(glyphs: Placed[]): Promise<void> {
  const SHEET = 2048;
  const cells: { g: Placed; x: number; y: number; b: Omit<Bitmap, 'alpha'> }[] = [];
  let x = 0;
  let y = 0;
  let rowHeight = 0;
  for (const g of glyphs) {
    const box = g.face.glyphBox(g.id);
    const fx = g.px / PHASES;
    const fy = g.py / PHASES;
    const dx = Math.floor(box.minX * g.scale + fx) - 1;
    const dy = Math.floor(-box.maxY * g.scale + fy) - 1;
    const width = Math.ceil(box.maxX * g.scale + fx) + 1 - dx;
    const height = Math.ceil(-box.minY * g.scale + fy) + 1 - dy;
    if (x + width > SHEET && x > 0) [x, y, rowHeight] = [0, y + rowHeight + 1, 0];
    cells.push({ g, x, y, b: { dx, dy, width, height } });
    x += width + 1;
    rowHeight = Math.max(rowHeight, height);
  }
  const sheetWidth = Math.max(1, ...cells.map((c) => c.x + c.b.width));
  const sheetHeight = Math.max(1, y + rowHeight);
  const paths = cells.map(({ g, x: cx, y: cy, b }) => {
    const s = g.scale.toFixed(6);
    const tx = cx - b.dx + g.px / PHASES;
    const ty = cy - b.dy + g.py / PHASES;
    return `<path transform="translate(${tx} ${ty}) scale(${s} -${s})" d="${g.face.pathData(g.id)}"/>`;
  });
  const svg =
    `<svg xmlns="http://www.w3.org/2000/svg" width="${sheetWidth}" height="${sheetHeight}">` +
    `<g fill="#000">${paths.join('')}</g></svg>`;
  const sheet = await sharp(Buffer.from(svg)).ensureAlpha().extractChannel(3).raw().toBuffer();
  for (const { g, x: cx, y: cy, b } of cells) {
    const alpha = new Uint8Array(b.width * b.height);
    for (let r = 0; r < b.height; r++)
      alpha.set(sheet.subarray((cy + r) * sheetWidth + cx, (cy + r) * sheetWidth + cx + b.width), r * b.width);
    cache.set(g.key, { ...b, alpha });
  }
}

/**
 * The coverage of `layout`'s letters over `area` (one byte a pixel, `area`-sized): each glyph's bitmap laid
 * over the others as librsvg paints overlapping paths. `ink`: the rows and columns of `area` the bitmaps
 * touch (area-relative), null when nothing is drawn.
 */
export async function lettersAlpha(
  layout: TextLayout,
  area: Rect,
): Promise<{ alpha: Uint8Array; ink: { x0: number; y0: number; x1: number; y1: number } | null }> {
  const placed = place(layout);
  if (cache.size + placed.length > CACHE_MAX) cache.clear();
  const fresh = new Map<string, Placed>();
  for (const p of placed) if (!cache.has(p.key) && !fresh.has(p.key)) fresh.set(p.key, p);
  if (fresh.size > 0) await rasterise([...fresh.values()]);
  const out = new Uint8Array(area.width * area.height);
  let ink: { x0: number; y0: number; x1: number; y1: number } | null = null;
  for (const p of placed) {
    const b = cache.get(p.key);
    if (!b) continue;
    const left = p.ix + b.dx - area.left;
    const top = p.iy + b.dy - area.top;
    const x0 = Math.max(0, -left);
    const x1 = Math.min(b.width, area.width - left);
    const [ix0, iy0, ix1, iy1] = [left + x0, Math.max(0, top), left + x1, Math.min(area.height, top + b.height)];
    if (ix1 > ix0 && iy1 > iy0)
      ink = ink
        ? { x0: Math.min(ink.x0, ix0), y0: Math.min(ink.y0, iy0), x1: Math.max(ink.x1, ix1), y1: Math.max(ink.y1, iy1) }
        : { x0: ix0, y0: iy0, x1: ix1, y1: iy1 };
    for (let r = Math.max(0, -top), rEnd = Math.min(b.height, area.height - top); r < rEnd; r++) {
      let i = r * b.width + x0;
      let o = (top + r) * area.width + left + x0;
      for (let c = x0; c < x1; c++, i++, o++) {
        const a = b.alpha[i];
        if (a === 0) continue;
        const d = out[o];
        out[o] = d === 0 ? a : (a + d - (a * d + 127) / 255) | 0;
      }
    }
  }
  return { alpha: out, ink };
}
