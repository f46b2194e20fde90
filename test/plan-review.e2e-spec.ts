import * as os from 'node:os';
import * as path from 'node:path';
import sharp from 'sharp';
import { createWorker, type Worker } from 'tesseract.js';
import { BatchSweeperService } from '../src/batches/batch-sweeper.service';
import { BatchEvent } from '../src/pipeline/entities/batch-event.entity';
import type { SlideshowPlan } from '../src/pipeline/plan';
import { FakeGemini } from './fakes/fake-gemini';
import { FakeTikTok } from './fakes/fake-tiktok';
import { testConfig } from './helpers/test-config';
import { cleanupRedis, createProduct, startTestApp, TestApp, waitForEnd } from './helpers/test-app';

/**
 * Review before paying, on the paid path (fake TikTok and Gemini through the real SDKs, real Redis and
 * database, local storage): a link stops after analysis, its plan is edited and approved, and only then
 * are images paid for; the delivered slides carry the edited words (read back by OCR).
 */
const TESSDATA = path.join(path.dirname(require.resolve('@tesseract.js-data/eng/package.json')), '4.0.0_best_int');
let nextId = 7_420_000_000_000_000_000n;

/**
 * The slide's white overlay text as black on white, everything else blank: OCR reads it whatever colour the
 * fake's image has (a plain colour from its prompt; near-white in every channel is vanishingly rare).
 */
async function whiteTextOnly(jpeg: Buffer): Promise<Buffer> {
  const { data, info } = await sharp(jpeg).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  const out = Buffer.alloc(info.width * info.height, 255);
  for (let i = 0; i < out.length; i++) {
    const [r, g, b] = [data[i * 3], data[i * 3 + 1], data[i * 3 + 2]];
    if (r >= 235 && g >= 235 && b >= 235) out[i] = 0;
  }
  return sharp(out, { raw: { width: info.width, height: info.height, channels: 1 } })
    .png()
    .toBuffer();
}
const postId = () => String(++nextId);

describe('review before paying', () => {
  let tiktok: FakeTikTok;
  let gemini: FakeGemini;
  let t: TestApp;
  let ocr: Worker;

  beforeAll(async () => {
    [tiktok, gemini] = await Promise.all([FakeTikTok.start(), FakeGemini.start()]);
    ocr = await createWorker('eng', 1, { langPath: TESSDATA, cachePath: os.tmpdir(), gzip: true });
  });
  afterAll(async () => {
    await ocr?.terminate();
    await Promise.all([tiktok.close(), gemini.close()]);
  });

  beforeEach(async () => {
    gemini.reset();
    t = await startTestApp(
      await testConfig({
        TIKTOK_BASE_URL: tiktok.baseUrl,
        GEMINI_API_KEYS: 'key-one',
        GEMINI_BASE_URL: gemini.baseUrl,
        STORAGE: 'local',
        VARIATION_RATE_LIMIT: '100/s',
        SWEEP_INTERVAL_MS: '200',
      }),
    );
  });
  afterEach(async () => {
    await cleanupRedis(t);
    await t.close();
  });

  async function startBatch(links: string[], body: Record<string, unknown> = {}) {
    const productId = await createProduct(t);
    const res = await t.http
      .post('/api/batch')
      .send({ links, productId, photoVariations: 1, textVariations: 2, ...body });
    expect(res.status).toBe(201);
    return res.body as { id: string; review: boolean };
  }

  /** Polls status until every link has been analysed and waits for review. */
  async function waitForReview(batchId: string, links: number): Promise<Record<string, any>> {
    const end = Date.now() + 60_000;
    for (;;) {
      const res = await t.http.get(`/api/batch/${batchId}/status`);
      if (res.body.links?.awaitingReview === links) return res.body;
      if (Date.now() > end) throw new Error(`batch ${batchId} never awaited review: ${JSON.stringify(res.body)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  const linksOf = async (batchId: string) =>
    (await t.http.get(`/api/batch/${batchId}`)).body.links as { id: string; status: string; variations: any[] }[];
  const planUrl = (batchId: string, linkId: string) => `/api/batch/${batchId}/links/${linkId}/plan`;

  it('stops after analysis, takes an edited plan, pays nothing before approval and delivers the edited words', async () => {
    const batch = await startBatch([tiktok.addPost({ id: postId(), slides: 3 })]);
    expect(batch.review).toBe(true); // the default with a paid generator
    const status = await waitForReview(batch.id, 1);
    expect(status).toMatchObject({ status: 'processing', review: true, etaSeconds: null });
    expect(status.variations).toMatchObject({ total: 2, awaitingReview: 2, queued: 0 });
    const [link] = await linksOf(batch.id);
    expect(link).toMatchObject({ status: 'awaiting_review', variations: [] });
    expect(gemini.ok('text')).toHaveLength(1);
    expect(gemini.ok('image')).toHaveLength(0);

    // The sweeper does not take a link that waits for review for lost work.
    const sweeper = t.app.get(BatchSweeperService);
    await sweeper.sweepOnce();
    await new Promise((r) => setTimeout(r, 300));
    const swept = await sweeper.sweepOnce();
    expect(swept.requeued).toEqual([]);
    expect(swept.failed).toEqual([]);

    const plan = (await t.http.get(planUrl(batch.id, link.id)).expect(200)).body as SlideshowPlan;
    expect(plan.slides.map((s) => s.role)).toEqual(['hook', 'body', 'body', 'product']);
    // Drop the second body slide, put the product slide before the last body slide, rewrite the hook.
    const edited: SlideshowPlan = {
      ...plan,
      slides: [plan.slides[0], plan.slides[3], plan.slides[1]].map((s) => ({ ...s })),
    };
    edited.slides[0] = { ...edited.slides[0], texts: ['PINEAPPLE', 'MANGO'] };
    edited.slides[2] = { ...edited.slides[2], scenes: ['a quiet beach at dawn'] };
    const saved = await t.http.put(planUrl(batch.id, link.id)).send(edited).expect(200);
    expect(saved.body).toEqual(edited);
    expect((await t.http.get(planUrl(batch.id, link.id))).body).toEqual(edited);
    expect(gemini.ok('image')).toHaveLength(0);

    const approved = await t.http.post(`/api/batch/${batch.id}/links/${link.id}/approve`).expect(200);
    expect(approved.body).toEqual({ batchId: batch.id, approved: [link.id] });
    const done = await waitForEnd(t, batch.id);
    expect(done.status).toBe('completed');
    // Once made, the plan is final: a change now is refused and the stored plan stays.
    const late = await t.http.put(planUrl(batch.id, link.id)).send(plan).expect(409);
    expect(late.body.message).toMatch(/before images are made/);
    expect((await t.http.get(planUrl(batch.id, link.id))).body).toEqual(edited);

    // One image per edited slide (the dropped one was never paid for); the edited scene was asked for.
    expect(gemini.ok('image')).toHaveLength(3);
    expect(gemini.ok('image').some((c) => c.prompt.includes('a quiet beach at dawn'))).toBe(true);
    const [finished] = await linksOf(batch.id);
    const byText = new Map(finished.variations.map((v) => [v.textIndex, v]));
    for (const [textIndex, word] of [
      [1, 'PINEAPPLE'],
      [2, 'MANGO'],
    ] as const) {
      const slides = byText.get(textIndex).files.filter((f: { name: string }) => f.name.endsWith('.jpg'));
      expect(slides).toHaveLength(3);
      const image = await t.http.get(slides[0].url).buffer(true).expect(200);
      const { data } = await ocr.recognize(await whiteTextOnly(image.body as Buffer));
      expect(data.text.toUpperCase()).toContain(word);
    }
  });

  it('refuses bad edits with the field named and changes nothing; cancel and delete work while awaiting review', async () => {
    const batch = await startBatch([tiktok.addPost({ id: postId(), slides: 3 })]);
    await waitForReview(batch.id, 1);
    const [link] = await linksOf(batch.id);
    const before = (await t.http.get(planUrl(batch.id, link.id))).body as SlideshowPlan;
    const put = (body: unknown) => t.http.put(planUrl(batch.id, link.id)).send(body as object);
    const messages = async (body: unknown) => {
      const res = await put(body);
      expect(res.status).toBe(400);
      return res.body.message as string[];
    };

    expect(await messages({ ...before, slides: [] })).toEqual(['slides: at least 1 item']);
    expect(await messages({})).toContain('slides: required (array)');
    const twoProducts = structuredClone(before);
    twoProducts.slides[1].role = 'product';
    expect(await messages(twoProducts)).toEqual(['slides: expected exactly one product slide, got 2']);
    const long = structuredClone(before);
    long.slides[2].texts[1] = 'x'.repeat(5000);
    expect(await messages(long)).toEqual(['slides[2].texts[1]: at most 500 characters']);
    const unknown = structuredClone(before);
    unknown.slides[1].sourceIndex = 42;
    expect(await messages(unknown)).toEqual(['slides[1].sourceIndex: 42 is past the last source slide (2)']);
    const fewer = structuredClone(before);
    fewer.slides[0].texts = ['only one'];
    expect(await messages(fewer)).toEqual(['slides[0].texts: expected 2 overlay texts, got 1']);
    expect((await t.http.get(planUrl(batch.id, link.id))).body).toEqual(before);
    // Ids are checked, and a link of another batch is not this batch's.
    expect((await t.http.get(`/api/batch/${batch.id}/links/nope/plan`)).body.message).toMatch(/link id/);
    await t.http.get(`/api/batch/${batch.id}/links/00000000-0000-4000-8000-000000000000/plan`).expect(404);

    // Cancel while awaiting review: the batch ends at once, nothing was paid for images.
    const cancelled = await t.http.post(`/api/batch/${batch.id}/cancel`).expect(200);
    expect(cancelled.body.status).toBe('cancelled');
    expect((await linksOf(batch.id))[0].status).toBe('cancelled');
    await t.http.post(`/api/batch/${batch.id}/links/${link.id}/approve`).expect(409);
    await t.http.delete(`/api/batch/${batch.id}`).expect(204);

    // Delete straight from review (nothing runs): the batch is cancelled and removed.
    const other = await startBatch([tiktok.addPost({ id: postId(), slides: 3 })]);
    await waitForReview(other.id, 1);
    await t.http.delete(`/api/batch/${other.id}`).expect(204);
    await t.http.get(`/api/batch/${other.id}`).expect(404);
    expect(gemini.ok('image')).toHaveLength(0);
  });

  it('creates and starts the variations once when approvals race', async () => {
    const batch = await startBatch([
      tiktok.addPost({ id: postId(), slides: 3 }),
      tiktok.addPost({ id: postId(), slides: 3 }),
    ]);
    await waitForReview(batch.id, 2);
    const [first] = await linksOf(batch.id);
    const calls = [
      ...Array.from({ length: 4 }, () => t.http.post(`/api/batch/${batch.id}/links/${first.id}/approve`)),
      ...Array.from({ length: 3 }, () => t.http.post(`/api/batch/${batch.id}/approve`)),
    ];
    const answers = await Promise.all(calls);
    const approved = answers.filter((a) => a.status === 200).flatMap((a) => a.body.approved as string[]);
    expect(approved.sort()).toEqual((await linksOf(batch.id)).map((l) => l.id).sort());
    for (const a of answers) expect([200, 409]).toContain(a.status);

    const done = await waitForEnd(t, batch.id);
    expect(done.status).toBe('completed');
    const links = await linksOf(batch.id);
    for (const l of links) expect(l.variations).toHaveLength(2);
    // 4 slides per link, one image per (slide, p): 8, none twice.
    const images = gemini.ok('image');
    expect(images).toHaveLength(8);
    const events = await t.ds.getRepository(BatchEvent).find({ where: { batchId: batch.id } });
    expect(
      events
        .filter((e) => / approved$/.test(e.event))
        .map((e) => e.linkId)
        .sort(),
    ).toEqual(approved);
  });

  it('runs straight through when the batch asks for no review', async () => {
    const batch = await startBatch([tiktok.addPost({ id: postId(), slides: 3 })], { review: false });
    expect(batch.review).toBe(false);
    expect((await waitForEnd(t, batch.id)).status).toBe('completed');
    const [link] = await linksOf(batch.id);
    // The plan stays readable after the variations are made.
    const plan = (await t.http.get(planUrl(batch.id, link.id)).expect(200)).body as SlideshowPlan;
    expect(plan.slides).toHaveLength(4);
  });
});
