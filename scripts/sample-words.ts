/**
 * Writes test/fixtures/samples/source-words.json: per sample slide, the words (4+ letters) the acceptance
 * spec's reader finds on the source slide at 2× (the "source words" an output slide must no longer show).
 * Run once when the fixtures change: `npx ts-node --transpile-only scripts/sample-words.ts`, then read the
 * list: OCR fragments of a word (e.g. "listeni" beside "listening") were removed by hand, and so were the words
 * printed on the products in the photos (set_03 slide 4's "Hair Growth Oil Spray", set_06 slide 3's tubes and
 * slide 6's bottle, set_13 slides 3, 8 and 9's cup, bottles and jar), even where the caption used them too: the
 * photo keeps its labels, so they are not the source text a re-make removes (the engine spec's ground truth leaves
 * them out alike).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { SlideReader } from '../test/helpers/ocr';

const DIR = path.join(__dirname, '..', 'test', 'fixtures', 'samples');

async function main(): Promise<void> {
  const reader = await SlideReader.start();
  const out: Record<string, string[][]> = {};
  for (const set of fs
    .readdirSync(DIR)
    .filter((d) => d.startsWith('set_'))
    .sort()) {
    const slides = fs
      .readdirSync(path.join(DIR, set))
      .filter((f) => /^slide_\d+\.jpg$/.test(f))
      .sort((a, b) => Number(a.match(/\d+/)![0]) - Number(b.match(/\d+/)![0]));
    out[set] = [];
    for (const f of slides) {
      const reading = await reader.read(path.join(DIR, set, f), 1440);
      out[set].push([...reading.words].sort());
      console.log(set, f, [...reading.words].join(' '));
    }
  }
  await reader.close();
  fs.writeFileSync(path.join(DIR, 'source-words.json'), JSON.stringify(out, null, 1) + '\n');
}

void main();
