/**
 * Render speed per core: renderSlide (cover-fit, overlay text, sRGB JPEG) at 1080×1440 and 1080×1920 vs
 * a bare sharp resize + JPEG encode (same options) of the same photo-like source image; the ratio is the
 * renderer's own cost (layout and the text overlay). libvips on one thread (sharp.concurrency(1)), one
 * slide at a time, so slides/s is per core.
 *
 *   npx ts-node bench/render-speed.ts
 */
import sharp from 'sharp';
import { DEFAULT_LOOK, defaultBox, SlideStyle } from '../src/pipeline/plan';
import { outputSize, renderSlide, SLIDE_JPEG } from '../src/generation/render/renderer';
import { BenchRow, runAlone } from './lib/report';
import { fmt } from './lib/stats';

const SECONDS_EACH = Number(process.env.BENCH_RENDER_SECONDS || 4);
const TEXT = 'POV: you finally found the serum that actually works for your skin';
const STYLE: SlideStyle = { ...DEFAULT_LOOK, box: defaultBox('middle'), body: null };
/** Other looks, measured at 9:16 for the record (the target is the default look's). */
const OTHER_LOOKS: { name: string; text: string; style: SlideStyle }[] = [
  { name: 'box look', text: TEXT, style: { ...STYLE, treatment: 'box', accent: '#FF2050' } },
  {
    name: 'title + body',
    text: 'Morning routine\nA glass of water first thing, then the serum on damp skin',
    style: { ...STYLE, body: { ...DEFAULT_LOOK, bold: false, size: 0.04, casing: 'sentence' } },
  },
];

/** A photo-like source a little larger than the output (gradient, shapes, grain), as a JPEG. */
async function source(width: number, height: number): Promise<Buffer> {
  const svg = `<svg width="${width}" height="${height}" xmlns="http://www.w3.org/2000/svg">
    <defs><linearGradient id="g" x1="0" y1="0" x2="1" y2="1"><stop offset="0" stop-color="#e9a86b"/><stop offset="1" stop-color="#2a4d69"/></linearGradient></defs>
    <rect width="100%" height="100%" fill="url(#g)"/><circle cx="${width / 2}" cy="${height / 3}" r="${width / 4}" fill="#fff3c0" opacity="0.8"/></svg>`;
  const grain = await sharp({
    create: { width, height, channels: 3, background: '#808080', noise: { type: 'gaussian', mean: 128, sigma: 10 } },
  })
    .png()
    .toBuffer();
  return sharp(Buffer.from(svg))
    .composite([{ input: grain, blend: 'overlay' }])
    .jpeg({ quality: 90 })
    .toBuffer();
}

/**
 * Slides per core-second of `a` and `b`, called alternately for `seconds` (after one warm-up each): on a
 * shared, loaded machine two back-to-back blocks see different loads, alternating calls see the same one.
 * Each call is timed in this process's CPU time (all its threads), which other processes' load leaves
 * alone, and each rate is one over the median, so a burst elsewhere moves neither.
 */
async function ratesSideBySide(
  seconds: number,
  a: () => Promise<unknown>,
  b: () => Promise<unknown>,
): Promise<[number, number]> {
  await a();
  await b();
  const ta: number[] = [];
  const tb: number[] = [];
  const time = async (fn: () => Promise<unknown>, into: number[]) => {
    const start = process.cpuUsage();
    await fn();
    const used = process.cpuUsage(start);
    into.push((used.user + used.system) / 1e6);
  };
  const end = Date.now() + seconds * 2000;
  while (Date.now() < end || ta.length < 5) {
    await time(a, ta);
    await time(b, tb);
  }
  const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)];
  return [1 / median(ta), 1 / median(tb)];
}

export interface RenderRates {
  aspect: '3:4' | '9:16';
  /** Absent: the default look. */
  look?: string;
  rendered: number;
  bare: number;
}

export async function measureRender(): Promise<RenderRates[]> {
  const before = sharp.concurrency();
  sharp.concurrency(1);
  try {
    const out: RenderRates[] = [];
    for (const aspect of ['3:4', '9:16'] as const) {
      const size = outputSize(aspect);
      const base = await source(Math.round(size.width * 1.1), Math.round(size.height * 1.1));
      const [rendered, bare] = await ratesSideBySide(
        SECONDS_EACH,
        () => renderSlide(base, TEXT, STYLE, size),
        () => sharp(base).resize(size.width, size.height, { fit: 'cover' }).jpeg(SLIDE_JPEG).toBuffer(),
      );
      out.push({ aspect, rendered, bare });
      if (aspect !== '9:16') continue;
      for (const other of OTHER_LOOKS) {
        const [r, b] = await ratesSideBySide(
          SECONDS_EACH,
          () => renderSlide(base, other.text, other.style, size),
          () => sharp(base).resize(size.width, size.height, { fit: 'cover' }).jpeg(SLIDE_JPEG).toBuffer(),
        );
        out.push({ aspect, look: other.name, rendered: r, bare: b });
      }
    }
    return out;
  } finally {
    sharp.concurrency(before);
  }
}

export function renderRows(rates: RenderRates[]): BenchRow[] {
  return rates.map((r) => {
    const size = outputSize(r.aspect);
    const ratio = r.bare / r.rendered;
    return {
      measurement: `Render speed ${size.width}×${size.height} with text${r.look ? `, ${r.look}` : ''}`,
      figure: `${fmt(ratio)}× bare sharp (${fmt(r.rendered, 1)} slides/s per core)`,
      ...(r.look ? {} : { target: '≤ 1.3× bare sharp', ok: ratio <= 1.3 }),
      notes: `bare sharp resize+encode of the same image ${fmt(r.bare, 1)}/s per core; renderer ÷ bare time (${fmt(1000 / r.rendered, 1)} vs ${fmt(1000 / r.bare, 1)} ms per slide); sharp.concurrency(1), JPEG q90, calls alternated, median CPU time per slide`,
    };
  });
}

export async function run(): Promise<BenchRow[]> {
  return renderRows(await measureRender());
}

if (require.main === module) runAlone(run);
