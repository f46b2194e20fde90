import * as fs from 'node:fs';
import sharp from 'sharp';
import { DEFAULT_LOOK, defaultBox, SlideStyle } from '../../pipeline/plan';
import { drawableText, overlayFontPath } from './fonts';
import { layoutText as layoutStyled, outputSize, Rect, renderSlide as renderStyled, safeArea, Size } from './renderer';

/** These cases were written for the first plan format's one style per plan; they hold for its per-slide form. */
type TextStyle = {
  sizeClass: 'small' | 'medium' | 'large';
  fill: string;
  treatment: 'outline' | 'box' | 'shadow';
  accent: string;
  position: 'top' | 'middle' | 'bottom';
};
const SIZE_SHARE = { small: 0.045, medium: 0.06, large: 0.08 };
const asStyle = (s: TextStyle): SlideStyle => ({
  ...DEFAULT_LOOK,
  size: SIZE_SHARE[s.sizeClass],
  fill: s.fill,
  treatment: s.treatment,
  accent: s.accent,
  box: defaultBox(s.position),
  body: null,
});
const layoutText = (text: string, style: TextStyle, size: Size) => layoutStyled(text, asStyle(style), size);
const renderSlide = (base: Buffer, text: string, style: TextStyle, size: Size) =>
  renderStyled(base, text, asStyle(style), size);

const STYLE: TextStyle = {
  sizeClass: 'medium',
  fill: '#FFFFFF',
  treatment: 'outline',
  accent: '#000000',
  position: 'middle',
};
const TALL = outputSize('9:16');
const CLASSIC = outputSize('3:4');
const LONG_200 =
  'Nobody talks about this but the easiest way to keep your skin glowing all winter is a tiny routine you can do in two minutes every single morning before coffee, and it honestly works and so fast too!!';

async function greyBase(width = 1000, height = 1500): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background: { r: 128, g: 128, b: 128 } } })
    .jpeg()
    .toBuffer();
}

async function rgb(jpeg: Buffer): Promise<{ data: Buffer; width: number; height: number }> {
  const { data, info } = await sharp(jpeg).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height };
}

/** Pixels where two renders differ clearly (JPEG noise stays well under the threshold). */
async function changedPixels(a: Buffer, b: Buffer, threshold = 40): Promise<{ x: number; y: number }[]> {
  const [pa, pb] = await Promise.all([rgb(a), rgb(b)]);
  const out: { x: number; y: number }[] = [];
  for (let i = 0; i < pa.data.length; i += 3) {
    const d = Math.max(
      Math.abs(pa.data[i] - pb.data[i]),
      Math.abs(pa.data[i + 1] - pb.data[i + 1]),
      Math.abs(pa.data[i + 2] - pb.data[i + 2]),
    );
    if (d > threshold) out.push({ x: (i / 3) % pa.width, y: Math.floor(i / 3 / pa.width) });
  }
  return out;
}

/** JPEG's 16×16 chroma blocks can carry a change a few pixels past the drawn edge. */
const JPEG_SLACK = 16;
const inside = (p: { x: number; y: number }, r: Rect, slack = 0): boolean =>
  p.x >= r.left - slack && p.x < r.left + r.width + slack && p.y >= r.top - slack && p.y < r.top + r.height + slack;

async function textPixels(text: string, style: TextStyle, size: Size): Promise<{ x: number; y: number }[]> {
  const base = await greyBase();
  return changedPixels(await renderSlide(base, text, style, size), await renderSlide(base, '', style, size));
}

describe('outputSize and safeArea', () => {
  it('gives TikTok sizes: 1080 wide, 3:4 and 9:16', () => {
    expect(outputSize('3:4')).toEqual({ width: 1080, height: 1440 });
    expect(outputSize('9:16')).toEqual({ width: 1080, height: 1920 });
  });

  it('keeps clear of the right-hand buttons, the bottom caption zone and the top bar', () => {
    const s = safeArea(TALL);
    expect(s.left + s.width).toBeLessThanOrEqual(TALL.width * 0.88);
    expect(s.top + s.height).toBeLessThanOrEqual(TALL.height * 0.8);
    expect(s.top).toBeGreaterThanOrEqual(TALL.height * 0.08);
  });
});

describe('renderSlide', () => {
  it.each([
    ['3:4', CLASSIC, 1400, 900],
    ['9:16', TALL, 800, 1200],
  ])('writes a %s sRGB JPEG of exactly the output size, cover-fitted from any base', async (_aspect, size, w, h) => {
    const base = await sharp({ create: { width: w, height: h, channels: 3, background: '#336699' } })
      .jpeg()
      .withExif({ IFD0: { Copyright: 'someone else', Artist: 'camera' } })
      .toBuffer();
    expect((await sharp(base).metadata()).exif).toBeDefined();
    const out = await renderSlide(base, 'Hello there', STYLE, size);
    const meta = await sharp(out).metadata();
    expect(meta.format).toBe('jpeg');
    expect([meta.width, meta.height]).toEqual([size.width, size.height]);
    expect(meta.space).toBe('srgb');
    expect(meta.exif).toBeUndefined();
    expect(meta.icc).toBeUndefined();
    expect(meta.xmp).toBeUndefined();
  });

  it('loads its font from an npm package by path, not from the system', () => {
    const p = overlayFontPath();
    expect(p).toMatch(/node_modules[\\/]@expo-google-fonts[\\/]montserrat[\\/].+\.ttf$/);
    expect(fs.statSync(p).size).toBeGreaterThan(10_000);
  });

  it.each(['top', 'middle', 'bottom'] as const)(
    'draws text pixels inside the safe area and none outside it (%s)',
    async (position) => {
      for (const treatment of ['outline', 'box', 'shadow'] as const) {
        const style: TextStyle = {
          ...STYLE,
          position,
          treatment,
          sizeClass: 'large',
          accent: treatment === 'box' ? '#FF2050' : '#000000',
        };
        const changed = await textPixels('Wait for the last slide, it changed everything for me', style, TALL);
        const safe = safeArea(TALL);
        expect(changed.length).toBeGreaterThan(5000);
        expect(changed.filter((p) => !inside(p, safe, JPEG_SLACK))).toEqual([]);
        // The block sits where the position says: its centre in the upper, middle or lower third of the safe area.
        const cy = changed.reduce((a, p) => a + p.y, 0) / changed.length;
        const third = Math.min(2, Math.floor(((cy - safe.top) / safe.height) * 3));
        expect(third).toBe({ top: 0, middle: 1, bottom: 2 }[position]);
      }
    },
  );

  it('wraps a 200-character line and fits it, whole, inside the safe area', async () => {
    expect(LONG_200.length).toBe(200);
    for (const size of [TALL, CLASSIC]) {
      for (const sizeClass of ['small', 'medium', 'large'] as const) {
        const style = { ...STYLE, sizeClass };
        const layout = layoutText(LONG_200, style, size);
        const safe = safeArea(size);
        expect(layout).not.toBeNull();
        expect(layout!.lines.length).toBeGreaterThanOrEqual(3);
        expect(layout!.lines.map((l) => l.text).join(' ')).toBe(LONG_200);
        for (const line of layout!.lines) {
          expect(line.x).toBeGreaterThanOrEqual(safe.left);
          expect(line.x + line.width).toBeLessThanOrEqual(safe.left + safe.width);
        }
        expect(inside({ x: layout!.block.left, y: layout!.block.top }, safe)).toBe(true);
        expect(layout!.block.top + layout!.block.height).toBeLessThanOrEqual(safe.top + safe.height + 0.5);
      }
    }
    const changed = await textPixels(LONG_200, { ...STYLE, sizeClass: 'large', position: 'bottom' }, CLASSIC);
    expect(changed.length).toBeGreaterThan(10_000);
    expect(changed.filter((p) => !inside(p, safeArea(CLASSIC), JPEG_SLACK))).toEqual([]);
  });

  it('breaks a word longer than a line, and cuts text too long to fit with an ellipsis', async () => {
    const word = 'Supercalifragilisticexpialidocious'.repeat(3);
    const layout = layoutText(word, { ...STYLE, sizeClass: 'large' }, TALL)!;
    expect(layout.lines.length).toBeGreaterThan(1);
    expect(layout.lines.map((l) => l.text).join('')).toBe(word);

    const huge = `${LONG_200} `.repeat(2).trim() + ' and a bit more';
    const cut = layoutText(huge.repeat(4), { ...STYLE, sizeClass: 'large' }, CLASSIC)!;
    expect(cut.lines[cut.lines.length - 1].text.endsWith('\u2026')).toBe(true);
    const changed = await textPixels(huge.repeat(4), { ...STYLE, sizeClass: 'large' }, CLASSIC);
    expect(changed.filter((p) => !inside(p, safeArea(CLASSIC), JPEG_SLACK))).toEqual([]);
  });

  it('drops emoji the font cannot draw: emoji-only text renders exactly like no text', async () => {
    const base = await greyBase();
    const empty = await renderSlide(base, '', STYLE, TALL);
    const emoji = await renderSlide(base, '🔥✨😍 🙏🏽 👨‍👩‍👧 ❤️ 🇺🇸', STYLE, TALL);
    expect(emoji.equals(empty)).toBe(true);
    expect(layoutText('🔥✨😍', STYLE, TALL)).toBeNull();
    // Mixed text keeps its words and loses only the emoji.
    expect(drawableText('Glow 🔥 up ✨ now')).toBe('Glow up now');
    const mixed = await renderSlide(base, 'Glow 🔥 up ✨ now', STYLE, TALL);
    expect(mixed.equals(await renderSlide(base, 'Glow up now', STYLE, TALL))).toBe(true);
    expect(mixed.equals(empty)).toBe(false);
  });

  it('gives identical bytes for identical inputs', async () => {
    const base = await greyBase();
    const a = await renderSlide(base, 'Same words, same bytes', STYLE, CLASSIC);
    const b = await renderSlide(base, 'Same words, same bytes', STYLE, CLASSIC);
    expect(a.equals(b)).toBe(true);
  });

  it('paints the fill and accent colours of the style', async () => {
    const base = await greyBase();
    const count = async (style: TextStyle, match: (r: number, g: number, b: number) => boolean): Promise<number> => {
      const { data } = await rgb(await renderSlide(base, 'Colour check here', style, TALL));
      let n = 0;
      for (let i = 0; i < data.length; i += 3) if (match(data[i], data[i + 1], data[i + 2])) n++;
      return n;
    };
    const yellow = (r: number, g: number, b: number) => r > 220 && g > 220 && b < 60;
    const red = (r: number, g: number, b: number) => r > 200 && g < 60 && b < 60;
    const black = (r: number, g: number, b: number) => r < 30 && g < 30 && b < 30;
    expect(await count({ ...STYLE, fill: '#FFFF00' }, yellow)).toBeGreaterThan(3000);
    expect(await count({ ...STYLE, treatment: 'outline' }, black)).toBeGreaterThan(2000);
    expect(await count({ ...STYLE, treatment: 'box', accent: '#FF0000', fill: '#000000' }, red)).toBeGreaterThan(
      20_000,
    );
    expect(await count({ ...STYLE, treatment: 'shadow' }, black)).toBeLessThan(
      await count({ ...STYLE, treatment: 'outline' }, black),
    );
  });
});
