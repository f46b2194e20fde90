import sharp from 'sharp';
import type { Worker } from 'tesseract.js';
import type { Box, SlideText, SourceBlock } from '../../pipeline/source-text';
import { composite, inpaint } from './inpaint';
import { blockArea, isInk, measureLook } from './look';
import { meanLuma, readPass, startOcr } from './ocr';
import {
  clampBox,
  colourDistance,
  dilate,
  hex,
  medianColour,
  pad,
  pixel,
  PxBox,
  Rgb,
  sample,
  shareNear,
  unionPx,
} from './pixels';
import { Measured, sceneText } from './scene-text';
import { blocksOf, lineText, linesOf, mergePasses, ReadBlock, RawWord } from './words';

/**
 * Reads a slide's text and makes its text-free copy. Runs inside the text reader's child process (models
 * loaded once there); everything is measured on a working copy at most WORK_WIDTH wide.
 */

const WORK_WIDTH = 720;
/** Dark text is looked for only on slides at least this light on average (cards, pale photos). */
const DARK_PASS_LUMA = 130;
/** A slide is a text card when this share of what lies outside its text is one colour. */
const CARD_SHARE = 0.9;
const CARD_TOLERANCE = 24;

export interface Reading {
  text: SlideText;
  /** Working image and the text mask on it (null when there is nothing to remove). */
  work: Rgb;
  mask: Uint8Array | null;
}

const WATERMARK = /@|tiktok|\.com\b|capcut/i;

/** A logo or watermark: a handle or brand line, or a short line hugging the top or bottom edge. */
function isMark(b: ReadBlock, height: number): boolean {
  const text = b.lines.map(lineText).join(' ');
  if (WATERMARK.test(text)) return true;
  const words = text.split(/\s+/).length;
  return b.lines.length === 1 && words <= 2 && (b.box.y1 > height * 0.95 || b.box.y0 < height * 0.03);
}

function unit(b: PxBox, img: Rgb): Box {
  const c = clampBox(b, img.width, img.height);
  const r = (v: number) => Math.round(v * 10000) / 10000;
  return {
    x: r(c.x0 / img.width),
    y: r(c.y0 / img.height),
    w: r((c.x1 - c.x0) / img.width),
    h: r((c.y1 - c.y0) / img.height),
  };
}

function sourceBlock(m: Measured, img: Rgb): SourceBlock {
  const lines = m.block.lines.map((l) => ({
    text: lineText(l),
    box: unit(l.box, img),
    words: l.words.map((w) => ({
      text: w.text,
      box: unit(w.box, img),
      confidence: Math.round(w.conf) / 100,
    })),
  }));
  return { text: lines.map((l) => l.text).join('\n'), box: unit(m.block.box, img), lines, look: m.look.look };
}

/** The one colour covering almost all of the slide outside its text, or null when it is a photo. */
function plainBackground(img: Rgb, text: PxBox[]): string | null {
  const outside = sample(img, { x0: 0, y0: 0, x1: img.width, y1: img.height }, 6).filter((_, i) => {
    const step = 6;
    const cols = Math.ceil(img.width / step);
    const x = (i % cols) * step;
    const y = Math.floor(i / cols) * step;
    return !text.some((b) => x >= b.x0 && x < b.x1 && y >= b.y0 && y < b.y1);
  });
  if (outside.length < 50) return null;
  const bg = medianColour(outside);
  return shareNear(outside, bg, CARD_TOLERANCE) >= CARD_SHARE ? hex(bg) : null;
}

/** The pixels to remove: each line's letters, outline and unread marks beside them, grown a little. */
function textMask(img: Rgb, measured: Measured[]): Uint8Array {
  const mask = new Uint8Array(img.width * img.height);
  const set = (b: PxBox, keep: (x: number, y: number) => boolean) => {
    const c = clampBox(b, img.width, img.height);
    for (let y = c.y0; y < c.y1; y++) for (let x = c.x0; x < c.x1; x++) if (keep(x, y)) mask[y * img.width + x] = 255;
  };
  let grow = 2;
  for (const m of measured) {
    const { block, look } = m;
    const h = Math.max(...block.lines.map((l) => l.box.y1 - l.box.y0));
    grow = Math.max(grow, Math.round(h * 0.15));
    if (m.mark || look.look.treatment === 'box') {
      set(blockArea(block, look), () => true);
      continue;
    }
    const accent = look.accent;
    const light = block.polarity === 'light';
    // The whole block, widened: words the reader dropped (low confidence beside a bright sky) sit on the
    // same rows, and their letters share the fill colour.
    set(pad(block.box, h * 2, h * 0.3), (x, y) => {
      const p = pixel(img, x, y);
      if (colourDistance(p, look.fill) < 45) return true;
      return !!accent && colourDistance(p, accent) < 45;
    });
    for (const l of block.lines) {
      const lh = l.box.y1 - l.box.y0;
      set(pad(l.box, lh * 0.25, lh * 0.2), (x, y) => {
        if (isInk(img, x, y, light ? 'light' : 'dark', look.threshold)) return true;
        const p = pixel(img, x, y);
        return colourDistance(p, look.fill) < 70 || (!!accent && colourDistance(p, accent) < 60);
      });
      for (const e of l.extras) set(pad(e, 2), () => true);
    }
  }
  return dilate(mask, img.width, img.height, grow);
}

/** One flat colour (a placeholder or a blank render): nothing on it can be text, so no OCR. */
async function flat(img: Rgb): Promise<boolean> {
  const { channels } = await sharp(img.data, { raw: { width: img.width, height: img.height, channels: 3 } }).stats();
  return Math.max(...channels.map((c) => c.stdev)) < 2;
}

export class TextEngine {
  private constructor(private readonly ocr: Worker) {}

  static async start(): Promise<TextEngine> {
    return new TextEngine(await startOcr());
  }

  async stop(): Promise<void> {
    await this.ocr.terminate();
  }

  /** The working copy of an image (EXIF-rotated, RGB, at most WORK_WIDTH wide). */
  async load(input: string | Buffer): Promise<{ work: Rgb; full: Rgb }> {
    const { data, info } = await sharp(input).rotate().removeAlpha().raw().toBuffer({ resolveWithObject: true });
    const full: Rgb = { data: new Uint8Array(data), width: info.width, height: info.height };
    if (info.width <= WORK_WIDTH) return { work: full, full };
    const h = Math.round((info.height * WORK_WIDTH) / info.width);
    const small = await sharp(data, { raw: { width: info.width, height: info.height, channels: 3 } })
      .resize(WORK_WIDTH, h, { fit: 'fill' })
      .raw()
      .toBuffer();
    return { work: { data: new Uint8Array(small), width: WORK_WIDTH, height: h }, full };
  }

  /** Reads the text of a working image: blocks and their looks, watermarks, card or photo, and the mask. */
  async read(work: Rgb): Promise<Reading> {
    const started = Date.now();
    const words: RawWord[] = await readPass(this.ocr, work, 'light');
    if (meanLuma(work) >= DARK_PASS_LUMA) words.push(...(await readPass(this.ocr, work, 'dark')));
    const blocks = blocksOf(mergePasses(linesOf(words)));
    const all: Measured[] = blocks.map((block) => ({
      block,
      look: measureLook(work, block),
      mark: isMark(block, work.height),
    }));
    // Labels and signs in the photo stay in it: neither read as the slide's text nor cleaned away.
    const scene = sceneText(all);
    const measured = all.filter((m) => !scene.has(m));
    const text = measured.filter((m) => !m.mark);
    const areas = measured.map((m) => blockArea(m.block, m.look));
    const background = text.length ? plainBackground(work, areas) : null;
    const slide: SlideText = {
      kind: background ? 'card' : 'photo',
      blocks: text.map((m) => sourceBlock(m, work)),
      marks: measured.filter((m) => m.mark).map((m) => unit(unionPx([m.block.box]), work)),
      background,
      width: work.width,
      height: work.height,
      ms: 0,
    };
    const mask = measured.length && !background ? textMask(work, measured) : null;
    slide.ms = Date.now() - started;
    return { text: slide, work, mask };
  }

  /**
   * The text-free copy as JPEG bytes: a card rebuilt as a plain card in its background colour, a photo
   * with its text inpainted; null when the slide had nothing to remove.
   */
  async clean(reading: Reading, full: Rgb): Promise<Buffer | null> {
    const { text, work, mask } = reading;
    if (text.kind === 'card' && text.background) {
      return sharp({ create: { width: full.width, height: full.height, channels: 3, background: text.background } })
        .jpeg({ quality: 92 })
        .toBuffer();
    }
    if (!mask) return null;
    const filled = inpaint(work, mask);
    return composite(full, filled, mask);
  }

  /** Read and clean in one go, timing both (the total goes into `text.ms`). */
  async readAndClean(input: string | Buffer): Promise<{ text: SlideText; clean: Buffer | null; cleanMs: number }> {
    const started = Date.now();
    const { work, full } = await this.load(input);
    if (await flat(work)) {
      const text: SlideText = {
        kind: 'photo',
        blocks: [],
        marks: [],
        background: null,
        width: work.width,
        height: work.height,
        ms: 0,
      };
      return { text, clean: null, cleanMs: 0 };
    }
    const reading = await this.read(work);
    const t = Date.now();
    const clean = await this.clean(reading, full);
    reading.text.ms = Date.now() - started;
    return { text: reading.text, clean, cleanMs: Date.now() - t };
  }
}
