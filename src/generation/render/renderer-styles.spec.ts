import sharp from 'sharp';
import { createWorker, Worker } from 'tesseract.js';
import { DEFAULT_LOOK, SlideStyle } from '../../pipeline/plan';
import { FONT_CLASSES, FontClass, TextLook } from '../../pipeline/source-text';
import { faceFor } from './fonts';
import { layoutText, outputSize, renderSlide, safeArea, splitTitleBody } from './renderer';

/** The source's look set per font class, treatment, title and body; what cannot be drawn is said, never fatal. */
const TALL = outputSize('9:16');
const BOX = { x: 0.15, y: 0.3, w: 0.7, h: 0.2 };
const style = (over: Partial<SlideStyle> = {}): SlideStyle => ({ ...DEFAULT_LOOK, box: BOX, body: null, ...over });

async function plain(colour = '#7a8a9a'): Promise<Buffer> {
  return sharp({ create: { width: 1080, height: 1920, channels: 3, background: colour } })
    .jpeg()
    .toBuffer();
}

async function pixels(jpeg: Buffer): Promise<Buffer> {
  return sharp(jpeg).removeAlpha().raw().toBuffer();
}

/** Where two renders differ clearly, as a bounding box and a count. */
async function ink(
  a: Buffer,
  b: Buffer,
): Promise<{ count: number; left: number; right: number; top: number; bottom: number }> {
  const [pa, pb] = await Promise.all([pixels(a), pixels(b)]);
  const out = { count: 0, left: Infinity, right: -Infinity, top: Infinity, bottom: -Infinity };
  for (let i = 0; i < pa.length; i += 3) {
    const d = Math.max(Math.abs(pa[i] - pb[i]), Math.abs(pa[i + 1] - pb[i + 1]), Math.abs(pa[i + 2] - pb[i + 2]));
    if (d <= 40) continue;
    const x = (i / 3) % 1080;
    const y = Math.floor(i / 3 / 1080);
    out.count++;
    out.left = Math.min(out.left, x);
    out.right = Math.max(out.right, x);
    out.top = Math.min(out.top, y);
    out.bottom = Math.max(out.bottom, y);
  }
  return out;
}

async function countColour(jpeg: Buffer, match: (r: number, g: number, b: number) => boolean): Promise<number> {
  const p = await pixels(jpeg);
  let n = 0;
  for (let i = 0; i < p.length; i += 3) if (match(p[i], p[i + 1], p[i + 2])) n++;
  return n;
}

describe('font classes', () => {
  it('sets each class in its own face: different files, different widths for the same words', () => {
    const files = FONT_CLASSES.map((font) => faceFor({ font, bold: true }).file);
    expect(files.every((f) => /node_modules[\\/]@expo-google-fonts[\\/].+\.ttf$/.test(f))).toBe(true);
    expect(new Set(files).size).toBe(FONT_CLASSES.length);
    const widths = FONT_CLASSES.map((font) => {
      const face = faceFor({ font, bold: true });
      return face.shape('Hello glowing skin').width / face.unitsPerEm;
    });
    expect(new Set(widths.map((w) => w.toFixed(2))).size).toBe(FONT_CLASSES.length);
    // Courier Prime is monospaced: every letter the same advance.
    const mono = faceFor({ font: 'typewriter', bold: false });
    expect(mono.shape('iiii').width).toBe(mono.shape('WWWW').width);
    // Bold and regular are different files where the family has both.
    expect(faceFor({ font: 'serif', bold: true }).file).not.toBe(faceFor({ font: 'serif', bold: false }).file);
  });

  it.each(FONT_CLASSES.map((f) => [f]))('draws %s text with its own ink', async (font: FontClass) => {
    const base = await plain();
    const none = await renderSlide(base, '', style({ font }), TALL);
    const drawn = await renderSlide(base, 'Morning glow routine', style({ font }), TALL);
    const sans = await renderSlide(base, 'Morning glow routine', style({ font: 'sans' }), TALL);
    expect((await ink(drawn, none)).count).toBeGreaterThan(3000);
    if (font !== 'sans') expect((await ink(drawn, sans)).count).toBeGreaterThan(3000);
  });
});

describe('treatments and placement', () => {
  it('puts the box colour behind the text and the outline colour round it', async () => {
    const base = await plain();
    const red = (r: number, g: number, b: number) => r > 200 && g < 60 && b < 60;
    const boxed = await renderSlide(
      base,
      'Boxed words here',
      style({ treatment: 'box', accent: '#FF0000', fill: '#000000' }),
      TALL,
    );
    expect(await countColour(boxed, red)).toBeGreaterThan(20_000);
    const outlined = await renderSlide(
      base,
      'Outlined words',
      style({ treatment: 'outline', accent: '#FF0000' }),
      TALL,
    );
    const outlineRed = await countColour(outlined, red);
    expect(outlineRed).toBeGreaterThan(1500);
    expect(outlineRed).toBeLessThan(await countColour(boxed, red));
    const plainText = await renderSlide(base, 'Outlined words', style({ treatment: 'none', accent: null }), TALL);
    expect(await countColour(plainText, red)).toBe(0);
  });

  it('gives neon text a glow in its accent colour round the letters', async () => {
    const base = await plain('#101018');
    const pink = (r: number, g: number, b: number) => r > 120 && g < 80 && b > 80;
    const neon = style({ font: 'neon', bold: false, treatment: 'none', fill: '#FFFFFF', accent: '#FF2DAA' });
    expect(await countColour(await renderSlide(base, 'glow up', neon, TALL), pink)).toBeGreaterThan(3000);
    expect(await countColour(await renderSlide(base, 'glow up', { ...neon, font: 'sans' }, TALL), pink)).toBe(0);
  });

  it('sets the text in the source box, inside the safe area, aligned as the source was', async () => {
    const base = await plain();
    const none = await renderSlide(base, '', style(), TALL);
    const safe = safeArea(TALL);
    for (const align of ['left', 'center', 'right'] as const) {
      const box = { x: 0.1, y: 0.55, w: 0.72, h: 0.12 };
      const drawn = await renderSlide(base, 'Three words only', style({ align, box }), TALL);
      const b = await ink(drawn, none);
      expect(b.left).toBeGreaterThanOrEqual(safe.left - 8);
      expect(b.right).toBeLessThanOrEqual(safe.left + safe.width + 8);
      expect(b.left).toBeGreaterThanOrEqual(box.x * 1080 - 16);
      expect(b.right).toBeLessThanOrEqual((box.x + box.w) * 1080 + 16);
      const middle = (b.top + b.bottom) / 2;
      expect(Math.abs(middle - (box.y + box.h / 2) * 1920)).toBeLessThan(60);
      const centre = (b.left + b.right) / 2;
      if (align === 'left') expect(b.left).toBeLessThan(box.x * 1080 + 20);
      if (align === 'right') expect(b.right).toBeGreaterThan((box.x + box.w) * 1080 - 20);
      if (align === 'center') expect(Math.abs(centre - (box.x + box.w / 2) * 1080)).toBeLessThan(20);
    }
  });

  it('shrinks long text before cutting it, wraps it, and keeps it in the safe area', () => {
    const long = 'Nobody talks about this but the easiest way to keep your skin glowing all winter is a tiny routine';
    const short = layoutText('Short one', style({ size: 0.09 }), TALL)!;
    const wrapped = layoutText(long.repeat(3), style({ size: 0.09 }), TALL)!;
    expect(wrapped.fontPx).toBeLessThan(short.fontPx);
    expect(wrapped.lines.length).toBeGreaterThan(4);
    expect(wrapped.lines.map((l) => l.text).join(' ')).toBe(long.repeat(3));
    const safe = safeArea(TALL);
    expect(wrapped.block.top).toBeGreaterThanOrEqual(safe.top);
    expect(wrapped.block.top + wrapped.block.height).toBeLessThanOrEqual(safe.top + safe.height + 0.5);
    for (const l of wrapped.lines) expect(l.x + l.width).toBeLessThanOrEqual(safe.left + safe.width);
  });
});

it('sets tiny source captions at a readable size, and shrinks a long word whole rather than cutting it', () => {
  const tiny = layoutText('invest in yourself', style({ size: 0.02 }), TALL)!;
  expect(tiny.fontPx).toBeGreaterThanOrEqual(0.045 * TALL.width - 0.5);
  const big = layoutText('invest in yourself', style({ size: 0.08 }), TALL)!;
  expect(big.fontPx).toBeCloseTo(0.08 * TALL.width, 0);
  // One word wider than the source's text area at its size: set smaller on one line, never "overcomplicati / ng".
  const word = layoutText('overcomplicating', style({ size: 0.12, box: { x: 0.4, y: 0.3, w: 0.3, h: 0.1 } }), TALL)!;
  expect(word.lines.map((l) => l.text)).toEqual(['overcomplicating']);
  expect(word.fontPx).toBeLessThan(0.12 * TALL.width);
  const sentence = layoutText(
    'stop overcomplicating your routine',
    style({ size: 0.07, box: { x: 0.5, y: 0.3, w: 0.35, h: 0.1 } }),
    TALL,
  )!;
  expect(sentence.lines.map((l) => l.text).join(' ')).toBe('stop overcomplicating your routine');
  // The same with a body already at its smallest size under a big title: the title alone shrinks.
  const body: TextLook = { ...DEFAULT_LOOK, bold: false, size: 0.02 };
  const titled = layoutText(
    'stop overcomplicating your routine\nthis one is just for me',
    style({ size: 0.11, align: 'left', box: { x: 0.08, y: 0.05, w: 0.4, h: 0.1 }, body }),
    outputSize('3:4'),
  )!;
  expect(titled.lines.map((l) => l.text).join(' ')).toBe('stop overcomplicating your routine this one is just for me');
});

it('grows text taller than its source area away from the middle of the slide', () => {
  const text = 'gentle on sensitive skin, reusable, no needles, and it stays on all night';
  const upper = { x: 0.2, y: 0.25, w: 0.6, h: 0.04 };
  const lower = { x: 0.2, y: 0.6, w: 0.6, h: 0.04 };
  const up = layoutText(text, style({ size: 0.06, box: upper }), TALL)!;
  const down = layoutText(text, style({ size: 0.06, box: lower }), TALL)!;
  expect(up.block.height).toBeGreaterThan(upper.h * TALL.height * 2);
  // Its bottom stays at the source area's bottom (it grew upwards), and the lower one's top at its top.
  expect(Math.abs(up.block.top + up.block.height - (upper.y + upper.h) * TALL.height)).toBeLessThan(2);
  expect(Math.abs(down.block.top - lower.y * TALL.height)).toBeLessThan(2);
});

describe('title and body', () => {
  const body: TextLook = { ...DEFAULT_LOOK, bold: false, size: 0.04, casing: 'sentence' };

  it('sets the first line (and a bare list number before it) as the title, the rest in the body look', () => {
    expect(splitTitleBody('3\nDrink water\nA glass first thing.', true)).toEqual({
      title: ['3', 'Drink water'],
      body: ['A glass first thing.'],
    });
    expect(splitTitleBody('One\nTwo', false)).toEqual({ title: ['One', 'Two'], body: [] });
    const layout = layoutText(
      'Drink water\nA glass first thing, before coffee.',
      style({ casing: 'upper', body }),
      TALL,
    )!;
    expect(layout.parts.map((p) => p.look.bold)).toEqual([true, false]);
    expect(layout.parts[1].fontPx).toBeLessThan(layout.parts[0].fontPx);
    // The title's casing is the title's: the body keeps its own.
    expect(layout.lines.filter((l) => l.part === 0).map((l) => l.text)).toEqual(['DRINK WATER']);
    expect(
      layout.lines
        .filter((l) => l.part === 1)
        .map((l) => l.text)
        .join(' '),
    ).toBe('A glass first thing, before coffee.');
    const titleBottom = Math.max(...layout.lines.filter((l) => l.part === 0).map((l) => l.baseline));
    expect(Math.min(...layout.lines.filter((l) => l.part === 1).map((l) => l.top))).toBeGreaterThan(titleBottom);
  });
});

describe('what the fonts cannot draw', () => {
  it('leaves out a script the fonts lack with a warning, and draws the rest', async () => {
    const base = await plain();
    const notes: string[] = [];
    const out = await renderSlide(base, 'Best serum 最好的精华 ever', style(), TALL, notes);
    expect(notes).toEqual([expect.stringContaining('最好的精华')]);
    expect(out.equals(await renderSlide(base, 'Best serum ever', style(), TALL))).toBe(true);
    const arabic: string[] = [];
    await renderSlide(base, 'مرحبا بالعالم', style({ font: 'serif' }), TALL, arabic);
    expect(arabic.join(' ')).toMatch(/nothing of the text could be drawn/);
  });

  it('draws nothing for emoji-only text, and says so', async () => {
    const base = await plain();
    const notes: string[] = [];
    const out = await renderSlide(base, '🔥✨😍 🙏🏽 👨‍👩‍👧', style(), TALL, notes);
    expect(out.equals(await renderSlide(base, '', style(), TALL))).toBe(true);
    expect(notes.join(' ')).toMatch(/emoji/);
    expect(notes.join(' ')).toMatch(/nothing of the text could be drawn/);
    const clean: string[] = [];
    await renderSlide(base, 'Plain words', style(), TALL, clean);
    expect(clean).toEqual([]);
  });
});

describe('legibility (OCR)', () => {
  let worker: Worker;
  beforeAll(async () => {
    const eng = require('@tesseract.js-data/eng') as { langPath: string };
    worker = await createWorker('eng', 1, { langPath: eng.langPath, gzip: true, cacheMethod: 'none' });
  }, 120_000);
  afterAll(() => worker?.terminate());

  it.each(FONT_CLASSES.map((f) => [f]))(
    'reads back the words set in the %s face',
    async (font: FontClass) => {
      const base = await plain('#202830');
      const look = style({
        font,
        bold: true,
        size: 0.075,
        fill: '#FFFFFF',
        treatment: font === 'neon' ? 'none' : 'outline',
        accent: font === 'neon' ? '#33CCFF' : '#000000',
      });
      const out = await renderSlide(base, 'Simple morning routine', look, TALL);
      const { data } = await worker.recognize(await sharp(out).greyscale().toBuffer());
      const words = data.text.toLowerCase();
      for (const w of ['simple', 'morning', 'routine']) expect(words).toContain(w);
    },
    120_000,
  );
});
