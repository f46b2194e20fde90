/**
 * Writes the README's example slides (docs/images/*.jpg) with the offline generator and the renderer,
 * from synthetic source slides drawn here, so they can be regenerated at any time:
 *   npx ts-node bench/make-doc-images.ts
 * With `--measure` it also times renderSlide and makeSlideImage at 1080×1920 (median of 20 runs).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import sharp from 'sharp';
import { LocalGenerator } from '../src/generation/local/local-generator';
import { defaultBox, SlideshowPlan, SlideStyle } from '../src/pipeline/plan';
import { outputSize, renderSlide } from '../src/generation/render/renderer';
import { FetchedSlideshow } from '../src/pipeline/slideshow';

const OUT = path.join(__dirname, '..', 'docs', 'images');
/** Docs show the slides at two thirds of their size: plenty to read them, and each file stays far under 200 KB. */
const DOC_WIDTH = 720;

/** A photo-like synthetic scene: a sky gradient, a sun, hills and a few soft shapes. */
function sceneSvg(width: number, height: number, hue: number): string {
  const c = (h: number, s: number, l: number): string => `hsl(${(h + 360) % 360},${s}%,${l}%)`;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">
  <defs><linearGradient id="sky" x1="0" y1="0" x2="0" y2="1">
    <stop offset="0" stop-color="${c(hue, 70, 62)}"/><stop offset="1" stop-color="${c(hue + 40, 80, 82)}"/></linearGradient></defs>
  <rect width="100%" height="100%" fill="url(#sky)"/>
  <circle cx="${width * 0.7}" cy="${height * 0.3}" r="${width * 0.13}" fill="${c(hue + 60, 95, 88)}"/>
  <ellipse cx="${width * 0.2}" cy="${height * 0.9}" rx="${width * 0.8}" ry="${height * 0.3}" fill="${c(hue + 150, 40, 38)}"/>
  <ellipse cx="${width * 0.9}" cy="${height * 0.98}" rx="${width * 0.7}" ry="${height * 0.28}" fill="${c(hue + 170, 45, 28)}"/>
  <rect x="${width * 0.15}" y="${height * 0.55}" width="${width * 0.2}" height="${height * 0.12}" rx="20" fill="${c(hue + 200, 30, 92)}" opacity="0.8"/>
</svg>`;
}

/** A synthetic product shot: a serum bottle on a light backdrop. */
const PRODUCT_SVG = `<svg xmlns="http://www.w3.org/2000/svg" width="800" height="800">
  <rect width="800" height="800" fill="#f4efe9"/>
  <rect x="300" y="120" width="200" height="90" rx="14" fill="#2d2a32"/>
  <rect x="250" y="200" width="300" height="480" rx="60" fill="#e2a86b"/>
  <rect x="290" y="330" width="220" height="200" rx="12" fill="#fffaf2"/>
  <rect x="320" y="380" width="160" height="22" rx="6" fill="#2d2a32"/>
  <rect x="340" y="420" width="120" height="14" rx="6" fill="#8a7f74"/>
</svg>`;

async function main(): Promise<void> {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'doc-images-'));
  fs.mkdirSync(OUT, { recursive: true });
  const product = path.join(work, 'product.png');
  await sharp(Buffer.from(PRODUCT_SVG)).png().toFile(product);

  const slideshow = async (w: number, h: number, hues: number[]): Promise<FetchedSlideshow> => ({
    postId: `doc${w}x${h}`,
    caption: 'synthetic',
    url: 'https://www.tiktok.com/@doc/photo/1',
    source: 'doc',
    slides: await Promise.all(
      hues.map(async (hue, index) => {
        const file = path.join(work, `s${w}x${h}-${index}.jpg`);
        await sharp(Buffer.from(sceneSvg(w, h, hue)))
          .jpeg()
          .toFile(file);
        return { index, path: file, width: w, height: h };
      }),
    ),
  });

  const generator = new LocalGenerator();
  const productInput = {
    photoPath: product,
    description:
      'GlowDrop Vitamin C Serum. Brightens dull skin in two weeks. Lightweight and never sticky. Vegan and cruelty-free.',
  };
  const make = async (
    show: FetchedSlideshow,
    slideIndex: number,
    t: number,
    style: Partial<SlideStyle>,
    name: string,
  ): Promise<void> => {
    const plan: SlideshowPlan = await generator.analyse({
      linkId: 'doc',
      slideshow: show,
      product: productInput,
      photoVariations: 2,
      textVariations: 3,
    });
    const size = outputSize(plan.aspect);
    const base = await generator.makeSlideImage({
      linkId: 'doc',
      plan,
      slideIndex,
      slide: plan.slides[slideIndex],
      photoIndex: 0,
      slideshow: show,
      product: productInput,
      ...size,
    });
    const jpeg = await renderSlide(
      base,
      plan.slides[slideIndex].texts[t],
      { ...plan.slides[slideIndex].style, ...style },
      size,
    );
    const small = await sharp(jpeg).resize(DOC_WIDTH).jpeg({ quality: 84, mozjpeg: true }).toBuffer();
    fs.writeFileSync(path.join(OUT, name), small);
    console.log(
      `${name}: ${plan.aspect} ${plan.slides[slideIndex].role}, "${plan.slides[slideIndex].texts[t].replace(/\n/g, ' / ')}", ${(small.length / 1024).toFixed(0)} KB`,
    );
  };

  const tall = await slideshow(1080, 1920, [200, 20, 280, 120]);
  const classic = await slideshow(1200, 1600, [330, 40, 180, 90]);
  await make(tall, 0, 0, {}, 'hook-9x16-outline.jpg');
  await make(
    classic,
    1,
    1,
    { treatment: 'box', fill: '#000000', accent: '#FFFFFF', box: defaultBox('middle') },
    'body-3x4-box.jpg',
  );
  await make(
    tall,
    2,
    2,
    { treatment: 'shadow', accent: '#000000', size: 0.08, box: defaultBox('middle') },
    'body-9x16-shadow.jpg',
  );
  await make(tall, 3, 0, {}, 'product-9x16.jpg');
  if (process.argv.includes('--measure')) await measure(tall, productInput);
  fs.rmSync(work, { recursive: true, force: true });
}

async function median(runs: number, fn: () => Promise<unknown>): Promise<number> {
  await fn(); // warm-up: font parsing, glyph cache, libvips start
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = process.hrtime.bigint();
    await fn();
    times.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(runs / 2)];
}

async function measure(show: FetchedSlideshow, product: { photoPath: string; description: string }): Promise<void> {
  const generator = new LocalGenerator();
  const plan = await generator.analyse({
    linkId: 'bench',
    slideshow: show,
    product,
    photoVariations: 1,
    textVariations: 1,
  });
  const size = outputSize('9:16');
  const slide = (i: number) => ({
    linkId: 'bench',
    plan,
    slideIndex: i,
    slide: plan.slides[i],
    photoIndex: 0,
    slideshow: show,
    product,
    ...size,
  });
  const base = await generator.makeSlideImage(slide(1));
  const text = 'POV: you finally found the serum that actually works for your skin';
  const render = await median(20, () => renderSlide(base, text, plan.slides[0].style, size));
  const empty = await median(20, () => renderSlide(base, '', plan.slides[0].style, size));
  const body = await median(20, () => generator.makeSlideImage(slide(1)));
  const productSlide = await median(20, () => generator.makeSlideImage(slide(3)));
  console.log(
    `1080x1920 median of 20: renderSlide ${render.toFixed(1)} ms (no text ${empty.toFixed(1)} ms), makeSlideImage body ${body.toFixed(1)} ms, product ${productSlide.toFixed(1)} ms`,
  );
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
