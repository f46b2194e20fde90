import sharp from 'sharp';
import { testConfig } from './helpers/test-config';
import { cleanupRedis, createProduct, startTestApp, TestApp, tiktokLinks, waitForEnd } from './helpers/test-app';
import { TestGenerator, TestSource } from './helpers/test-doubles';

const postId = (url: string) => url.split('/').pop()!;
const SLIDES = 3;

/** Resume of cancelled batches through the real queues, Redis and database: rows, final status, reuse. */
describe('batch resume', () => {
  let t: TestApp;
  let source: TestSource;
  let generator: TestGenerator;
  let productId: string;

  async function start(env: Record<string, string> = {}) {
    source = new TestSource(SLIDES);
    generator = new TestGenerator();
    t = await startTestApp(
      await testConfig({ VARIATION_RATE_LIMIT: '2/s', WORKER_CONCURRENCY: '2', JOB_ATTEMPTS: '2', ...env }),
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

  async function cancelAfterImages(batchId: string, n: number) {
    for (let i = 0; i < 400 && generator.images.filter((c) => c.end).length < n; i++)
      await new Promise((r) => setTimeout(r, 50));
    expect((await t.http.post(`/api/batch/${batchId}/cancel`)).status).toBe(200);
    return waitForEnd(t, batchId);
  }

  const detail = async (id: string) => (await t.http.get(`/api/batch/${id}`)).body;

  it('resumes a cancelled batch: cancelled rows run, finished variations and made images are reused', async () => {
    await start();
    generator.imageDelayMs = 100;
    const links = tiktokLinks(3);
    const res = await create(links, 2, 2);
    const cancelled = await cancelAfterImages(res.body.id, 4);
    expect(cancelled.status).toBe('cancelled');
    expect(cancelled.variations.cancelled).toBeGreaterThan(0);
    const before = await detail(res.body.id);
    const doneBefore = new Map<string, string>();
    for (const l of before.links)
      for (const v of l.variations) if (v.status === 'completed') doneBefore.set(v.id, JSON.stringify(v.files));

    const resume = await t.http.post(`/api/batch/${res.body.id}/resume`);
    expect(resume.status).toBe(200);
    expect(resume.body.status).toBe('processing');
    expect(resume.body.links + resume.body.variations).toBeGreaterThan(0);
    const end = await waitForEnd(t, res.body.id, 120_000);
    expect(end.status).toBe('completed');
    expect(end.variations).toMatchObject({ total: 12, completed: 12, cancelled: 0, failed: 0 });
    expect(end.links).toMatchObject({ completed: 3, cancelled: 0 });

    // Reused, not redone: each link analysed once, each (link, slide, photo variant) image made once.
    expect(new Set(generator.analyses.map((a) => a.linkId)).size).toBe(generator.analyses.length);
    expect(generator.analyses).toHaveLength(3);
    const keys = generator.images.map((c) => `${c.linkId}:${c.slideIndex}:${c.photoIndex}`);
    expect(new Set(keys).size).toBe(keys.length);
    expect(keys).toHaveLength(3 * SLIDES * 2);
    // Variations that had completed before the cancel were not made again.
    const after = await detail(res.body.id);
    for (const l of after.links)
      for (const v of l.variations)
        if (doneBefore.has(v.id)) expect(JSON.stringify(v.files)).toBe(doneBefore.get(v.id));
    expect(after.links.every((l: { variations: unknown[] }) => l.variations.length === 4)).toBe(true);

    // Every slide has a small WebP thumbnail beside its full JPEG, served by the API.
    const files = after.links.flatMap(
      (l: { variations: { files: { name: string; url: string; thumbnailUrl?: string }[] }[] }) =>
        l.variations.flatMap((v) => v.files.filter((f) => f.name.endsWith('.jpg'))),
    );
    expect(files).toHaveLength(12 * SLIDES);
    for (const f of files)
      expect(f.thumbnailUrl).toMatch(new RegExp(`^/api/batch/${res.body.id}/thumbs/[0-9a-f-]{36}/\\d{2}\\.webp$`));
    const thumb = await t.http.get(files[0].thumbnailUrl!).buffer(true).expect(200);
    expect(thumb.headers['content-type']).toContain('image/webp');
    const full = await t.http.get(files[0].url).buffer(true).expect(200);
    expect(await sharp(thumb.body as Buffer).metadata()).toMatchObject({ format: 'webp', width: 270 });
    expect((thumb.body as Buffer).length).toBeLessThan((full.body as Buffer).length);
    expect((await t.http.get(`/api/batch/${res.body.id}/thumbs/../../etc/passwd`)).status).toBe(404);

    const again = await t.http.post(`/api/batch/${res.body.id}/resume`);
    expect(again.status).toBe(409);
    expect(again.body.message).toMatch(/only a cancelled batch can be resumed/);
  });

  it('a retry of failed rows leaves a cancelled batch cancelled; resume then finishes it', async () => {
    await start({ VARIATION_RATE_LIMIT: '1/s', WORKER_CONCURRENCY: '1' });
    generator.imageDelayMs = 150;
    const links = tiktokLinks(4);
    // Link 1 fails for good on its last attempt (a transient failure: retryable).
    source.failures.set(postId(links[0]), { kind: 'transient', times: 2, message: 'TikTok answered 503' });
    const res = await create(links, 1, 2);
    for (let i = 0; i < 400; i++) {
      const s = (await t.http.get(`/api/batch/${res.body.id}/status`)).body;
      if (s.links.failed >= 1) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    const cancelled = await cancelAfterImages(res.body.id, 2);
    expect(cancelled.status).toBe('cancelled');
    expect(cancelled.links.failed).toBe(1);

    const retry = await t.http.post(`/api/batch/${res.body.id}/retry-failed`);
    expect(retry.status).toBe(200);
    const afterRetry = await waitForEnd(t, res.body.id, 120_000);
    // The failed link was made; the cancelled rows are still cancelled, so the batch says so.
    expect(afterRetry.status).toBe('cancelled');
    expect(afterRetry.links.failed).toBe(0);
    expect(afterRetry.variations.cancelled).toBeGreaterThan(0);

    await t.http.post(`/api/batch/${res.body.id}/resume`).expect(200);
    const end = await waitForEnd(t, res.body.id, 120_000);
    expect(end.status).toBe('completed');
    expect(end.variations).toMatchObject({ total: 8, completed: 8 });
  });

  it('a batch cancelled before it started is queued again on resume and runs from the start', async () => {
    source = new TestSource(SLIDES);
    generator = new TestGenerator();
    const config = await testConfig({ VARIATION_RATE_LIMIT: '1000/s', WORKERS: 'false' });
    t = await startTestApp(config, { source, generator });
    productId = await createProduct(t);
    const res = await create(tiktokLinks(2), 1, 2);
    expect((await t.http.post(`/api/batch/${res.body.id}/cancel`)).body.status).toBe('cancelled');
    const resume = await t.http.post(`/api/batch/${res.body.id}/resume`);
    expect(resume.body).toMatchObject({ status: 'queued', links: 2, variations: 0 });
    const status = (await t.http.get(`/api/batch/${res.body.id}/status`)).body;
    expect(status.links).toMatchObject({ total: 2, cancelled: 0, queued: 2 });
    await t.close();

    // A process with workers picks up the queued process-batch job.
    t = await startTestApp({ ...config, workers: { ...config.workers, enabled: true } }, { source, generator });
    const end = await waitForEnd(t, res.body.id, 90_000);
    expect(end.status).toBe('completed');
    expect(end.variations).toMatchObject({ total: 4, completed: 4 });
  });

  it('resume of a batch that is not cancelled is a 409 naming its status; unknown ids are 404', async () => {
    await start({ VARIATION_RATE_LIMIT: '1000/s' });
    const res = await create(tiktokLinks(1));
    await waitForEnd(t, res.body.id);
    const r = await t.http.post(`/api/batch/${res.body.id}/resume`);
    expect(r.status).toBe(409);
    expect(r.body.message).toMatch(/is completed; only a cancelled batch can be resumed/);
    expect((await t.http.post(`/api/batch/00000000-0000-4000-8000-000000000000/resume`)).status).toBe(404);
  });
});
