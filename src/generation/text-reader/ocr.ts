import * as path from 'node:path';
import sharp from 'sharp';
import { createWorker, OEM, PSM, Worker } from 'tesseract.js';
import { PxBox, Rgb } from './pixels';
import { Polarity, RawWord } from './words';

/**
 * Tesseract (tesseract.js: the C++ engine in WebAssembly, the LSTM model from @tesseract.js-data/eng, read
 * from node_modules, never downloaded). Photos with captions read badly raw, so each pass is a binarised
 * copy at 2× the working size: light letters (TikTok's white captions) thresholded and inverted to black on
 * white, and, for light slides, dark letters on their own; sparse-text page mode finds captions anywhere.
 */

const UPSCALE = 2;
/** Grey level above which a pixel counts as part of a light caption (white text after JPEG). */
const LIGHT_LEVEL = 200;
/** … and below which as part of dark text. */
const DARK_LEVEL = 90;

// Where @tesseract.js-data/eng keeps its integer LSTM model (the smaller, faster one).
const LANG_DIR = path.join(path.dirname(require.resolve('@tesseract.js-data/eng/package.json')), '4.0.0_best_int');

export async function startOcr(): Promise<Worker> {
  const worker = await createWorker('eng', OEM.LSTM_ONLY, {
    langPath: LANG_DIR,
    gzip: true,
    // No cache files written beside the process (its cwd), and nothing fetched: the model is on disk.
    cacheMethod: 'none',
  });
  await worker.setParameters({ tessedit_pageseg_mode: PSM.SPARSE_TEXT, user_defined_dpi: '300' });
  return worker;
}

/** Binarised pass image: letters black on white, as the engine reads best. */
async function passImage(img: Rgb, polarity: Polarity): Promise<Buffer> {
  const grey = sharp(img.data, { raw: { width: img.width, height: img.height, channels: 3 } })
    .greyscale()
    .resize(img.width * UPSCALE, img.height * UPSCALE, { kernel: 'cubic' });
  // The median filter drops the speckles texture leaves after thresholding (fewer junk reads, faster).
  const bin = (polarity === 'light' ? grey.threshold(LIGHT_LEVEL).negate() : grey.threshold(DARK_LEVEL)).median(3);
  return bin.png({ compressionLevel: 1 }).toBuffer();
}

const scaled = (b: { x0: number; y0: number; x1: number; y1: number }): PxBox => ({
  x0: b.x0 / UPSCALE,
  y0: b.y0 / UPSCALE,
  x1: b.x1 / UPSCALE,
  y1: b.y1 / UPSCALE,
});

/** The raw words of one pass, boxes in working-image pixels. */
export async function readPass(worker: Worker, img: Rgb, polarity: Polarity): Promise<RawWord[]> {
  const { data } = await worker.recognize(await passImage(img, polarity), {}, { blocks: true, text: false });
  const out: RawWord[] = [];
  let line = 0;
  for (const b of data.blocks ?? [])
    for (const p of b.paragraphs)
      for (const l of p.lines) {
        line++;
        for (const w of l.words)
          out.push({
            text: w.text,
            conf: w.confidence,
            box: scaled(w.bbox),
            line: `${polarity}:${line}`,
            polarity,
            symbols: w.symbols.map((s) => scaled(s.bbox)),
          });
      }
  return out;
}

/** Mean grey of the slide: dark text is looked for only on light slides (cards, pale photos). */
export function meanLuma(img: Rgb): number {
  let sum = 0;
  const n = img.width * img.height;
  for (let i = 0; i < n; i += 7)
    sum += 0.299 * img.data[i * 3] + 0.587 * img.data[i * 3 + 1] + 0.114 * img.data[i * 3 + 2];
  return sum / Math.ceil(n / 7);
}
