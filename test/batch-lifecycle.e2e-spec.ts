import { testConfig } from './helpers/test-config';
import { cleanupRedis, createProduct, startTestApp, TestApp, tiktokLinks, waitForEnd } from './helpers/test-app';
import { TestGenerator, TestSource } from './helpers/test-doubles';

const postId = (url: string) => url.split('/').pop()!;

/** Failures, retries, cancel and retry-failed through the real queues, Redis and database. */
describe('batch lifecycle', () => {
  let t: TestApp;
  let source: TestSource;
  let generator: TestGenerator;
  let productId: string;

  async function start(env: Record<string, string> = {}) {
    source = new TestSource(3);
    generator = new TestGenerator();
    t = await startTestApp(
      await testConfig({ VARIATION_RATE_LIMIT: '1000/s', WORKER_CONCURRENCY: '4', JOB_ATTEMPTS: '3', ...env }),
      { source, generator },
    );
    productId = await createProduct(t);
  }

  afterEach(async () => {
    await cleanupRedis(t);
    await t.close();
  });

  const create = (links: string[], p = 1, tt = 1) =>
    t.http.post('/api/batch').send({ links, productId, photoVariations: p, textVariations: tt });

  it('queues and completes a 25-link batch', async () => {
    await start();
    const res = await create(tiktokLinks(25), 1, 2);
    expect(res.status).toBe(201);
    const status = await waitForEnd(t, res.body.id, 90_000);
    expect(status.status).toBe('completed');
    expect(status.links.completed).toBe(25);
    expect(status.variations).toMatchObject({ total: 50, completed: 50, failed: 0, queued: 0, processing: 0 });
    expect(generator.analyses).toHaveLength(25);
  });

  it('ends completed_with_errors with the failing link, its step and its reason', async () => {
    await start();
    const links = tiktokLinks(3);
    source.failures.set(postId(links[1]), { kind: 'permanent', message: 'not a slideshow (this post is a video)' });
    const res = await create(links, 2, 1);
    const status = await waitForEnd(t, res.body.id);
    expect(status.status).toBe('completed_with_errors');
    expect(status.links).toMatchObject({ completed: 2, failed: 1 });
    // The failed link's variations will never be made: they count as failed, none stay queued.
    expect(status.variations).toMatchObject({ total: 6, completed: 4, failed: 2, queued: 0 });
    expect(status.failures).toEqual([
      expect.objectContaining({
        url: links[1],
        step: 'fetch',
        reason: 'not a slideshow (this post is a video)',
        variationId: null,
      }),
    ]);
    // Permanent means no retry: fetched once.
    expect(source.calls.filter((c) => c.url === links[1])).toHaveLength(1);
  });

  it('ends failed when no variation could be made', async () => {
    await start();
    const links = tiktokLinks(2);
    for (const l of links) source.failures.set(postId(l), { kind: 'permanent' });
    const status = await waitForEnd(t, (await create(links)).body.id);
    expect(status.status).toBe('failed');
  });

  it('retries a transient failure with backoff and then succeeds', async () => {
    await start();
    const links = tiktokLinks(2);
    source.failures.set(postId(links[0]), { kind: 'transient', times: 2 });
    const status = await waitForEnd(t, (await create(links)).body.id);
    expect(status.status).toBe('completed');
    expect(source.calls.filter((c) => c.url === links[0])).toHaveLength(3);
  });

  it('fails a transient error for good after the last attempt, with the reason', async () => {
    await start();
    const links = tiktokLinks(1);
    source.failures.set(postId(links[0]), { kind: 'transient', message: 'TikTok answered 503' });
    const status = await waitForEnd(t, (await create(links)).body.id);
    expect(status.status).toBe('failed');
    expect(status.failures[0].reason).toBe('TikTok answered 503 (gave up after 3 attempts)');
    expect(source.calls).toHaveLength(3);
  });

  it('cancel: no new variation starts after it returns; in-flight work stops; ends cancelled; a second cancel is harmless', async () => {
    await start({ VARIATION_RATE_LIMIT: '2/s', WORKER_CONCURRENCY: '2' });
    generator.imageDelayMs = 150;
    const res = await create(tiktokLinks(4), 2, 2);
    // Wait until some work has been done, then cancel.
    for (let i = 0; i < 200 && generator.images.filter((c) => c.end).length < 3; i++)
      await new Promise((r) => setTimeout(r, 50));
    const cancel = await t.http.post(`/api/batch/${res.body.id}/cancel`);
    expect(cancel.status).toBe(200);
    expect(['cancelling', 'cancelled']).toContain(cancel.body.status);
    const cancelledAt = Date.now();
    const status = await waitForEnd(t, res.body.id);
    expect(status.status).toBe('cancelled');
    // Work that was running may finish its current image call; nothing new starts after cancel returned.
    const startedAfter = generator.images.filter((c) => c.at > cancelledAt + 5);
    expect(startedAfter).toEqual([]);
    expect(status.variations.completed).toBeLessThan(16);
    expect(status.variations.cancelled + status.variations.completed + status.variations.failed).toBe(16);
    expect(status.variations.processing + status.variations.queued).toBe(0);
    const again = await t.http.post(`/api/batch/${res.body.id}/cancel`);
    expect(again.status).toBe(409);
    expect(again.body.message).toMatch(/already ended \(cancelled\)/);
  });

  it('cancel of a batch that has not started yet ends it at once', async () => {
    await start({ WORKERS: 'false' });
    const res = await create(tiktokLinks(2));
    const cancel = await t.http.post(`/api/batch/${res.body.id}/cancel`);
    expect(cancel.body.status).toBe('cancelled');
    const status = (await t.http.get(`/api/batch/${res.body.id}/status`)).body;
    expect(status.links).toMatchObject({ total: 2, cancelled: 2 });
    expect(status.variations).toMatchObject({ total: 2, cancelled: 2, queued: 0 });
  });

  it('retry-failed re-runs only the failed work and reuses fetched slides, plans and made images', async () => {
    await start();
    const links = tiktokLinks(3);
    // Transient, so retryable: it fails for good after JOB_ATTEMPTS (3) tries, then passes on the retry.
    source.failures.set(postId(links[0]), { kind: 'transient', times: 3 });
    const res = await create(links, 2, 2);
    const first = await waitForEnd(t, res.body.id);
    expect(first.status).toBe('completed_with_errors');
    const detail = (await t.http.get(`/api/batch/${res.body.id}`)).body;
    // Fail one variation of link 2 by hand-crafting nothing: make its image calls fail on the retry instead.
    const analysesBefore = generator.analyses.length;
    const imagesBefore = generator.images.length;
    const fetchesBefore = source.calls.length;
    source.failures.delete(postId(links[0]));

    const retry = await t.http.post(`/api/batch/${res.body.id}/retry-failed`);
    expect(retry.status).toBe(200);
    expect(retry.body).toMatchObject({ status: 'processing', links: 1, variations: 0 });
    const second = await waitForEnd(t, res.body.id);
    expect(second.status).toBe('completed');
    expect(second.variations).toMatchObject({ total: 12, completed: 12 });
    // Only the failed link was fetched, analysed and painted again.
    expect(source.calls.length - fetchesBefore).toBe(1);
    expect(source.calls.filter((c) => c.url !== links[0])).toHaveLength(2);
    expect(generator.analyses.length - analysesBefore).toBe(1);
    expect(generator.analyses.slice(analysesBefore).map((a) => a.linkId)).toEqual([detail.links[0].id]);
    expect(generator.images.length - imagesBefore).toBe(3 * 2);

    const nothing = await t.http.post(`/api/batch/${res.body.id}/retry-failed`);
    expect(nothing.status).toBe(409);
    expect(nothing.body.message).toMatch(/nothing that failed/);
  });

  it('retry-failed of failed variations resumes them without repaying images already made', async () => {
    await start();
    const links = tiktokLinks(1);
    const res = await create(links, 1, 2);
    // Let the link be fetched and analysed; make its image calls fail permanently after the first one.
    const linkId = (await t.http.get(`/api/batch/${res.body.id}`)).body.links[0].id;
    generator.imageFailures.set(linkId, { kind: 'transient', message: 'Gemini answered 503', times: 100 });
    const first = await waitForEnd(t, res.body.id);
    expect(first.status).toBe('failed');
    expect(
      first.failures.some(
        (f: { reason: string; step: string; retryable: boolean }) =>
          f.step === 'generation' && f.reason.includes('Gemini answered 503') && f.retryable,
      ),
    ).toBe(true);
    generator.imageFailures.delete(linkId);
    const analyses = generator.analyses.length;
    await t.http.post(`/api/batch/${res.body.id}/retry-failed`).expect(200);
    const second = await waitForEnd(t, res.body.id);
    expect(second.status).toBe('completed');
    expect(generator.analyses.length).toBe(analyses); // the stored plan was reused
  });
});
