import { FakeTikTok } from './fakes/fake-tiktok';
import { testConfig } from './helpers/test-config';
import { cleanupRedis, createProduct, startTestApp, TestApp, waitForEnd } from './helpers/test-app';

/**
 * Text the overlay fonts cannot draw (a product named in a script they lack) never fails a variation: the
 * slides are made without those characters and the variation says so in its `warnings`, through the API.
 */
describe('variation warnings', () => {
  let fake: FakeTikTok;
  let t: TestApp;

  afterAll(async () => {
    await cleanupRedis(t);
    await t.close();
    await fake.close();
  });

  it('completes every variation and lists what was left out', async () => {
    fake = await FakeTikTok.start();
    const config = await testConfig({ TIKTOK_BASE_URL: fake.baseUrl, VARIATION_RATE_LIMIT: '100/s' });
    t = await startTestApp(config);
    const links = [fake.addPost({ id: '7420000000000000031', slides: 3, width: 1080, height: 1440 })];
    const productId = await createProduct(t, '精华液 光彩 美白 精华: 维生素C 让肌肤更明亮 每天早晚使用 精华液');
    const res = await t.http.post('/api/batch').send({ links, productId, photoVariations: 1, textVariations: 2 });
    expect(res.status).toBe(201);
    const status = await waitForEnd(t, res.body.id, 110_000);
    expect(status.status).toBe('completed');
    expect(status.variations.completed).toBe(2);

    const detail = await t.http.get(`/api/batch/${res.body.id}`);
    expect(detail.status).toBe(200);
    const variations = detail.body.links[0].variations as { status: string; warnings: string[] }[];
    expect(variations).toHaveLength(2);
    for (const v of variations) {
      expect(v.status).toBe('completed');
      expect(Array.isArray(v.warnings)).toBe(true);
    }
    const all = variations.flatMap((v) => v.warnings).join('\n');
    expect(all).toMatch(/^slide \d+: left out characters the \w+ face has no glyphs for: .*[精华液光彩]/m);
  }, 180_000);
});
