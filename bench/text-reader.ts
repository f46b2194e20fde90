/**
 * `npx ts-node --transpile-only bench/text-reader.ts`: the source-text reader over the 41 sample slides
 * (test/fixtures/samples, 720 px) through its child process, as a worker uses it: ms per slide to read and
 * to clean, the child's peak RSS; then Telea against Navier-Stokes inpainting (PSNR on held-out regions:
 * caption-shaped strips of text-free photo areas, masked, filled, compared with the real pixels).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import sharp from 'sharp';
import { inpaint, InpaintMethod } from '../src/generation/text-reader/inpaint';
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

/** PSNR of each method on caption-shaped strips cut from the upper photo area of each slide set's first slide. */
export async function measureInpaint(): Promise<Record<InpaintMethod, number>> {
  const files = slides().filter((f) => /slide_(1|3|5)\.jpg$/.test(f));
  const sums: Record<InpaintMethod, number[]> = { telea: [], ns: [] };
  for (const file of files) {
    const { data, info } = await sharp(file).removeAlpha().raw().toBuffer({ resolveWithObject: true });
    const img: Rgb = { data: new Uint8Array(data), width: info.width, height: info.height };
    const mask = new Uint8Array(img.width * img.height);
    // Three "lines" of 14 px letters-like stripes in the bottom fifth (rarely where captions sit here).
    for (let line = 0; line < 3; line++) {
      const y0 = Math.round(img.height * 0.82) + line * 26;
      for (let y = y0; y < y0 + 14; y++)
        for (let x = Math.round(img.width * 0.2); x < img.width * 0.8; x++)
          if (x % 9 < 3) mask[y * img.width + x] = 255;
    }
    for (const method of ['telea', 'ns'] as const) {
      const out = await inpaint(img, mask, 5, method);
      let se = 0;
      let n = 0;
      for (let p = 0; p < mask.length; p++)
        if (mask[p])
          for (let k = 0; k < 3; k++) {
            se += (out.data[p * 3 + k] - img.data[p * 3 + k]) ** 2;
            n++;
          }
      sums[method].push(10 * Math.log10((255 * 255) / (se / n)));
    }
  }
  return { telea: mean(sums.telea), ns: mean(sums.ns) };
}

/** The rows `npm run bench` prints (bench/run.ts). */
export async function run(): Promise<{ measurement: string; figure: string; notes: string }[]> {
  const r = await measureReader();
  const ip = await measureInpaint();
  return [
    {
      measurement: 'Source text, read + clean once per source slide',
      figure: `read **${mean(r.read).toFixed(0)} ms** (p90 ${pct(r.read, 0.9)}), clean **${mean(r.clean).toFixed(0)} ms**; child peak RSS **${r.peakRssMb.toFixed(0)} MB**`,
      notes: `${r.read.length} sample slides (720 px) through the text reader's child process; inpainting PSNR on held-out strips: Telea ${ip.telea.toFixed(2)} dB, Navier-Stokes ${ip.ns.toFixed(2)} dB`,
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
  console.log(
    `inpainting PSNR on held-out strips: Telea ${ip.telea.toFixed(2)} dB, Navier-Stokes ${ip.ns.toFixed(2)} dB`,
  );
}

if (require.main === module) {
  main().catch((e) => {
    console.error(e);
    process.exit(1);
  });
}
