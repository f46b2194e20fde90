import * as fs from 'node:fs';
import * as path from 'node:path';
import sharp from 'sharp';
import { slideWords } from '../../pipeline/source-text';
import { TextEngine } from './engine';

/**
 * The reader on real slides (test/fixtures/samples, 720 px): the caption words it finds against words
 * typed by hand, what a second reading finds on the cleaned copy, and the odd inputs (no text, a text
 * card, an emoji-only caption). Real OCR and real inpainting, no doubles.
 */

const SAMPLES = path.resolve(__dirname, '..', '..', '..', 'test', 'fixtures', 'samples');
const truth = JSON.parse(fs.readFileSync(path.join(SAMPLES, 'ground-truth.json'), 'utf8')) as Record<string, string>;
const slides = Object.keys(truth).filter((k) => !k.startsWith('_'));

const words = (s: string, minLetters = 2) =>
  s
    .toLowerCase()
    .split(/\s+/)
    .map((w) => w.replace(/[^\p{L}\p{N}']/gu, ''))
    .filter((w) => w.length >= minLetters);

/** Share of `want` found in `got`, counting repeats (a word read once covers one occurrence). */
function recall(want: string[], got: string[]): number {
  const pool = [...got];
  let hit = 0;
  for (const w of want) {
    const i = pool.indexOf(w);
    if (i >= 0) {
      hit++;
      pool.splice(i, 1);
    }
  }
  return want.length ? hit / want.length : 1;
}

describe('text reader engine (real OCR on sample slides)', () => {
  let engine: TextEngine;
  beforeAll(async () => {
    engine = await TextEngine.start();
  }, 120_000);
  afterAll(() => engine?.stop());

  it('finds the hand-typed caption words and leaves at most 5% of them (4+ letters) on the cleaned copy', async () => {
    const want: string[] = [];
    const got: string[] = [];
    const long: string[] = [];
    const left: string[] = [];
    for (const slide of slides) {
      const r = await engine.readAndClean(path.join(SAMPLES, slide));
      want.push(...words(truth[slide]));
      got.push(...words(slideWords(r.text)));
      expect(r.clean).not.toBeNull();
      const again = await engine.readAndClean(r.clean as Buffer);
      const source = words(truth[slide], 4);
      long.push(...source);
      const after = words(slideWords(again.text), 4);
      left.push(...source.filter((w) => after.includes(w)));
    }
    expect(recall(want, got)).toBeGreaterThanOrEqual(0.85);
    expect(left.length / long.length).toBeLessThanOrEqual(0.05);
  }, 900_000);

  it('reads each block with a look: light captions on photos, dark letters on a plain card', async () => {
    const photo = await engine.readAndClean(path.join(SAMPLES, 'set_13/slide_2.jpg'));
    expect(photo.text.kind).toBe('photo');
    const caption = photo.text.blocks.find((b) => /shampooing/.test(b.text));
    expect(caption?.look).toMatchObject({ casing: 'lower', align: 'center' });
    // White letters: every channel bright.
    expect(parseInt(caption!.look.fill.slice(1, 3), 16)).toBeGreaterThan(200);
    expect(caption!.box.y).toBeGreaterThan(0.3);

    const card = await engine.readAndClean(path.join(SAMPLES, 'set_06/slide_7.jpg'));
    expect(card.text.kind).toBe('card');
    expect(card.text.background).toMatch(/^#[0-9a-f]{6}$/);
    expect(card.text.blocks[0].look.fill).toMatch(/^#[0-3]/);
    // The clean card is one colour: the card's background.
    const stats = await sharp(card.clean as Buffer).stats();
    expect(Math.max(...stats.channels.map((c) => c.stdev))).toBeLessThan(2);
    const bg = card.text.background as string;
    stats.channels.forEach((c, k) =>
      expect(Math.abs(c.mean - parseInt(bg.slice(1 + 2 * k, 3 + 2 * k), 16))).toBeLessThan(4),
    );
  }, 600_000);

  it('leaves the labels printed on the products in the photo: not the slide text, not cleaned away', async () => {
    // set_13 slide 8: three bottles ("REDKEN", "acidic bonding concentrate") over a white caption at the bottom.
    const file = path.join(SAMPLES, 'set_13/slide_8.jpg');
    const r = await engine.readAndClean(file);
    expect(r.text.blocks).toHaveLength(1);
    expect(r.text.blocks[0].text).toMatch(/leave in conditioner/);
    expect(slideWords(r.text)).not.toMatch(/DKEN|bonding/i);
    // The labels' rows (the upper half) come back as they were; the caption's rows do not.
    const { width, height } = await sharp(file).metadata();
    const rows = async (img: Buffer | string, top: number, h: number) =>
      sharp(img)
        .extract({ left: 0, top: Math.round(top * height!), width: width!, height: Math.round(h * height!) })
        .greyscale()
        .raw()
        .toBuffer();
    const diff = async (top: number, h: number) => {
      const [a, b] = await Promise.all([rows(file, top, h), rows(r.clean as Buffer, top, h)]);
      return a.reduce((n, v, i) => n + Math.abs(v - b[i]), 0) / a.length;
    };
    expect(await diff(0.35, 0.15)).toBeLessThan(2);
    expect(await diff(0.74, 0.09)).toBeGreaterThan(5);
  }, 300_000);

  it('leaves a slide without text untouched, and an emoji-only caption does not fail', async () => {
    // The top of a real photo slide, above its caption; and a soft gradient.
    const meta = await sharp(path.join(SAMPLES, 'set_13/slide_5.jpg')).metadata();
    const photo = await sharp(path.join(SAMPLES, 'set_13/slide_5.jpg'))
      .extract({ left: 0, top: 0, width: meta.width!, height: Math.round(meta.height! * 0.3) })
      .jpeg()
      .toBuffer();
    const gradient = await sharp(
      Buffer.from(
        '<svg xmlns="http://www.w3.org/2000/svg" width="720" height="960"><defs><linearGradient id="g"><stop offset="0" stop-color="#335"/><stop offset="1" stop-color="#c96"/></linearGradient></defs><rect width="100%" height="100%" fill="url(#g)"/></svg>',
      ),
    )
      .jpeg()
      .toBuffer();
    for (const bytes of [photo, gradient]) {
      const r = await engine.readAndClean(bytes);
      expect(r.text.blocks).toEqual([]);
      expect(r.clean).toBeNull();
    }
    // Hearts and sparkles drawn as shapes where a caption would be: no words, no failure.
    const emoji = await sharp(
      Buffer.from(
        '<svg xmlns="http://www.w3.org/2000/svg" width="720" height="960"><rect width="100%" height="100%" fill="#5a6b7c"/>' +
          '<path d="M330 480 l30 30 l30 -30 a15 15 0 0 0 -30 -15 a15 15 0 0 0 -30 15z" fill="#ff3366"/>' +
          '<path d="M420 470 l6 14 l14 6 l-14 6 l-6 14 l-6 -14 l-14 -6 l14 -6z" fill="#ffd700"/></svg>',
      ),
    )
      .jpeg()
      .toBuffer();
    const r = await engine.readAndClean(emoji);
    expect(slideWords(r.text).replace(/[^\p{L}]/gu, '').length).toBeLessThan(3);
  }, 600_000);
});
