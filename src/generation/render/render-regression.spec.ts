import * as fs from 'node:fs';
import * as path from 'node:path';
import sharp from 'sharp';
import { DEFAULT_LOOK, defaultBox, SlideStyle } from '../../pipeline/plan';
import { outputSize, renderSlide } from './renderer';

/**
 * Pixel regression for the renderer's speed work: slides in TikTok's default look (Montserrat Bold) rendered by
 * the renderer as it was before the bounding-box rasterisation, stored half size, must come out the same within
 * JPEG noise. Style changes are tested elsewhere; these cases are the fixed path the refactor must not move.
 * `WRITE_RENDER_REFERENCES=1 npx jest render-regression` rewrites them (only ever on purpose).
 */
const DIR = path.join(__dirname, '../../../test/fixtures/render-reference');
const look = (over: Partial<SlideStyle>): SlideStyle => ({
  ...DEFAULT_LOOK,
  box: defaultBox('middle'),
  body: null,
  ...over,
});

const CASES: { name: string; aspect: '3:4' | '9:16'; text: string; style: SlideStyle }[] = [
  {
    name: 'outline-middle-916',
    aspect: '9:16',
    text: 'POV: you finally found the serum that actually works',
    style: look({}),
  },
  {
    name: 'box-top-34',
    aspect: '3:4',
    text: 'Things I wish I knew\nbefore my first trip',
    style: look({ treatment: 'box', accent: '#FF2050', fill: '#FFFFFF', box: defaultBox('top') }),
  },
  {
    name: 'shadow-bottom-916',
    aspect: '9:16',
    text: 'It changed everything for me',
    style: look({ treatment: 'shadow', size: 0.08, box: defaultBox('bottom') }),
  },
  {
    name: 'outline-long-34',
    aspect: '3:4',
    text: 'Nobody talks about this but the easiest way to keep your skin glowing all winter is a tiny routine you can do in two minutes every single morning before coffee',
    style: look({ size: 0.045, fill: '#FFE14D', align: 'left' }),
  },
];

/** A photo-like base, the same on every machine: gradient and shapes rasterised by librsvg. */
async function base(): Promise<Buffer> {
  const svg = `<svg width="1200" height="2100" xmlns="http://www.w3.org/2000/svg">
    <defs><linearGradient id="g" x1="0" y1="0" x2="1" y2="1"><stop offset="0" stop-color="#e9a86b"/><stop offset="1" stop-color="#2a4d69"/></linearGradient></defs>
    <rect width="100%" height="100%" fill="url(#g)"/><circle cx="600" cy="700" r="300" fill="#fff3c0" opacity="0.8"/>
    <rect x="100" y="1300" width="500" height="400" fill="#3b7a57" opacity="0.7"/></svg>`;
  return sharp(Buffer.from(svg)).jpeg({ quality: 92 }).toBuffer();
}

const half = (jpeg: Buffer, width: number) =>
  sharp(jpeg)
    .resize(width / 2)
    .removeAlpha()
    .raw()
    .toBuffer();

describe('renderer pixel regression (default look)', () => {
  it.each(CASES.map((c) => [c.name, c] as const))('%s matches its reference render', async (_name, c) => {
    const size = outputSize(c.aspect);
    const out = await renderSlide(await base(), c.text, c.style, size);
    const file = path.join(DIR, `${c.name}.png`);
    if (process.env.WRITE_RENDER_REFERENCES === '1') {
      fs.mkdirSync(DIR, { recursive: true });
      await sharp(out)
        .resize(size.width / 2)
        .png({ compressionLevel: 9, palette: true, colours: 256 })
        .toFile(file);
    }
    const ref = await sharp(fs.readFileSync(file)).removeAlpha().raw().toBuffer();
    const now = await half(out, size.width);
    expect(now.length).toBe(ref.length);
    let sum = 0;
    let far = 0;
    for (let i = 0; i < now.length; i++) {
      const d = Math.abs(now[i] - ref[i]);
      sum += d;
      if (d > 48) far++;
    }
    // The stored reference is palette-quantised (small in git): allow its rounding, not a moved or missing glyph.
    expect(sum / now.length).toBeLessThan(4);
    expect(far / now.length).toBeLessThan(0.002);
  });
});
