import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import sharp from 'sharp';
import { DEFAULT_LOOK, SlideshowPlan } from '../../pipeline/plan';
import { FetchedSlideshow, SourceSlide } from '../../pipeline/slideshow';
import { outputSize } from '../render/renderer';
import { ProductInput } from '../generator.interface';
import { block, card, photo } from './__fixtures__/sample-texts';
import { LocalGenerator, PRODUCT_BOX } from './local-generator';
import { reframing } from './reframing';

/**
 * The offline generator on slides the text reader has been over: photo variants come from the text-free
 * copy, a slide that may still carry text is never mirrored, the product slide blurs the cleaned image, and
 * a text-only card is rebuilt plain in its colour.
 */

const LINK = 'link-src';
const W = 600;
const H = 800;
const words = photo(W, H, block('sleep 8 hours every night', { x: 0.1, y: 0.7, w: 0.6, h: 0.03 }, DEFAULT_LOOK));
let dir: string;
let product: ProductInput;
let show: FetchedSlideshow;
let plan: SlideshowPlan;
const gen = new LocalGenerator();

async function solid(name: string, colour: string): Promise<string> {
  const file = path.join(dir, name);
  await sharp({ create: { width: W, height: H, channels: 3, background: colour } })
    .jpeg()
    .toFile(file);
  return file;
}

/** Left half one colour, right half another: a mirror swaps them. */
async function halves(name: string, left: string, right: string): Promise<string> {
  const file = path.join(dir, name);
  await sharp(
    Buffer.from(
      `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}"><rect width="${W / 2}" height="${H}" fill="${left}"/><rect x="${W / 2}" width="${W / 2}" height="${H}" fill="${right}"/></svg>`,
    ),
  )
    .jpeg()
    .toFile(file);
  return file;
}

async function image(slideIndex: number, p: number, s: FetchedSlideshow = show, pl: SlideshowPlan = plan) {
  return gen.makeSlideImage({
    linkId: LINK,
    plan: pl,
    slideIndex,
    slide: pl.slides[slideIndex],
    photoIndex: p,
    slideshow: s,
    product,
    ...outputSize(pl.aspect),
  });
}

/** Mean colour of a region given as shares of the image. */
async function mean(img: Buffer, at: { x: number; y: number; w: number; h: number }) {
  const { width, height } = await sharp(img).metadata();
  const region = {
    left: Math.round(at.x * width!),
    top: Math.round(at.y * height!),
    width: Math.round(at.w * width!),
    height: Math.round(at.h * height!),
  };
  // stats() reads its input, not the pipeline: cut the region out first.
  const { channels } = await sharp(await sharp(img).extract(region).png().toBuffer()).stats();
  return { r: channels[0].mean, g: channels[1].mean, b: channels[2].mean, spread: channels[0].stdev };
}

const brightness = (c: { r: number; g: number; b: number }) => (c.r + c.g + c.b) / 3;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'local-src-'));
  const photoPath = await solid('product.jpg', '#202020');
  product = { photoPath, description: 'LumiDew face tape – smoothing patches you wear overnight' };
  const slides: SourceSlide[] = [
    // Read and cleaned: the fetched pixels are red (standing for text), the clean copy blue | yellow.
    {
      index: 0,
      path: await solid('s0.jpg', '#d01010'),
      cleanPath: await halves('s0-clean.jpg', '#1030d0', '#f0e020'),
      width: W,
      height: H,
      text: words,
    },
    // Read, but no clean copy yet: black | white, and it must never come out white | black.
    { index: 1, path: await halves('s1.jpg', '#000000', '#ffffff'), width: W, height: H, text: words },
    // A text-only card: lavender with dark letters on it.
    {
      index: 2,
      path: await halves('s2.jpg', '#dcdcf8', '#2b3a9e'),
      width: W,
      height: H,
      text: card(W, H, '#DCDCF8', block('choose your soft life', { x: 0.1, y: 0.3, w: 0.8, h: 0.3 }, DEFAULT_LOOK)),
    },
    // The last slide, replaced by the product: red as fetched, green once cleaned.
    {
      index: 3,
      path: await solid('s3.jpg', '#d01010'),
      cleanPath: await solid('s3-clean.jpg', '#10c030'),
      width: W,
      height: H,
      text: words,
    },
  ];
  show = { postId: 'src', caption: '', url: 'https://www.tiktok.com/@a/photo/1', source: 'test', slides };
  plan = await gen.analyse({ linkId: LINK, slideshow: show, product, photoVariations: 8, textVariations: 2 });
});

afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('LocalGenerator on read and cleaned source slides', () => {
  it('makes photo variants from the text-free copy, never mirrored (scene text may remain)', async () => {
    expect(plan.slides.map((s) => [s.role, s.sourceIndex])).toEqual([
      ['hook', 0],
      ['body', 1],
      ['body', 2],
      ['product', 3],
    ]);
    const wouldMirror = [...Array(8).keys()].filter((p) => reframing(LINK, 0, p).mirror);
    expect(wouldMirror.length).toBeGreaterThan(0);
    expect(plan.slides[0].scenes.some((s) => s.includes('mirrored'))).toBe(false);
    for (const p of [0, wouldMirror[0]]) {
      const img = await image(0, p);
      const left = await mean(img, { x: 0.05, y: 0.3, w: 0.25, h: 0.4 });
      const right = await mean(img, { x: 0.7, y: 0.3, w: 0.25, h: 0.4 });
      // Nothing of the red fetched pixels, the clean copy's halves on their own sides.
      for (const c of [left, right]) expect(c.r).toBeLessThan(Math.max(c.g, c.b) + 40);
      expect({ p, leftBlue: left.b > right.b }).toEqual({ p, leftBlue: true });
    }
  });

  it('mirrors a slide that was read and carries no text at all', async () => {
    const textFree: SourceSlide = {
      index: 0,
      path: await halves('s-free.jpg', '#1030d0', '#f0e020'),
      width: W,
      height: H,
      text: { ...words, blocks: [], marks: [] },
    };
    const free = { ...show, slides: [textFree, ...show.slides.slice(1)] };
    const freePlan = await gen.analyse({
      linkId: LINK,
      slideshow: free,
      product,
      photoVariations: 8,
      textVariations: 2,
    });
    const mirrored = [...Array(8).keys()].filter((p) => reframing(LINK, 0, p).mirror);
    expect(freePlan.slides[0].scenes.map((s) => s.includes('mirrored'))).toEqual(
      [...Array(8).keys()].map((p) => mirrored.includes(p)),
    );
    const img = await image(0, mirrored[0], free, freePlan);
    const left = await mean(img, { x: 0.05, y: 0.3, w: 0.25, h: 0.4 });
    const right = await mean(img, { x: 0.7, y: 0.3, w: 0.25, h: 0.4 });
    expect(left.b > right.b).toBe(false);
  });

  it('never mirrors a slide that may still carry text', async () => {
    const wouldMirror = [...Array(8).keys()].filter((p) => reframing(LINK, 1, p).mirror);
    expect(wouldMirror.length).toBeGreaterThan(0);
    expect(plan.slides[1].scenes.some((s) => s.includes('mirrored'))).toBe(false);
    for (const p of wouldMirror.slice(0, 2)) {
      const img = await image(1, p);
      const left = brightness(await mean(img, { x: 0.02, y: 0.3, w: 0.2, h: 0.4 }));
      const right = brightness(await mean(img, { x: 0.78, y: 0.3, w: 0.2, h: 0.4 }));
      expect({ p, leftDarker: left + 100 < right }).toEqual({ p, leftDarker: true });
    }
  });

  it('rebuilds a text-only card plain, in its own colour, the same in every photo variant', async () => {
    expect(plan.slides[2].scenes[0]).toMatch(/clean #DCDCF8 card/);
    const a = await image(2, 0);
    const b = await image(2, 5);
    expect(a.equals(b)).toBe(true);
    const whole = await mean(a, { x: 0, y: 0, w: 1, h: 1 });
    expect(whole.spread).toBeLessThan(2);
    expect([whole.r, whole.g, whole.b].map(Math.round)).toEqual([
      expect.closeTo(0xdc, -1),
      expect.closeTo(0xdc, -1),
      expect.closeTo(0xf8, -1),
    ]);
  });

  it('takes a card’s colour from its pixels when the reader gave none', async () => {
    // Orange with dark letters over a third of it: the letters must not tint the rebuilt card.
    const orange = path.join(dir, 'orange.jpg');
    await sharp(
      Buffer.from(
        `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}"><rect width="${W}" height="${H}" fill="#f08020"/><rect x="60" y="300" width="480" height="200" fill="#1a1a1a"/></svg>`,
      ),
    )
      .jpeg()
      .toFile(orange);
    const slides = show.slides.map((s) =>
      s.index === 2 ? { ...s, path: orange, text: { ...s.text!, background: null } } : s,
    );
    const img = await image(2, 0, { ...show, slides });
    const c = await mean(img, { x: 0, y: 0, w: 1, h: 1 });
    expect(c.spread).toBeLessThan(2);
    expect([c.r - 0xf0, c.g - 0x80, c.b - 0x20].map((d) => Math.abs(d) <= 4)).toEqual([true, true, true]);
  });

  it('blurs the cleaned image behind the product, not the one with text', async () => {
    const img = await image(3, 0);
    // Above the product photo, below the top edge: background only.
    const top = (1 - PRODUCT_BOX.height) / 2;
    const bg = await mean(img, { x: 0.1, y: top * 0.3, w: 0.8, h: top * 0.4 });
    expect(bg.g).toBeGreaterThan(bg.r + 60);
  });

  it('puts the product on a card’s plain colour when it replaces a closing card', async () => {
    const slides = show.slides.map((s) => (s.index === 3 ? { ...show.slides[2], index: 3 } : s));
    const closing = { ...show, slides };
    const p = await gen.analyse({ linkId: LINK, slideshow: closing, product, photoVariations: 1, textVariations: 1 });
    const img = await image(3, 0, closing, p);
    const top = (1 - PRODUCT_BOX.height) / 2;
    const bg = await mean(img, { x: 0.1, y: top * 0.3, w: 0.8, h: top * 0.4 });
    // Lavender, graded a little darker, and none of the dark letters' colour blurred in.
    expect(bg.b).toBeGreaterThan(bg.r + 10);
    expect(bg.spread).toBeLessThan(4);
    expect(brightness(bg)).toBeGreaterThan(150);
  });
});
