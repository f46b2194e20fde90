/**
 * Writes the README's before/after pictures (docs/images/remake-<set>.jpg) from the real sample
 * slideshows through the real app: fake TikTok serves test/fixtures/samples, the offline generator
 * re-makes them for the sample product, and each picture puts the source slides (top row) over the
 * re-made slides of variation v1-1 (middle) and v2-2 (bottom). Regenerate at any time:
 *   npx ts-node --transpile-only bench/make-doc-images.ts
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import sharp from 'sharp';
import { runSampleBatch, SampleSet } from '../test/helpers/sample-batch';

const OUT = path.join(__dirname, '..', 'docs', 'images');
const SETS: SampleSet[] = ['set_03', 'set_06', 'set_10'];
/** Slides shown per set, and the width of each tile. */
const SHOWN = 4;
const TILE = 240;
const GAP = 6;

async function tile(file: string): Promise<Buffer> {
  return sharp(file)
    .resize(TILE, Math.round((TILE * 4) / 3), { fit: 'cover' })
    .toBuffer();
}

async function main(): Promise<void> {
  fs.mkdirSync(OUT, { recursive: true });
  const run = await runSampleBatch(SETS, { photo: 2, text: 2 });
  try {
    for (const link of run.links) {
      const rows: string[][] = [[], [], []];
      for (const [i, slide] of link.plan.slides.entries()) {
        if (rows[0].length === SHOWN) break;
        if (slide.sourceIndex === null) continue;
        const name = `${String(i + 1).padStart(2, '0')}.jpg`;
        rows[0].push(link.sources[slide.sourceIndex]);
        rows[1].push(path.join(link.dir, 'v1-1', name));
        rows[2].push(path.join(link.dir, 'v2-2', name));
      }
      const h = Math.round((TILE * 4) / 3);
      const composites = await Promise.all(
        rows.flatMap((row, r) =>
          row.map(async (file, c) => ({ input: await tile(file), left: c * (TILE + GAP), top: r * (h + GAP) })),
        ),
      );
      const file = path.join(OUT, `remake-${link.set}.jpg`);
      await sharp({
        create: {
          width: SHOWN * TILE + (SHOWN - 1) * GAP,
          height: 3 * h + 2 * GAP,
          channels: 3,
          background: '#ffffff',
        },
      })
        .composite(composites)
        .jpeg({ quality: 82, mozjpeg: true })
        .toFile(file);
      console.log(
        `${path.relative(process.cwd(), file)}: ${link.plan.slides.map((s) => s.texts[0].split('\n')[0]).join(' | ')}`,
      );
    }
  } finally {
    await run.close();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
