import * as fs from 'node:fs';
import * as path from 'node:path';
import { SourceTextService } from '../src/generation/text-reader/source-text.service';
import { BatchLink } from '../src/pipeline/entities/link.entity';
import { FakeTikTok } from './fakes/fake-tiktok';
import { testConfig } from './helpers/test-config';
import { cleanupRedis, createProduct, startTestApp, TestApp, waitForEnd } from './helpers/test-app';

/**
 * Real slides served by the fake TikTok: the first batch reads their text once (text.json and the clean
 * copies beside the cached slides, the text stored with the link and in its plan); a second batch over
 * the same link and the link preview reuse it without reading a slide again.
 */

const SAMPLES = path.join(__dirname, 'fixtures', 'samples');
const POST_ID = '7430000000000000013';

describe('source text of a fetched slideshow', () => {
  let fake: FakeTikTok;
  let t: TestApp;

  afterAll(async () => {
    if (t) {
      await cleanupRedis(t);
      await t.close();
    }
    await fake?.close();
  });

  it('is read once, cached beside the slides, stored with the link and reused by the next batch', async () => {
    fake = await FakeTikTok.start();
    const images = ['set_13/slide_2.jpg', 'set_13/slide_5.jpg', 'set_06/slide_7.jpg'].map((f) => path.join(SAMPLES, f));
    const link = fake.addPost({ id: POST_ID, images, width: 720, height: 960 });
    const config = await testConfig({
      TIKTOK_BASE_URL: fake.baseUrl,
      VARIATION_RATE_LIMIT: '100/s',
      TEXT_READER: 'true',
    });
    t = await startTestApp(config);
    const reader = t.app.get(SourceTextService);
    const productId = await createProduct(t);

    const first = await t.http
      .post('/api/batch')
      .send({ links: [link], productId, photoVariations: 1, textVariations: 1 });
    expect(first.status).toBe(201);
    expect((await waitForEnd(t, first.body.id, 400_000)).status).toBe('completed');

    const dir = path.join(config.dataDir, 'cache', 'tiktok', POST_ID);
    const textFile = path.join(dir, 'text.json');
    expect(fs.existsSync(textFile)).toBe(true);
    const cached = JSON.parse(fs.readFileSync(textFile, 'utf8'));
    expect(cached.slides).toHaveLength(3);
    expect(reader.slidesRead).toBe(3);
    const stamp = fs.statSync(textFile).mtimeMs;

    const stored = await t.ds.getRepository(BatchLink).findOneByOrFail({ batchId: first.body.id });
    const slides = stored.slideshow!.slides;
    expect(slides[0].text!.blocks.map((b) => b.text).join(' ')).toMatch(/shampooing/);
    expect(slides[0].cleanPath).toBe(path.join(dir, 'clean', 'slide_1.jpg'));
    expect(fs.existsSync(slides[0].cleanPath!)).toBe(true);
    expect(slides[2].text!.kind).toBe('card');
    // Each plan slide knows the source text it replaces.
    const planned = stored.plan!.slides.find((s) => s.sourceIndex === 0);
    expect(planned?.sourceText).toMatch(/shampooing/);

    const second = await t.http
      .post('/api/batch')
      .send({ links: [link], productId, photoVariations: 1, textVariations: 2 });
    expect((await waitForEnd(t, second.body.id, 400_000)).status).toBe('completed');
    expect(reader.slidesRead).toBe(3);
    expect(fs.statSync(textFile).mtimeMs).toBe(stamp);
    const again = await t.ds.getRepository(BatchLink).findOneByOrFail({ batchId: second.body.id });
    expect(again.slideshow!.slides[0].text).toEqual(slides[0].text);

    // The preview shows the same text, from the cache.
    const preview = await t.http.post('/api/links/preview/text').send({ url: link });
    expect(preview.status).toBe(200);
    expect(preview.body.postId).toBe(POST_ID);
    expect(preview.body.slides.map((s: { kind: string }) => s.kind)).toEqual(['photo', 'photo', 'card']);
    expect(preview.body.slides[0].text).toMatch(/shampooing/);
    expect(reader.slidesRead).toBe(3);

    const bad = await t.http.post('/api/links/preview/text').send({ url: 'not a link' });
    expect(bad.status).toBe(400);
  }, 900_000);
});
