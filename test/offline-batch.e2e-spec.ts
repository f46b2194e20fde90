import * as fs from 'node:fs';
import * as path from 'node:path';
import sharp from 'sharp';
import { FakeTikTok } from './fakes/fake-tiktok';
import { testConfig } from './helpers/test-config';
import { cleanupRedis, createProduct, startTestApp, TestApp, waitForEnd } from './helpers/test-app';

/** No key, no test doubles: the default product (offline generator, local storage) on fake TikTok links. */
describe('an offline batch', () => {
  let fake: FakeTikTok;
  let t: TestApp;

  afterAll(async () => {
    await cleanupRedis(t);
    await t.close();
    await fake.close();
  });

  it('turns fake-TikTok links into the full P×T tree of 1080-wide JPEGs with the source audio', async () => {
    fake = await FakeTikTok.start();
    const config = await testConfig({ TIKTOK_BASE_URL: fake.baseUrl, VARIATION_RATE_LIMIT: '100/s' });
    expect(config.generator).toBe('local');
    expect(config.storage).toBe('local');
    t = await startTestApp(config);
    const links = [
      fake.addPost({ id: '7420000000000000001', slides: 3, width: 1080, height: 1440 }),
      fake.addPost({ id: '7420000000000000002', slides: 4, width: 1080, height: 1920, audio: 'mp3' }),
    ];
    const productId = await createProduct(t);
    const res = await t.http.post('/api/batch').send({ links, productId, photoVariations: 2, textVariations: 3 });
    expect(res.body.estimate).toMatchObject({ generator: 'local', imageCalls: 0, cost: 0 });
    // Generous: every fetched slide is also read (OCR in the text reader's child) before the plan.
    const status = await waitForEnd(t, res.body.id, 300_000);
    expect(status.status).toBe('completed');
    expect(status.variations.completed).toBe(12);

    const out = path.join(config.dataDir, 'output');
    const [batchDir] = fs.readdirSync(out);
    const linkDirs = fs.readdirSync(path.join(out, batchDir)).sort();
    expect(linkDirs).toEqual(['Link_01_7420000000000000001', 'Link_02_7420000000000000002']);
    const expected = {
      Link_01_7420000000000000001: { slides: 3, height: 1440 },
      Link_02_7420000000000000002: { slides: 4, height: 1920 },
    };
    for (const dir of linkDirs) {
      const variants = fs.readdirSync(path.join(out, batchDir, dir)).sort();
      expect(variants).toEqual(['v1-1', 'v1-2', 'v1-3', 'v2-1', 'v2-2', 'v2-3']);
      for (const v of variants) {
        const files = fs.readdirSync(path.join(out, batchDir, dir, v)).sort();
        const jpgs = files.filter((f) => f.endsWith('.jpg'));
        const want = expected[dir as keyof typeof expected];
        expect(jpgs).toEqual(Array.from({ length: want.slides }, (_, i) => `0${i + 1}.jpg`));
        expect(files.some((f) => f.startsWith('audio.'))).toBe(true);
        const meta = await sharp(path.join(out, batchDir, dir, v, jpgs[0])).metadata();
        expect(meta).toMatchObject({ format: 'jpeg', width: 1080, height: want.height });
      }
    }
    // Photo variants differ; text variants of one photo variant share the images but not the text.
    const read = (v: string) => fs.readFileSync(path.join(out, batchDir, linkDirs[0], v, '02.jpg'));
    expect(read('v1-1').equals(read('v2-1'))).toBe(false);
    expect(read('v1-1').equals(read('v1-2'))).toBe(false);
  }, 360_000);
});
