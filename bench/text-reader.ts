/**
 * `npx ts-node --transpile-only bench/text-reader.ts`: the source-text reader over the 41 sample slides
 * (test/fixtures/samples, 720 px) through its child process, as a worker uses it: ms per slide to read and
 * to clean, the child's peak RSS; then the inpainting's PSNR on held-out regions (caption-shaped strips of
 * text-free photo areas, thin strokes and thick ones, masked, filled, compared with the real pixels).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import sharp from 'sharp';
import { inpaint } from '../src/generation/text-reader/inpaint';
import { Rgb } from '../src/generation/text-reader/pixels';
import { TextReaderClient } from '../src/generation/text-reader/text-reader.client';

const SAMPLES = path.join(__dirname, '..', 'test', 'fixtures', 'samples');

function slides(): string[] {
  return fs
    .readdirSync(SAMPLES)
    .filter((d) => d.startsWith('set_'))
    .flatMap((d) =>
      fs
        .readdirSync(path.join(SAMPLES, d))
        .filter((f) => f.endsWith('.jpg'))
        .map((f) => path.join(SAMPLES, d, f)),
    );
}

const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / Math.max(1, v.length);
const pct = (v: number[], p: number) => [...v].sort((a, b) => a - b)[Math.min(v.length - 1, Math.floor(v.length * p))];

export async function measureReader(): Promise<{ read: number[]; clean: number[]; peakRssMb: number; words: number }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-text-'));
  const client = new TextReaderClient({ idleMs: 60_000 });
  const read: number[] = [];
  const clean: number[] = [];
  let words = 0;
  try {
    for (const [i, file] of slides().entries()) {
      const r = await client.read(file, path.join(dir, `clean_${i}.jpg`));
      read.push(r.readMs);
      if (r.cleaned) clean.push(r.cleanMs);
      words += r.text.blocks.reduce((n, b) => n + b.text.split(/\s+/).length, 0);
    }
  } finally {
    await client.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
  return { read, clean, peakRssMb: client.peakRss / 1e6, words };
}

/**
 * Strokes to fill: three "lines" in the bottom fifth of the slide (rarely where captions sit here), thin (3 px
 * bars 14 px tall every 9 px, like dilated small letters) or thick (10 px bars 22 px tall every 16 px).
 */
const STROKES = {
  thin: { period: 9, width: 3, height: 14 },
  thick: { period: 16, width: 10, height: 22 },
};
export type Strokes = keyof typeof STROKES;

/**
 * PSNR of the fill on each stroke shape, over slides 1, 3 and 5 of every sample set. When OpenCV.js was
 * replaced (README, "Source text"), the same strips gave Telea 30.24 / 27.18 dB and Navier-Stokes 31.79 /
 * 27.44 dB (thin / thick).
 */
export async function measureInpaint(): Promise<Record<Strokes, number>> {
  const files = slides().filter((f) => /slide_(1|3|5)\.jpg$/.test(f));
  const sums: Record<Strokes, number[]> = { thin: [], thick: [] };
  for (const file of files) {
    const { data, info } = await sharp(file).removeAlpha().raw().toBuffer({ resolveWithObject: true });
    const img: Rgb = { data: new Uint8Array(data), width: info.width, height: info.height };
    for (const shape of ['thin', 'thick'] as const) {
      const s = STROKES[shape];
      const mask = new Uint8Array(img.width * img.height);
      for (let line = 0; line < 3; line++) {
        const y0 = Math.round(img.height * 0.82) + line * 26;
        for (let y = y0; y < y0 + s.height; y++)
          for (let x = Math.round(img.width * 0.2); x < img.width * 0.8; x++)
            if (x % s.period < s.width) mask[y * img.width + x] = 255;
      }
      const out = inpaint(img, mask);
      let se = 0;
      let n = 0;
      for (let p = 0; p < mask.length; p++)
        if (mask[p])
          for (let k = 0; k < 3; k++) {
            se += (out.data[p * 3 + k] - img.data[p * 3 + k]) ** 2;
            n++;
          }
      sums[shape].push(10 * Math.log10((255 * 255) / (se / n)));
    }
  }
  return { thin: mean(sums.thin), thick: mean(sums.thick) };
}

const psnrNote = (ip: Record<Strokes, number>) =>
  `inpainting (pull-push) PSNR on held-out strips: ${ip.thin.toFixed(2)} dB thin strokes, ${ip.thick.toFixed(2)} dB thick (OpenCV's Telea, replaced: 30.24 / 27.18 dB)`;

/** The rows `npm run bench` prints (bench/run.ts). */
export async function run(): Promise<{ measurement: string; figure: string; notes: string }[]> {
  const r = await measureReader();
  const ip = await measureInpaint();
  return [
    {
      measurement: 'Source text, read + clean once per source slide',
      figure: `read **${mean(r.read).toFixed(0)} ms** (p90 ${pct(r.read, 0.9)}), clean **${mean(r.clean).toFixed(0)} ms**; child peak RSS **${r.peakRssMb.toFixed(0)} MB**`,
      notes: `${r.read.length} sample slides (720 px) through the text reader's child process; ${psnrNote(ip)}`,
    },
  ];
}

async function main(): Promise<void> {
  const r = await measureReader();
  console.log(
    `read: ${r.read.length} slides, mean ${mean(r.read).toFixed(0)} ms, p90 ${pct(r.read, 0.9)} ms; ` +
      `clean: ${r.clean.length} slides, mean ${mean(r.clean).toFixed(0)} ms; child peak RSS ${r.peakRssMb.toFixed(0)} MB; ${r.words} words`,
  );
  const ip = await measureInpaint();
  console.log(psnrNote(ip));
}

if (require.main === module) {
  main().catch((e) => {
    console.error(e);
    process.exit(1);
  });
}
