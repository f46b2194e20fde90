import * as fs from 'node:fs';
import * as path from 'node:path';
import sharp from 'sharp';
import { FakeGemini, FakeGeminiCall } from './fakes/fake-gemini';
import { FakeTikTok } from './fakes/fake-tiktok';
import { testConfig } from './helpers/test-config';
import { cleanupRedis, createProduct, startTestApp, TestApp, waitForEnd } from './helpers/test-app';

/**
 * The paid path's look across a slideshow, through two in-process apps (two workers on one database,
 * Redis and DATA_DIR): the recurring subject's first image of each photo variant goes with that variant's
 * later images; sizes as configured, never enlarged past 1.1×; one paid call per image; economy batches
 * through the Batch API only.
 */
const SUBJECT = { kind: 'person', description: 'a woman in her thirties with short red hair', slides: [0, 1, 2] };

/** "scene 2 of slide 3: …" → photo variant 2, slide 3 (1-based, as the fake's plan writes them). */
function which(c: FakeGeminiCall): { p: number; slide: number } {
  const m = /scene (\d+) of slide (\d+)/.exec(c.prompt);
  if (!m) throw new Error(`no scene in ${c.prompt.slice(0, 200)}`);
  return { p: Number(m[1]), slide: Number(m[2]) };
}

describe('one subject and one look per photo variant; economy batches', () => {
  let tiktok: FakeTikTok;
  let gemini: FakeGemini;
  const apps: TestApp[] = [];

  beforeAll(async () => {
    [tiktok, gemini] = await Promise.all([FakeTikTok.start(), FakeGemini.start()]);
  });
  afterAll(async () => {
    await Promise.all([tiktok.close(), gemini.close()]);
  });
  beforeEach(() => gemini.reset());
  afterEach(async () => {
    if (apps.length) await cleanupRedis(apps[0]);
    for (const t of apps.splice(0)) await t.close();
  });

  /** Two workers (apps) on one configuration. */
  async function start(env: Record<string, string> = {}): Promise<TestApp> {
    const config = await testConfig({
      TIKTOK_BASE_URL: tiktok.baseUrl,
      GEMINI_API_KEYS: 'key-one',
      GEMINI_BASE_URL: gemini.baseUrl,
      GEMINI_IMAGE_RPM: '100000',
      VARIATION_RATE_LIMIT: '100/s',
      WORKER_CONCURRENCY: '2',
      GEMINI_BATCH_POLL_MS: '100',
      JOB_ATTEMPTS: '3',
      ...env,
    });
    apps.push(await startTestApp(config), await startTestApp(config));
    return apps[0];
  }

  async function deliveredJpegs(t: TestApp): Promise<string[]> {
    const out: string[] = [];
    const walk = (dir: string) => {
      for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
        const p = path.join(dir, e.name);
        if (e.isDirectory()) walk(p);
        else if (e.name.endsWith('.jpg')) out.push(p);
      }
    };
    walk(path.join(t.config.dataDir, 'output'));
    return out;
  }

  it('fast: the subject image of variant p goes with the later subject slides of p only; one call per image across two workers; 2K asked, not enlarged', async () => {
    const t = await start();
    gemini.planSubject = SUBJECT;
    const link = tiktok.addPost({ id: '7420000000000000001', slides: 3 });
    const productId = await createProduct(t);
    const res = await t.http
      .post('/api/batch')
      .send({ review: false, links: [link], productId, photoVariations: 2, textVariations: 2 });
    expect(res.status).toBe(201);
    expect(res.body.estimate.economyCost).toBeLessThan(res.body.estimate.cost);
    const status = await waitForEnd(t, res.body.id, 120_000);
    expect(status.status).toBe('completed');

    const images = gemini.calls.filter((c) => c.kind === 'image');
    // 4 plan slides (3 + the product slide) × 2 photo variants, each paid once, shared by both text variants.
    expect(images).toHaveLength(8);
    expect(images.every((c) => c.status === 200 && c.imageSize === '2K' && !c.batch)).toBe(true);
    // The estimate at creation assumed 6 slides per link; once fetched, status counts the real 4, and what is left.
    expect(res.body.estimate.imageCalls).toBe(12);
    expect(status.estimate).toMatchObject({
      linksFetched: 1,
      imageCalls: images.length,
      imageCallsLeft: 0,
      costLeft: 0,
    });
    for (const p of [1, 2]) {
      const of = (slide: number) => images.find((c) => which(c).p === p && which(c).slide === slide) as FakeGeminiCall;
      const subjectCall = gemini.calls.indexOf(of(1));
      const other = gemini.calls.indexOf(
        images.find((c) => which(c).p !== p && which(c).slide === 1) as FakeGeminiCall,
      );
      expect(of(1).refersTo).toEqual([]);
      // Made before the slides that carry it, and carried by exactly those (slides 2 and 3), not the product slide.
      for (const slide of [2, 3]) {
        expect(of(slide).refersTo).toEqual([subjectCall]);
        expect(of(slide).refersTo).not.toContain(other);
        expect(of(slide).at).toBeGreaterThanOrEqual(of(1).at);
        expect(of(slide).prompt).toContain(SUBJECT.description);
      }
      expect(of(4).refersTo).toEqual([]);
    }
    // Implicit caching: every image request of the link starts with the same instructions.
    const firstLines = new Set(images.map((c) => c.prompt.split('\n').slice(0, 5).join('\n')));
    expect(firstLines.size).toBe(1);
    // 2K images make full-size slides.
    for (const file of await deliveredJpegs(t)) expect((await sharp(file).metadata()).width).toBe(1080);
  }, 180_000);

  it('GEMINI_IMAGE_SIZE=1K: slides are drawn at most 1.1× the image, not blown up to 1080', async () => {
    const t = await start({ GEMINI_IMAGE_SIZE: '1K' });
    const link = tiktok.addPost({ id: '7420000000000000002', slides: 2 });
    const productId = await createProduct(t);
    const res = await t.http
      .post('/api/batch')
      .send({ review: false, links: [link], productId, photoVariations: 1, textVariations: 1 });
    expect((await waitForEnd(t, res.body.id, 120_000)).status).toBe('completed');
    expect(gemini.calls.filter((c) => c.kind === 'image').map((c) => c.imageSize)).toEqual(['1K', '1K', '1K']);
    const files = await deliveredJpegs(t);
    expect(files).toHaveLength(3);
    // The fake's 1K 3:4 image is 896×1200.
    for (const file of files) {
      const { width, height } = await sharp(file).metadata();
      expect(width).toBeLessThanOrEqual(Math.floor(896 * 1.1));
      expect(height).toBeLessThanOrEqual(Math.floor(1200 * 1.1));
    }
  }, 180_000);

  it('a refused slide fails its variation with the reason in words after one reworded retry', async () => {
    const t = await start();
    gemini.fail({ type: 'blocked', how: 'IMAGE_RECITATION' }, { kind: 'image', times: 2, after: 1 });
    const link = tiktok.addPost({ id: '7420000000000000003', slides: 2 });
    const productId = await createProduct(t);
    const res = await t.http
      .post('/api/batch')
      .send({ review: false, links: [link], productId, photoVariations: 1, textVariations: 1 });
    const status = await waitForEnd(t, res.body.id, 120_000);
    expect(status.status).toBe('failed');
    // The variation's own failure names the slide (the batch's summary quotes it).
    expect(status.failures.map((f: { reason: string }) => f.reason)).toContainEqual(
      expect.stringMatching(
        /^v1-1: Slide 2 \(photo variant 1\): the picture came out too close to an existing image \(IMAGE_RECITATION\)\. Describe a scene of your own/,
      ),
    );
    expect(gemini.calls.filter((c) => c.fault === 'blocked')).toHaveLength(2);
  }, 180_000);

  it('economy: every image made inside batch jobs (none outside), results mapped back by key, subject reference in the second round', async () => {
    const t = await start();
    gemini.planSubject = SUBJECT;
    const link = tiktok.addPost({ id: '7420000000000000004', slides: 3 });
    const productId = await createProduct(t);
    const res = await t.http
      .post('/api/batch')
      .send({ review: false, links: [link], productId, photoVariations: 2, textVariations: 1, speed: 'economy' });
    expect(res.status).toBe(201);
    expect(res.body.estimate.economyCost).toBeLessThan(res.body.estimate.cost);
    const status = await waitForEnd(t, res.body.id, 120_000);
    expect(status.status).toBe('completed');
    expect((await t.http.get('/api/batch')).body.items.map((b: { speed: string }) => b.speed)).toEqual(['economy']);

    const images = gemini.calls.filter((c) => c.kind === 'image');
    expect(images).toHaveLength(8);
    expect(images.filter((c) => !c.batch)).toEqual([]);
    const creates = gemini.batchLog.filter((l) => l.op === 'create');
    // Per photo variant: round 1 (subject's first image, product slide), round 2 (the later subject slides).
    expect(creates).toHaveLength(4);
    expect(creates.map((c) => c.keys?.length).sort()).toEqual([2, 2, 2, 2]);
    for (const c of images) {
      const { p, slide } = which(c);
      expect(c.batch?.key).toBe(`s${slide - 1}-p${p - 1}`);
      const subjectCall = gemini.calls.indexOf(
        images.find((d) => which(d).p === p && which(d).slide === 1) as FakeGeminiCall,
      );
      expect(c.refersTo).toEqual(slide === 2 || slide === 3 ? [subjectCall] : []);
    }
    // Every delivered slide is the image its key asked for (mapped back by key, not by position).
    const files = await deliveredJpegs(t);
    expect(files).toHaveLength(8);
  }, 180_000);

  it('economy: a refusal inside a job is retried reworded in the next job; cancel cancels the pending Gemini job', async () => {
    const t = await start();
    gemini.fail({ type: 'blocked', how: 'IMAGE_SAFETY' }, { kind: 'image', times: 1 });
    const productId = await createProduct(t);
    const first = await t.http.post('/api/batch').send({
      review: false,
      links: [tiktok.addPost({ id: '7420000000000000005', slides: 2 })],
      productId,
      photoVariations: 1,
      textVariations: 1,
      speed: 'economy',
    });
    expect((await waitForEnd(t, first.body.id, 120_000)).status).toBe('completed');
    const refused = gemini.calls.find((c) => c.fault === 'blocked') as FakeGeminiCall;
    const retried = gemini.calls.filter((c) => c.batch?.key === refused.batch?.key && c !== refused);
    expect(retried).toHaveLength(1);
    expect(retried[0].batch?.name).not.toBe(refused.batch?.name);
    expect(retried[0].prompt).toMatch(/safe for all audiences/);
    expect(gemini.calls.filter((c) => c.kind === 'image' && !c.batch)).toEqual([]);

    gemini.holdBatches = true;
    const second = await t.http.post('/api/batch').send({
      review: false,
      links: [tiktok.addPost({ id: '7420000000000000006', slides: 2 })],
      productId,
      photoVariations: 1,
      textVariations: 1,
      speed: 'economy',
    });
    const created = () => gemini.batchLog.filter((l) => l.op === 'create').length;
    const before = created();
    const end = Date.now() + 60_000;
    while (created() === before || ![...gemini.jobs.values()].some((j) => j.state === 'BATCH_STATE_PENDING')) {
      if (Date.now() > end) throw new Error('no batch job was created');
      await new Promise((r) => setTimeout(r, 50));
    }
    await t.http.post(`/api/batch/${second.body.id}/cancel`).expect(200);
    expect((await waitForEnd(t, second.body.id, 60_000)).status).toBe('cancelled');
    const pending = [...gemini.jobs.values()].filter((j) => j.displayName.includes(':p'));
    const cancelled = gemini.batchLog.filter((l) => l.op === 'cancel').map((l) => l.name);
    expect(cancelled.length).toBeGreaterThan(0);
    for (const name of cancelled) expect(gemini.jobs.get(name)?.state).toBe('BATCH_STATE_CANCELLED');
    expect(pending.every((j) => j.state !== 'BATCH_STATE_PENDING')).toBe(true);
  }, 180_000);
});
