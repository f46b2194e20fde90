import * as fs from 'node:fs';
import * as path from 'node:path';
import { DataSource } from 'typeorm';
import { FakeTikTok } from '../fakes/fake-tiktok';
import { BatchLink } from '../../src/pipeline/entities';
import { SlideshowPlan } from '../../src/pipeline/plan';
import { testConfig } from './test-config';
import { cleanupRedis, startTestApp, TestApp, waitForEnd } from './test-app';

/**
 * The five real sample slideshows (test/fixtures/samples, 720 px) through the real app: fake TikTok serves
 * them as photo posts, the offline generator re-makes them for the real sample product, local storage
 * delivers. Used by the source-text acceptance spec and by bench/make-doc-images.ts.
 */

export const SAMPLES = path.join(__dirname, '..', 'fixtures', 'samples');
export const SAMPLE_SETS = ['set_01', 'set_03', 'set_06', 'set_10', 'set_13'] as const;
export type SampleSet = (typeof SAMPLE_SETS)[number];

export const SAMPLE_PRODUCT = {
  photo: path.join(SAMPLES, 'product-face-tape.png'),
  description:
    'LumiDew Face Tape: invisible lifting patches that smooth forehead and frown lines while you sleep. ' +
    'Wake up to smoother skin. Gentle on sensitive skin, reusable, no needles.',
};

const CAPTIONS: Record<SampleSet, string> = {
  set_01: 'the ultimate glow up guide ✨ #glowup #selfcare #fyp',
  set_03: 'easy habits i wish i knew sooner #habits #thatgirl #fyp',
  set_06: 'high maintenance things i do to stay low maintenance #beauty #fyp',
  set_10: 'underrated glow-up habits #glowup #skincare #fyp',
  set_13: 'simple things i do at home to make my hair 10x better #haircare #fyp',
};

/** The slide files of one sample set, in slide order. */
export function sampleSlides(set: SampleSet): string[] {
  return fs
    .readdirSync(path.join(SAMPLES, set))
    .filter((f) => /^slide_\d+\.jpg$/.test(f))
    .sort((a, b) => Number(/\d+/.exec(a)![0]) - Number(/\d+/.exec(b)![0]))
    .map((f) => path.join(SAMPLES, set, f));
}

export interface SampleLink {
  set: SampleSet;
  /** Source slide files, in order. */
  sources: string[];
  plan: SlideshowPlan;
  /** Folder holding v<p>-<t>/NN.jpg. */
  dir: string;
}

export interface SampleRun {
  t: TestApp;
  status: Record<string, any>;
  links: SampleLink[];
  close(): Promise<void>;
}

export async function runSampleBatch(
  sets: readonly SampleSet[],
  variations: { photo: number; text: number },
  env: Record<string, string> = {},
): Promise<SampleRun> {
  const fake = await FakeTikTok.start();
  const config = await testConfig({
    TIKTOK_BASE_URL: fake.baseUrl,
    VARIATION_RATE_LIMIT: '100/s',
    TEXT_READER: 'true',
    ...env,
  });
  const t = await startTestApp(config);
  const close = async (): Promise<void> => {
    await cleanupRedis(t);
    await t.close();
    await fake.close();
  };
  try {
    const urls = sets.map((set, i) =>
      fake.addPost({
        id: `74400000000000000${String(i + 1).padStart(2, '0')}`,
        user: 'sample',
        images: sampleSlides(set),
        width: 720,
        height: 960,
        desc: CAPTIONS[set],
      }),
    );
    const product = await t.http
      .post('/api/products')
      .field('description', SAMPLE_PRODUCT.description)
      .attach('photo', fs.readFileSync(SAMPLE_PRODUCT.photo), 'face-tape.png');
    if (product.status !== 201) throw new Error(`product upload failed: ${product.status}`);
    const res = await t.http.post('/api/batch').send({
      links: urls,
      productId: product.body.id,
      photoVariations: variations.photo,
      textVariations: variations.text,
    });
    if (res.status !== 201) throw new Error(`batch refused: ${res.status} ${JSON.stringify(res.body)}`);
    const status = await waitForEnd(t, res.body.id, 15 * 60_000);
    const rows = await t.app
      .get(DataSource)
      .getRepository(BatchLink)
      .find({ where: { batchId: res.body.id }, order: { position: 'ASC' } });
    const out = path.join(config.dataDir, 'output');
    const batchDir = path.join(out, fs.readdirSync(out)[0]);
    const linkDirs = fs.readdirSync(batchDir).sort();
    const links = rows.map((row, i) => ({
      set: sets[i],
      sources: sampleSlides(sets[i]),
      plan: row.plan!,
      dir: path.join(batchDir, linkDirs[i]),
    }));
    return { t, status, links, close };
  } catch (e) {
    await close();
    throw e;
  }
}
