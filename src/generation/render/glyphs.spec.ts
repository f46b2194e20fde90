import sharp from 'sharp';
import { DEFAULT_LOOK, defaultBox, SlideStyle } from '../../pipeline/plan';
import { lettersAlpha } from './glyphs';
import { layoutText } from './layout';
import { overlayBounds, overlaySvg } from './overlay';

/** The cached glyph bitmaps must draw what librsvg draws for the whole text as one SVG. */
describe('lettersAlpha (glyph bitmaps cached per face, size and phase)', () => {
  const size = { width: 1080, height: 1920 };
  const style: SlideStyle = { ...DEFAULT_LOOK, box: defaultBox('middle'), body: null };

  it.each([
    ['a caption', 'POV: you finally found the serum that actually works', style],
    [
      'a long left-aligned text',
      'Nobody talks about this: the easiest way to keep your skin glowing all winter, even in a heatwave',
      { ...style, size: 0.045, align: 'left' as const },
    ],
    ['handwriting', 'Things I wish I knew before my first trip', { ...style, font: 'handwriting' as const }],
    ['serif', 'Quietly, the best jazz of your life', { ...style, font: 'serif' as const, bold: false }],
    ['typewriter', 'Day 12 of 30: a quick fix', { ...style, font: 'typewriter' as const }],
  ])('covers %s as librsvg does, within a subpixel of every edge', async (_name, text, look) => {
    const layout = layoutText(text, look, size)!;
    const area = overlayBounds(layout, size);
    const whole = await sharp(Buffer.from(overlaySvg(layout, area, true)))
      .ensureAlpha()
      .extractChannel(3)
      .raw()
      .toBuffer();
    const { alpha: first, ink } = await lettersAlpha(layout, area);
    const { alpha: again } = await lettersAlpha(layout, area);
    expect(Buffer.from(again).equals(Buffer.from(first))).toBe(true);
    expect(first.length).toBe(whole.length);
    let inked = 0;
    let outside = 0;
    let sum = 0;
    let far = 0;
    for (let i = 0; i < whole.length; i++) {
      if (whole[i] > 0) inked++;
      if (first[i] > 0) {
        // The ink box holds every drawn pixel: the outline pass walks only that box.
        const [x, y] = [i % area.width, Math.floor(i / area.width)];
        if (!ink || x < ink.x0 || x >= ink.x1 || y < ink.y0 || y >= ink.y1) outside++;
      }
      const d = Math.abs(first[i] - whole[i]);
      sum += d;
      // Quarter-pixel phases move an edge by at most 1/8 px on each axis: under 64 levels on a slanted edge.
      if (d > 64) far++;
    }
    expect(inked).toBeGreaterThan(10000);
    expect(outside).toBe(0);
    // Per inked pixel, edges only: thin faces (serif hairlines, handwriting) have more edge for their ink.
    expect(sum / inked).toBeLessThan(8);
    expect(far).toBe(0);
  });
});
