import { FakeTikTok } from './fakes/fake-tiktok';
import { testConfig } from './helpers/test-config';
import { cleanupRedis, createProduct, startTestApp, TestApp, waitForEnd } from './helpers/test-app';
import { TestGenerator, TestSource } from './helpers/test-doubles';

type Failure = { url: string; step: string; reason: string; retryable: boolean; variationId: string | null };

/**
 * Retry-failed queues only what a retry can help: the real TikTok source against the loopback fake
 * (private, deleted, region-locked posts and videos fail for good; a rate-limited page is transient).
 */
describe('retryable and permanent failures', () => {
  let fake: FakeTikTok;
  let t: TestApp;
  let productId: string;
  let seq = 7450000000000000000n;
  const nextId = () => String(++seq);

  beforeAll(async () => {
    fake = await FakeTikTok.start();
  });
  afterAll(() => fake.close());
  afterEach(async () => {
    fake.reset();
    await cleanupRedis(t);
    await t.close();
  });

  it('private, deleted, region-locked and video posts are not retried; a transient failure is', async () => {
    t = await startTestApp(
      await testConfig({
        TIKTOK_BASE_URL: fake.baseUrl,
        SOURCE_TIMEOUT_MS: '3000',
        VARIATION_RATE_LIMIT: '1000/s',
        JOB_ATTEMPTS: '2',
      }),
      { generator: new TestGenerator() },
    );
    productId = await createProduct(t);
    const ok = fake.addPost({ id: nextId(), slides: 2 });
    const permanent = (['private', 'deleted', 'region', 'video'] as const).map((kind) => {
      const id = nextId();
      return { id, kind, url: fake.addPost({ id, kind }) };
    });
    const limitedId = nextId();
    const limited = fake.addPost({ id: limitedId, kind: 'ratelimited', slides: 2 });
    const links = [ok, ...permanent.map((p) => p.url), limited];

    const res = await t.http.post('/api/batch').send({ links, productId, photoVariations: 1, textVariations: 2 });
    expect(res.status).toBe(201);
    const first = await waitForEnd(t, res.body.id, 120_000);
    expect(first.status).toBe('completed_with_errors');
    const failures = first.failures as Failure[];
    expect(failures).toHaveLength(5);
    for (const p of permanent) {
      const f = failures.find((x) => x.url.endsWith(p.id));
      expect(f).toMatchObject({ step: 'fetch', retryable: false });
    }
    expect(failures.find((x) => x.url === limited)).toMatchObject({ step: 'fetch', retryable: true });
    // Two variations per link: the one transient link's are retryable, the four permanent links' are not.
    expect(first).toMatchObject({ retryableVariations: 2, permanentVariations: 8 });

    const pagesBefore = new Map(permanent.map((p) => [p.id, fake.requestsFor(p.id)]));
    fake.addPost({ id: limitedId, slides: 2 }); // the rate limit is over
    const retry = await t.http.post(`/api/batch/${res.body.id}/retry-failed`);
    expect(retry.status).toBe(200);
    expect(retry.body).toMatchObject({ links: 1, variations: 0 });
    const second = await waitForEnd(t, res.body.id, 120_000);
    expect(second.status).toBe('completed_with_errors');
    expect(second.links).toMatchObject({ completed: 2, failed: 4 });
    expect(second).toMatchObject({ retryableVariations: 0, permanentVariations: 8 });
    // The permanent failures were not fetched again.
    for (const p of permanent) expect(fake.requestsFor(p.id)).toBe(pagesBefore.get(p.id));

    const nothing = await t.http.post(`/api/batch/${res.body.id}/retry-failed`);
    expect(nothing.status).toBe(409);
    expect(nothing.body.message).toMatch(/nothing a retry can fix/);
  });

  it('a model failure (safety block) stays retryable: its next answer may differ', async () => {
    const source = new TestSource(2);
    const generator = new TestGenerator();
    t = await startTestApp(await testConfig({ VARIATION_RATE_LIMIT: '1000/s', JOB_ATTEMPTS: '2' }), {
      source,
      generator,
    });
    productId = await createProduct(t);
    const links = ['https://www.tiktok.com/@a/photo/7460000000000000001'];
    const res = await t.http.post('/api/batch').send({ links, productId, photoVariations: 1, textVariations: 1 });
    const ids = (await t.http.get(`/api/batch/${res.body.id}`)).body.links.map((l: { id: string }) => l.id);
    generator.imageFailures.set(ids[0], { kind: 'permanent', message: 'blocked by safety filters' });
    const first = await waitForEnd(t, res.body.id, 60_000);
    expect(first.status).toBe('failed');
    const vf = (first.failures as Failure[]).filter((f) => f.variationId);
    expect(vf).toEqual([expect.objectContaining({ reason: 'v1-1: blocked by safety filters', retryable: true })]);
    expect(first).toMatchObject({ retryableVariations: 1, permanentVariations: 0 });
    generator.imageFailures.clear();
    expect((await t.http.post(`/api/batch/${res.body.id}/retry-failed`)).body).toMatchObject({ variations: 1 });
    expect((await waitForEnd(t, res.body.id, 60_000)).status).toBe('completed');
  });
});
