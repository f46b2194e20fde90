import { testConfig } from './helpers/test-config';
import { cleanupRedis, createProduct, startTestApp, TestApp, tiktokLinks, waitForEnd } from './helpers/test-app';
import { TestGenerator, TestSource } from './helpers/test-doubles';

const postId = (url: string) => url.split('/').pop()!;

/**
 * Results and history come a page at a time (no request reads a whole 10,000-variation batch), and the
 * status payload keeps its shape while one computation serves every poller.
 */
describe('result and history pages, cached status', () => {
  let t: TestApp;
  let source: TestSource;
  let productId: string;
  let batchId: string;
  let links: string[];

  beforeAll(async () => {
    source = new TestSource(2);
    t = await startTestApp(await testConfig({ VARIATION_RATE_LIMIT: '1000/s', WORKER_CONCURRENCY: '4' }), {
      source,
      generator: new TestGenerator(),
    });
    productId = await createProduct(t);
    links = tiktokLinks(12, 500);
    // Link 11 fails: its failure must be listed on every page, not only on the page that shows link 11.
    source.failures.set(postId(links[10]), { kind: 'permanent', message: 'not a slideshow (this post is a video)' });
    const res = await t.http.post('/api/batch').send({ links, productId, photoVariations: 2, textVariations: 1 });
    expect(res.status).toBe(201);
    batchId = res.body.id;
    await waitForEnd(t, batchId, 120_000);
  }, 180_000);

  afterAll(async () => {
    await cleanupRedis(t);
    await t.close();
  });

  const detail = (query: string) => t.http.get(`/api/batch/${batchId}${query}`);

  it('pages the links in position order, each with only its own variations, every link exactly once', async () => {
    const pages = [];
    for (const page of [1, 2, 3, 4]) {
      const res = await detail(`?page=${page}&pageSize=5`);
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ page, pageSize: 5, linksTotal: 12, variationsTotal: 24 });
      pages.push(res.body.links as { id: string; position: number; url: string; variations: { id: string }[] }[]);
    }
    expect(pages.map((p) => p.map((l) => l.position))).toEqual([[1, 2, 3, 4, 5], [6, 7, 8, 9, 10], [11, 12], []]);
    const all = pages.flat();
    expect(all.map((l) => l.url)).toEqual(links);
    // Link 11 failed before planning (no variation rows); every other link has its 2 variations, none shared.
    expect(all.map((l) => l.variations.length)).toEqual([2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 0, 2]);
    expect(new Set(all.flatMap((l) => l.variations.map((v) => v.id))).size).toBe(22);
  });

  it('defaults to the first 10 links and lists the whole batch`s failures on any page', async () => {
    const first = await detail('');
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ page: 1, pageSize: 10 });
    expect(first.body.links.map((l: { position: number }) => l.position)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    for (const res of [first, await detail('?page=3&pageSize=5')])
      expect(res.body.failures).toEqual([
        expect.objectContaining({
          position: 11,
          url: links[10],
          errorStep: 'fetch',
          error: 'not a slideshow (this post is a video)',
        }),
      ]);
  });

  it.each([
    ['?page=0', 'page'],
    ['?page=-1', 'page'],
    ['?page=abc', 'page'],
    ['?page=1.5', 'page'],
    ['?pageSize=0', 'pageSize'],
    ['?pageSize=51', 'pageSize'],
    ['?pageSize=ten', 'pageSize'],
  ])('answers 400 naming the field for %s', async (query, field) => {
    const res = await detail(query);
    expect(res.status).toBe(400);
    expect(JSON.stringify(res.body.message)).toContain(field);
  });

  it('pages the history newest first with the same limits', async () => {
    // Two more (empty-handed) batches: they fail at fetch, which is all the history needs.
    const more: string[] = [];
    for (const url of tiktokLinks(2, 900)) {
      source.failures.set(postId(url), { kind: 'permanent' });
      const res = await t.http
        .post('/api/batch')
        .send({ links: [url], productId, photoVariations: 1, textVariations: 1 });
      more.push(res.body.id);
      await waitForEnd(t, res.body.id);
    }
    const p1 = await t.http.get('/api/batch?page=1&pageSize=2');
    const p2 = await t.http.get('/api/batch?page=2&pageSize=2');
    const p3 = await t.http.get('/api/batch?page=3&pageSize=2');
    expect(p1.body).toMatchObject({ total: 3, page: 1, pageSize: 2 });
    expect([...p1.body.items, ...p2.body.items].map((b: { id: string }) => b.id)).toEqual([more[1], more[0], batchId]);
    expect(p3.body.items).toEqual([]);
    for (const q of ['?page=0', '?pageSize=101', '?pageSize=x']) {
      const res = await t.http.get(`/api/batch${q}`);
      expect(res.status).toBe(400);
      expect(JSON.stringify(res.body.message)).toMatch(/page/);
    }
  });

  it('keeps the status payload`s shape', async () => {
    const res = await t.http.get(`/api/batch/${batchId}/status`);
    expect(res.status).toBe(200);
    expect(Object.keys(res.body).sort()).toEqual(
      [
        'createdAt',
        'estimate',
        'etaSeconds',
        'failures',
        'finishedAt',
        'id',
        'links',
        'name',
        'notices',
        'outputUrl',
        'permanentVariations',
        'progress',
        'recent',
        'retryableVariations',
        'review',
        'status',
        'variations',
      ].sort(),
    );
    const counts = ['awaitingReview', 'cancelled', 'completed', 'failed', 'processing', 'queued', 'total'];
    expect(Object.keys(res.body.links).sort()).toEqual(counts);
    expect(Object.keys(res.body.variations).sort()).toEqual(counts);
    expect(res.body).toMatchObject({
      status: 'completed_with_errors',
      progress: 100,
      links: { total: 12, completed: 11, failed: 1 },
      variations: { total: 24, completed: 22, failed: 2, queued: 0 },
    });
    expect(Object.keys(res.body.failures[0]).sort()).toEqual([
      'linkId',
      'reason',
      'retryable',
      'step',
      'url',
      'variationId',
    ]);
    expect(Object.keys(res.body.recent[0]).sort()).toEqual(['at', 'event', 'linkId', 'variationId']);
  });

  it('shows a change made through this API at once, not after the status cache`s interval', async () => {
    // A batch that waits on its link: cancelled, the very next status must say so.
    const [url] = tiktokLinks(1, 950);
    source.failures.set(postId(url), { kind: 'transient', times: 1000 });
    const res = await t.http
      .post('/api/batch')
      .send({ links: [url], productId, photoVariations: 1, textVariations: 1 });
    const id = res.body.id as string;
    expect((await t.http.get(`/api/batch/${id}/status`)).body.status).not.toMatch(/^cancel/);
    expect((await t.http.post(`/api/batch/${id}/cancel`)).status).toBe(200);
    expect((await t.http.get(`/api/batch/${id}/status`)).body.status).toMatch(/^cancel/);
    await waitForEnd(t, id);
    expect((await t.http.delete(`/api/batch/${id}`)).status).toBe(204);
    expect((await t.http.get(`/api/batch/${id}/status`)).status).toBe(404);
  });
});
