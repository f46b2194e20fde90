import * as path from 'node:path';
import sharp from 'sharp';
import { createWorker, OEM, PSM, Worker } from 'tesseract.js';

/**
 * Reads slides back for the acceptance spec and the doc images, independently of the app's own text
 * reader: tesseract.js (English LSTM model from `@tesseract.js-data/eng`, no network), sparse-text mode,
 * four views of the slide (light text, near-white text, dark text, plain grey) whose confident words are pooled. A word
 * seen in any view counts as seen, which makes the "source words left" figure strict.
 */

export interface Rect {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

export interface ReadLine {
  text: string;
  box: Rect;
  words: { text: string; box: Rect }[];
}

export interface SlideReading {
  width: number;
  height: number;
  lines: ReadLine[];
  /** Every counted word (see `countedWords`) seen in any view. */
  words: Set<string>;
}

const LANG_PATH = path.join(path.dirname(require.resolve('@tesseract.js-data/eng/package.json')), '4.0.0_best_int');
const MIN_CONFIDENCE = 60;

/** The words a check counts: lower-case letters only, four or more of them. */
export function countedWords(text: string): string[] {
  return (text.toLowerCase().match(/[a-z]+/g) ?? []).filter((w) => w.length >= 4);
}

export class SlideReader {
  private constructor(private readonly worker: Worker) {}

  static async start(): Promise<SlideReader> {
    const worker = await createWorker('eng', OEM.LSTM_ONLY, { langPath: LANG_PATH, cacheMethod: 'none', gzip: true });
    await worker.setParameters({ tessedit_pageseg_mode: PSM.SPARSE_TEXT });
    return new SlideReader(worker);
  }

  /** Reads `image` at `width` pixels wide (the views are made at that size; boxes are in its pixels). */
  async read(image: Buffer | string, width = 720): Promise<SlideReading> {
    const base = sharp(image).resize({ width }).greyscale();
    const { info } = await base.clone().raw().toBuffer({ resolveWithObject: true });
    const views = await Promise.all([
      base.clone().threshold(200).negate().png().toBuffer(), // light text → black on white
      // Only near-white letters (TikTok's white is 255) → black: white text over a bright photo (sky, a white
      // bottle, a sunlit wall) that the 200 cut merges with its ground, and a person still reads by its outline.
      base.clone().threshold(235).negate().png().toBuffer(),
      base.clone().threshold(70).png().toBuffer(), // dark text stays black, the rest goes white
      base.clone().normalise().png().toBuffer(),
    ]);
    const lines: ReadLine[] = [];
    const words = new Set<string>();
    for (const view of views) {
      const { data } = await this.worker.recognize(view, {}, { blocks: true, text: false });
      for (const block of data.blocks ?? [])
        for (const para of block.paragraphs)
          for (const line of para.lines) {
            const kept = line.words.filter((w) => w.confidence >= MIN_CONFIDENCE && /[a-z]{2}/i.test(w.text));
            if (!kept.length) continue;
            for (const w of kept) for (const c of countedWords(w.text)) words.add(c);
            lines.push({
              text: kept.map((w) => w.text).join(' '),
              box: line.bbox,
              words: kept.map((w) => ({ text: w.text, box: w.bbox })),
            });
          }
    }
    return { width: info.width, height: info.height, lines, words };
  }

  async close(): Promise<void> {
    await this.worker.terminate();
  }
}
