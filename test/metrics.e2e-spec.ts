import { FakeGemini } from './fakes/fake-gemini';
import { FakeTikTok } from './fakes/fake-tiktok';
import { cleanupRedis, createProduct, startTestApp, TestApp, waitForEnd } from './helpers/test-app';
import { testConfig } from './helpers/test-config';

/** GET /api/metrics after a small batch through the real Gemini provider (fake Gemini with one 429). */
const KEY = 'AIzaSyTEST-metrics-key-000000000000042';
const MASKED = 'AIza…0042';

/** The value of one sample line `name{labels} value`, or undefined. */
function sample(body: string, name: string, labels: Record<string, string> = {}): number | undefined {
  const want = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  for (const line of body.split('\n')) {
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const have = (m[2] ?? '').split(',').filter(Boolean);
    if (want.every((w) => have.includes(w))) return Number(m[3]);
  }
  return undefined;
}

describe('metrics', () => {
  let t: TestApp;
  let tiktok: FakeTikTok;
  let gemini: FakeGemini;

  beforeAll(async () => {
    tiktok = await FakeTikTok.start();
    gemini = await FakeGemini.start();
    const config = await testConfig({
      GENERATOR: 'gemini',
      GEMINI_API_KEYS: KEY,
      GEMINI_BASE_URL: gemini.baseUrl,
      TIKTOK_BASE_URL: tiktok.baseUrl,
      GEMINI_IMAGE_RPM: '100000',
      GEMINI_TEXT_RPM: '100000',
      VARIATION_RATE_LIMIT: '100/s',
      PRICE_PER_IMAGE_CALL: '0.04',
      PRICE_PER_TEXT_CALL: '0.01',
    });
    t = await startTestApp(config);
  });

  afterAll(async () => {
    if (t) {
      await cleanupRedis(t);
      await t.close();
    }
    await tiktok?.close();
    await gemini?.close();
  });

  it('exposes jobs, durations, provider calls and 429s by masked key, images made and spend', async () => {
    const url = tiktok.addPost({ id: '7600000000000000001', slides: 3 });
    gemini.fail({ type: 'rate-minute', retryDelay: '1s' }, { kind: 'image' });
    const productId = await createProduct(t);
    const created = await t.http
      .post('/api/batch')
      .send({ links: url, productId, photoVariations: 1, textVariations: 1, review: false });
    expect(created.status).toBe(201);
    expect((await waitForEnd(t, created.body.id, 60_000)).status).toBe('completed');

    const res = await t.http.get('/api/metrics');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    const body = res.text;
    for (const family of [
      'studio_queue_jobs',
      'studio_job_duration_seconds',
      'studio_provider_calls_total',
      'studio_provider_rate_limited_total',
      'studio_images_made_total',
      'studio_estimated_spend_usd_total',
      'studio_batches',
      'studio_workers_live',
      'process_cpu_seconds_total',
    ]) {
      expect(body).toContain(`# TYPE ${family} `);
    }
    expect(body).not.toContain(KEY);

    // The provider's own log is the reference: 4 plan slides (3 + product) → 4 images, one 429 before them.
    const imagesOk = gemini.ok('image').length;
    const textOk = gemini.ok('text').length;
    expect(imagesOk).toBe(4);
    expect(textOk).toBe(1);
    expect(sample(body, 'studio_provider_calls_total', { key: MASKED, kind: 'image', outcome: 'ok' })).toBe(imagesOk);
    expect(sample(body, 'studio_provider_calls_total', { key: MASKED, kind: 'image', outcome: 'rate_limited' })).toBe(
      1,
    );
    expect(sample(body, 'studio_provider_calls_total', { key: MASKED, kind: 'text', outcome: 'ok' })).toBe(textOk);
    expect(sample(body, 'studio_provider_rate_limited_total', { key: MASKED, kind: 'image', quota: 'minute' })).toBe(1);
    expect(sample(body, 'studio_images_made_total', { generator: 'gemini' })).toBe(4);
    expect(sample(body, 'studio_estimated_spend_usd_total', { kind: 'image' })).toBeCloseTo(imagesOk * 0.04, 6);
    expect(sample(body, 'studio_estimated_spend_usd_total', { kind: 'text' })).toBeCloseTo(textOk * 0.01, 6);

    // Jobs (global, from Bull) and durations (this process): the 429 made one variation attempt fail first.
    expect(sample(body, 'studio_queue_jobs', { queue: 'variations', state: 'completed' })).toBe(1);
    expect(sample(body, 'studio_queue_jobs', { queue: 'links', state: 'completed' })).toBe(1);
    expect(sample(body, 'studio_queue_jobs', { queue: 'variations', state: 'active' })).toBe(0);
    expect(sample(body, 'studio_job_duration_seconds_count', { queue: 'variations', outcome: 'completed' })).toBe(1);
    expect(sample(body, 'studio_job_duration_seconds_count', { queue: 'variations', outcome: 'failed' })).toBe(1);
    expect(sample(body, 'studio_job_duration_seconds_count', { queue: 'batches', outcome: 'completed' })).toBe(1);
    expect(sample(body, 'studio_batches', { status: 'completed' })).toBe(1);
    expect(sample(body, 'studio_workers_live')).toBe(1);
  });
});
