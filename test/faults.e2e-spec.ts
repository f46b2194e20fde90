import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import sharp from 'sharp';
import { testConfig } from './helpers/test-config';
import { cleanupRedis, createProduct, startTestApp, TestApp, tiktokLinks, waitForEnd } from './helpers/test-app';
import { rowCounts } from './helpers/db-snapshot';
import { TestGenerator, TestSource } from './helpers/test-doubles';
import { FakeGemini } from './fakes/fake-gemini';
import { FakeTikTok } from './fakes/fake-tiktok';
import { RedisServer } from './helpers/redis-server';

const photo = () =>
  sharp({ create: { width: 300, height: 300, channels: 3, background: '#884422' } })
    .jpeg()
    .toBuffer();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitFor(check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check().catch(() => false))) {
    if (Date.now() > end) throw new Error(`condition not met within ${timeoutMs} ms`);
    await sleep(100);
  }
}

describe('Redis outage', () => {
  const redis = new RedisServer();
  let t: TestApp;
  let generator: TestGenerator;

  beforeAll(async () => {
    await redis.start();
  });
  afterAll(async () => {
    await redis.stop();
  });
  afterEach(async () => {
    await t.close().catch(() => undefined);
  });

  it('answers 503 with a message (quickly, saving nothing) while Redis is down, and works again once it is back', async () => {
    generator = new TestGenerator();
    t = await startTestApp(await testConfig({ REDIS_URL: redis.url, VARIATION_RATE_LIMIT: '1000/s' }), {
      source: new TestSource(),
      generator,
    });
    const productId = await createProduct(t);
    const before = await rowCounts(t.ds);
    await redis.kill();
    const started = Date.now();
    const res = await t.http
      .post('/api/batch')
      .send({ links: tiktokLinks(2), productId, photoVariations: 1, textVariations: 1 });
    expect(Date.now() - started).toBeLessThan(6000);
    // multipart with an inline product: its row and file are removed too
    const multi = await t.http
      .post('/api/batch')
      .field('links', tiktokLinks(1)[0])
      .field('photoVariations', '1')
      .field('textVariations', '1')
      .field('description', 'd')
      .attach('photo', await photo(), 'p.jpg');
    expect(multi.status).toBe(503);
    expect(res.status).toBe(503);
    expect(res.body.message).toMatch(/Redis/);
    for (const [method, url] of [
      ['post', `/api/batch/${randomUUID()}/cancel`],
      ['post', `/api/batch/${randomUUID()}/retry-failed`],
      ['get', '/admin/queues'],
    ] as const) {
      const r = await t.http[method](url);
      expect({ url, status: r.status }).toEqual({ url, status: 503 });
      expect(r.body.message).toMatch(/Redis/);
    }
    // Reading needs only the database.
    expect((await t.http.get('/api/batch')).status).toBe(200);
    expect(await rowCounts(t.ds)).toEqual(before);

    await redis.start();
    await waitFor(async () => (await t.http.get('/api/health')).status === 200, 30_000);
    const ok = await t.http
      .post('/api/batch')
      .send({ links: tiktokLinks(1), productId, photoVariations: 1, textVariations: 1, review: false });
    expect(ok.status).toBe(201);
    expect((await waitForEnd(t, ok.body.id)).status).toBe('completed');
    await cleanupRedis(t);
  });

  it('finishes a batch when Redis is killed and restarted in the middle: every variation once, nothing lost', async () => {
    generator = new TestGenerator();
    generator.imageDelayMs = 150;
    const config = await testConfig({
      REDIS_URL: redis.url,
      VARIATION_RATE_LIMIT: '1000/s',
      WORKER_CONCURRENCY: '3',
      JOB_ATTEMPTS: '10',
      JOB_LOCK_MS: '3000',
      JOB_STALLED_INTERVAL_MS: '1000',
    });
    t = await startTestApp(config, { source: new TestSource(3), generator });
    const productId = await createProduct(t);
    const created = await t.http
      .post('/api/batch')
      .send({ links: tiktokLinks(3), productId, photoVariations: 2, textVariations: 2, review: false });
    expect(created.status).toBe(201);
    const id = created.body.id as string;

    // Kill Redis once some, but not all, variations are delivered.
    await waitFor(async () => (await t.http.get(`/api/batch/${id}/status`)).body.variations?.completed >= 2, 30_000);
    const mid = (await t.http.get(`/api/batch/${id}/status`)).body;
    expect(mid.variations.completed).toBeLessThan(12);
    await redis.kill();
    await sleep(2000);
    await redis.start();

    const end = await waitForEnd(t, id, 90_000);
    expect(end.status).toBe('completed');
    expect(end.links).toEqual({
      total: 3,
      queued: 0,
      processing: 0,
      completed: 3,
      failed: 0,
      cancelled: 0,
      awaitingReview: 0,
    });
    expect(end.variations).toEqual({
      total: 12,
      queued: 0,
      processing: 0,
      completed: 12,
      failed: 0,
      cancelled: 0,
      awaitingReview: 0,
    });

    // Nothing duplicated: 12 variation rows, each (link, p, t) once, each folder with exactly its 3 slides.
    const rows: { linkId: string; photoIndex: number; textIndex: number }[] = await t.ds.query(
      'SELECT "linkId", "photoIndex", "textIndex" FROM batch_variations',
    );
    expect(rows).toHaveLength(12);
    expect(new Set(rows.map((r) => `${r.linkId}:${r.photoIndex}:${r.textIndex}`)).size).toBe(12);
    const detail = (await t.http.get(`/api/batch/${id}`)).body;
    for (const link of detail.links) {
      for (const v of link.variations)
        expect(v.files.map((f: { name: string }) => f.name)).toEqual([
          '01.jpg',
          '02.jpg',
          '03.jpg',
          'caption.txt',
          'manifest.json',
        ]);
    }
    const out = path.join(config.dataDir, 'output');
    const files = fs.readdirSync(out, { recursive: true }).filter((f) => String(f).endsWith('.jpg'));
    expect(files).toHaveLength(12 * 3);
    // Paid calls: every (link, slide, photo variant) was made; a call in flight at the crash may be redone once.
    const made = new Set(generator.images.map((c) => `${c.linkId}:${c.slideIndex}:${c.photoIndex}`));
    expect(made.size).toBe(3 * 3 * 2);
    console.log(
      `image calls: ${generator.images.length} for ${made.size} distinct slide images; analyses: ${generator.analyses.length} for 3 links`,
    );
    await cleanupRedis(t);
  });
});

describe('Gemini answering 503 for a while', () => {
  let gemini: FakeGemini;
  let tiktok: FakeTikTok;
  let t: TestApp;

  beforeAll(async () => {
    gemini = await FakeGemini.start();
    tiktok = await FakeTikTok.start();
  });
  afterAll(async () => {
    await gemini.close();
    await tiktok.close();
  });
  afterEach(async () => {
    await cleanupRedis(t);
    await t.close();
    gemini.reset();
    tiktok.reset();
  });

  it('backs off and completes the batch; each slide image is paid for once', async () => {
    const config = await testConfig({
      GENERATOR: 'gemini',
      GEMINI_API_KEYS: 'k',
      GEMINI_BASE_URL: gemini.baseUrl,
      GEMINI_IMAGE_RPM: '10000',
      GEMINI_TEXT_RPM: '10000',
      TIKTOK_BASE_URL: tiktok.baseUrl,
      VARIATION_RATE_LIMIT: '1000/s',
      JOB_ATTEMPTS: '10',
      JOB_BACKOFF_MS: '20',
    });
    t = await startTestApp(config);
    const links = [
      tiktok.addPost({ id: '7411111111111111111', slides: 3 }),
      tiktok.addPost({ id: '7411111111111111112', slides: 3 }),
    ];
    // The analysis calls fail 4 times, then image calls 8 times, before Gemini recovers.
    gemini.fail({ type: 'unavailable' }, { kind: 'text', times: 4 });
    gemini.fail({ type: 'unavailable' }, { kind: 'image', times: 8 });
    const productId = await createProduct(t);
    const created = await t.http
      .post('/api/batch')
      .send({ links, productId, photoVariations: 2, textVariations: 1, review: false });
    expect(created.status).toBe(201);

    const end = await waitForEnd(t, created.body.id, 90_000);
    expect(end.status).toBe('completed');
    expect(end.variations).toMatchObject({ total: 4, completed: 4, failed: 0 });
    expect(gemini.calls.filter((c) => c.status === 503)).toHaveLength(12);
    // Nothing duplicated: one analysis per link, one paid image per (link, slide, photo variant); the plan
    // has 4 slides per link (the 3 source slides and the appended product slide).
    expect(gemini.ok('text')).toHaveLength(2);
    expect(gemini.ok('image')).toHaveLength(2 * 4 * 2);
    const files = fs
      .readdirSync(path.join(config.dataDir, 'output'), { recursive: true })
      .filter((f) => String(f).endsWith('.jpg'));
    expect(files).toHaveLength(4 * 4);
  });
});
