import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import sharp from 'sharp';
import { PermanentError } from '../../common/errors';
import { FetchedSlideshow } from '../../pipeline/slideshow';
import { AnalysisInput, ProductInput } from '../generator.interface';
import { SlideshowPlan, validatePlan } from '../../pipeline/plan';
import { outputSize, renderSlide } from '../render/renderer';
import { LocalGenerator, PRODUCT_BOX } from './local-generator';

let dir: string;
let product: ProductInput;

/** A structured synthetic photo (gradient sky, sun, hill) so crops, mirrors and grades show. */
function photoSvg(w: number, h: number, hue: number): Buffer {
  return Buffer.from(`<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}">
    <defs><linearGradient id="g" x1="0" y1="0" x2="1" y2="1"><stop offset="0" stop-color="hsl(${hue},70%,60%)"/><stop offset="1" stop-color="hsl(${hue + 90},70%,30%)"/></linearGradient></defs>
    <rect width="100%" height="100%" fill="url(#g)"/>
    <circle cx="${w * 0.3}" cy="${h * 0.3}" r="${w * 0.15}" fill="#fff3c0"/>
    <ellipse cx="${w * 0.8}" cy="${h}" rx="${w * 0.6}" ry="${h * 0.3}" fill="#1e3d2f"/></svg>`);
}

async function slideshow(count: number, w: number, h: number, name = 'post'): Promise<FetchedSlideshow> {
  const slides = [];
  for (let index = 0; index < count; index++) {
    const file = path.join(dir, `${name}-${index}.jpg`);
    await sharp(photoSvg(w, h, index * 67))
      .jpeg()
      .toFile(file);
    slides.push({ index, path: file, width: w, height: h });
  }
  return { postId: name, caption: '', url: `https://www.tiktok.com/@a/photo/${name}`, source: 'test', slides };
}

function analysisInput(show: FetchedSlideshow, over: Partial<AnalysisInput> = {}): AnalysisInput {
  return { linkId: 'link-1', slideshow: show, product, photoVariations: 3, textVariations: 4, ...over };
}

async function raw(img: Buffer): Promise<Buffer> {
  return sharp(img).removeAlpha().raw().toBuffer();
}

function meanAbsDiff(a: Buffer, b: Buffer): number {
  expect(a.length).toBe(b.length);
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += Math.abs(a[i] - b[i]);
  return sum / a.length;
}

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'local-gen-'));
  const photoPath = path.join(dir, 'product.png');
  // A product shot unlike any source slide: a red card with a yellow disc and a blue bar.
  await sharp(
    Buffer.from(`<svg xmlns="http://www.w3.org/2000/svg" width="600" height="800"><rect width="600" height="800" fill="#d8262f"/>
      <circle cx="300" cy="330" r="170" fill="#ffd23f"/><rect x="120" y="600" width="360" height="80" fill="#1f4bd1"/></svg>`),
  )
    .png()
    .toFile(photoPath);
  product = {
    photoPath,
    description: 'GlowDrop Vitamin C Serum. Brightens dull skin in two weeks. Lightweight and never sticky.',
  };
});

afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('LocalGenerator.analyse', () => {
  const gen = new LocalGenerator();

  it('plans hook, body slides and a product slide replacing the last source slide', async () => {
    const show = await slideshow(5, 1080, 1920);
    const plan = await gen.analyse(analysisInput(show));
    expect(plan.slides.map((s) => [s.role, s.sourceIndex])).toEqual([
      ['hook', 0],
      ['body', 1],
      ['body', 2],
      ['body', 3],
      ['product', 4],
    ]);
    expect(plan.productPlacement).toBe('replace');
    expect(plan.aspect).toBe('9:16');
    // No text was read off these slides: every slide gets TikTok's default caption look.
    for (const s of plan.slides)
      expect(s.style).toMatchObject({ fill: '#FFFFFF', treatment: 'outline', accent: '#000000' });
    expect(plan.captions).toHaveLength(4);
    expect(validatePlan(plan, { p: 3, t: 4, sourceSlides: 5 }).ok).toBe(true);
    for (const s of plan.slides) {
      expect(s.scenes).toHaveLength(3);
      expect(s.texts).toHaveLength(4);
    }
    expect(plan.slides[4].texts.every((t) => t.includes('GlowDrop Vitamin C Serum'))).toBe(true);
    expect(plan.slides[1].scenes[0]).toMatch(/^Source slide 2, zoomed/);
  });

  it('appends the product slide to a short source, or when configured to', async () => {
    const short = await slideshow(2, 1080, 1440, 'short');
    const plan = await gen.analyse(analysisInput(short));
    expect(plan.slides.map((s) => [s.role, s.sourceIndex])).toEqual([
      ['hook', 0],
      ['body', 1],
      ['product', null],
    ]);
    expect(plan.productPlacement).toBe('append');

    const long = await slideshow(4, 1080, 1920, 'long');
    const appended = await new LocalGenerator(undefined, { productPlacement: 'append' }).analyse(analysisInput(long));
    expect(appended.slides.map((s) => s.role)).toEqual(['hook', 'body', 'body', 'body', 'product']);
    expect(appended.slides[4].sourceIndex).toBeNull();
    expect(validatePlan(appended, { p: 3, t: 4, sourceSlides: 4 }).ok).toBe(true);
  });

  it.each([
    [1080, 1440, '3:4'],
    [1200, 1600, '3:4'],
    [1080, 1920, '9:16'],
    [720, 1280, '9:16'],
    [1080, 1080, '3:4'],
  ])('picks the closest TikTok aspect for %ix%i sources (%s)', async (w, h, aspect) => {
    const show = await slideshow(3, w, h, `a${w}x${h}`);
    expect((await gen.analyse(analysisInput(show))).aspect).toBe(aspect);
  });

  it('is deterministic, and different text variants of a slide say different things', async () => {
    const show = await slideshow(6, 1080, 1920, 'det');
    const input = analysisInput(show, { textVariations: 10 });
    const a = await gen.analyse(input);
    expect(await gen.analyse(input)).toEqual(a);
    for (const s of a.slides) expect(new Set(s.texts).size).toBe(10);
    const other = await gen.analyse({ ...input, linkId: 'link-2' });
    expect(other.slides.map((s) => s.texts)).not.toEqual(a.slides.map((s) => s.texts));
  });
});

describe('LocalGenerator.makeSlideImage', () => {
  const gen = new LocalGenerator();
  let show: FetchedSlideshow;
  let plan: SlideshowPlan;

  beforeAll(async () => {
    show = await slideshow(4, 1200, 1600, 'img');
    plan = await gen.analyse(analysisInput(show));
  });

  const image = (slideIndex: number, p: number, linkId = 'link-1') =>
    gen.makeSlideImage({
      linkId,
      plan,
      slideIndex,
      slide: plan.slides[slideIndex],
      photoIndex: p,
      slideshow: show,
      product,
      ...outputSize(plan.aspect),
    });

  it('makes images of exactly the output size, the same bytes for the same inputs', async () => {
    for (const slideIndex of [0, 3]) {
      const a = await image(slideIndex, 0);
      const meta = await sharp(a).metadata();
      expect([meta.width, meta.height]).toEqual([1080, 1440]);
      expect(a.equals(await image(slideIndex, 0))).toBe(true);
    }
  });

  it('makes a visibly different image for each photo variant', async () => {
    for (const slideIndex of [0, 1, 2, 3]) {
      const variants = await Promise.all([0, 1, 2].map(async (p) => raw(await image(slideIndex, p))));
      expect(meanAbsDiff(variants[0], variants[1])).toBeGreaterThan(4);
      expect(meanAbsDiff(variants[1], variants[2])).toBeGreaterThan(4);
    }
  });

  it('puts the product photo in the middle of the product slide', async () => {
    const { width, height } = outputSize(plan.aspect);
    const meta = await sharp(product.photoPath).metadata();
    const scale = Math.min((width * PRODUCT_BOX.width) / meta.width!, (height * PRODUCT_BOX.height) / meta.height!);
    const pw = Math.round(meta.width! * scale);
    const ph = Math.round(meta.height! * scale);
    // Compare the inner 80% of the product's place (corners are rounded) with the photo resized alike.
    const region = {
      left: Math.round((width - pw) / 2 + pw * 0.1),
      top: Math.round((height - ph) / 2 + ph * 0.1),
      width: Math.round(pw * 0.8),
      height: Math.round(ph * 0.8),
    };
    const expected = await sharp(product.photoPath)
      .resize(pw, ph)
      .extract({
        ...region,
        left: region.left - Math.round((width - pw) / 2),
        top: region.top - Math.round((height - ph) / 2),
      })
      .removeAlpha()
      .raw()
      .toBuffer();
    const productSlide = await sharp(await image(3, 1))
      .extract(region)
      .raw()
      .toBuffer();
    expect(meanAbsDiff(productSlide, expected)).toBeLessThan(6);
    // The same place on a body slide is nothing like the product: the comparison can fail.
    const bodySlide = await sharp(await image(1, 1))
      .extract(region)
      .raw()
      .toBuffer();
    expect(meanAbsDiff(bodySlide, expected)).toBeGreaterThan(40);
    // And the text drawn on it leaves the product visible, even where the source's text sat mid-slide: the
    // generator keeps the product slide's text to the band above the photo.
    const slide = { ...plan.slides[3], style: { ...plan.slides[3].style, box: { x: 0.2, y: 0.42, w: 0.6, h: 0.16 } } };
    const text = 'lumidew face tape is the one\ncheck the link in my bio';
    const band = gen.textBand(slide);
    expect(band).not.toBeNull();
    expect(gen.textBand(plan.slides[1])).toBeNull();
    const over = async (b: typeof band) =>
      meanAbsDiff(
        await sharp(await renderSlide(await image(3, 1), text, slide.style, { width, height }, [], b))
          .extract(region)
          .raw()
          .toBuffer(),
        expected,
      );
    expect(await over(band)).toBeLessThan(6);
    expect(await over(null)).toBeGreaterThan(8);
  });

  it('composes an appended product slide over the first source slide', async () => {
    const short = await slideshow(2, 1080, 1920, 'append');
    const p = await gen.analyse(analysisInput(short));
    const img = await gen.makeSlideImage({
      linkId: 'link-1',
      plan: p,
      slideIndex: 2,
      slide: p.slides[2],
      photoIndex: 0,
      slideshow: short,
      product,
      ...outputSize(p.aspect),
    });
    expect((await sharp(img).metadata()).height).toBe(1920);
  });

  it('fails permanently when the product photo cannot be read', async () => {
    const broken = { ...product, photoPath: path.join(dir, 'missing.png') };
    await expect(
      gen.makeSlideImage({
        linkId: 'link-1',
        plan,
        slideIndex: 3,
        slide: plan.slides[3],
        photoIndex: 0,
        slideshow: show,
        product: broken,
        ...outputSize(plan.aspect),
      }),
    ).rejects.toBeInstanceOf(PermanentError);
  });
});
