import * as fs from 'node:fs';
import * as path from 'node:path';
import { BatchLink } from '../src/pipeline/entities/link.entity';
import { BatchVariation } from '../src/pipeline/entities/variation.entity';
import { FakeGemini } from './fakes/fake-gemini';
import { FakeTikTok } from './fakes/fake-tiktok';
import { cleanupRedis, createProduct, startTestApp, TestApp, waitForEnd } from './helpers/test-app';
import { configEnv, testConfig } from './helpers/test-config';
import {
  buildForChildren,
  Child,
  GeminiLatencyProxy,
  httpGet,
  killAll,
  postWidth,
  tail,
  waitFor,
  startReadyWorker,
} from './helpers/processes';

/**
 * Workers that die: a SIGKILL in the middle of a variation (Bull's stalled check hands the job to another
 * worker) and a SIGTERM (running jobs stop at a step boundary and put their rows back to pending). The API
 * runs in this process (WORKERS=false); the workers are real child processes on the same database
 * (SQLite, or PostgreSQL in .ci/run's PostgreSQL pass), Redis prefix and DATA_DIR. Image calls are held
 * 1.5 s by a proxy in front of the fake Gemini, so work is in flight when a worker is stopped.
 */
const SOURCE_SLIDES = 3;
const PLAN_SLIDES = SOURCE_SLIDES + 1;
const P = 2;
const GRACE_MS = 8000;
const IMAGE_DELAY_MS = 1500;

describe('worker crash and shutdown', () => {
  const children: Child[] = [];
  let dist: string;
  let tiktok: FakeTikTok;
  let gemini: FakeGemini;
  let proxy: GeminiLatencyProxy;
  let t: TestApp;
  let childEnv: Record<string, string>;
  let productId: string;

  beforeAll(async () => {
    dist = buildForChildren();
    tiktok = await FakeTikTok.start();
    gemini = await FakeGemini.start();
    proxy = await GeminiLatencyProxy.start(gemini.baseUrl, IMAGE_DELAY_MS);
    const env = {
      GENERATOR: 'gemini',
      GEMINI_API_KEYS: 'AIzaSyTEST-crash-key-00000000000000001',
      GEMINI_BASE_URL: proxy.baseUrl,
      GEMINI_IMAGE_RPM: '100000',
      GEMINI_TEXT_RPM: '100000',
      TIKTOK_BASE_URL: tiktok.baseUrl,
      VARIATION_RATE_LIMIT: '100/s',
      WORKER_CONCURRENCY: '2',
      JOB_LOCK_MS: '2000',
      JOB_STALLED_INTERVAL_MS: '1000',
      SHUTDOWN_GRACE_MS: String(GRACE_MS),
      SWEEP_INTERVAL_MS: '1000',
      JOB_BACKOFF_MS: '50',
      LOG_LEVEL: 'log',
    };
    const config = await testConfig({ ...env, WORKERS: 'false' });
    childEnv = { ...env, ...configEnv(config) };
    t = await startTestApp(config);
    productId = await createProduct(t);
  }, 60_000);

  afterAll(async () => {
    await killAll(children);
    if (t) {
      await cleanupRedis(t);
      await t.close();
    }
    await tiktok?.close();
    await proxy?.close();
    await gemini?.close();
  });

  const startWorker = (name: string): Promise<Child> => startReadyWorker(dist, name, childEnv, children);

  /** A batch of `n` fresh posts; returns its id and the image identities it needs (see GeminiLatencyProxy). */
  async function startBatch(first: number, n: number): Promise<{ id: string; expected: string[] }> {
    const ids = Array.from({ length: n }, (_, i) => String(7500000000000000000n + BigInt(first + i)));
    const urls = ids.map((id, i) =>
      tiktok.addPost({ id, slides: SOURCE_SLIDES, width: postWidth(first + i), height: 960 }),
    );
    const res = await t.http
      .post('/api/batch')
      .send({ links: urls.join('\n'), productId, photoVariations: P, textVariations: 1, review: false });
    expect(res.status).toBe(201);
    const expected = ids.flatMap((_, i) =>
      Array.from(
        { length: PLAN_SLIDES * P },
        (__, k) => `${postWidth(first + i)}:${(k % PLAN_SLIDES) + 1}:${Math.floor(k / PLAN_SLIDES) + 1}`,
      ),
    );
    return { id: res.body.id as string, expected };
  }

  /** Waits until every link of the batch has its plan and variation rows, and an image call is in flight. */
  async function waitForImageInFlight(batchId: string, links: number): Promise<void> {
    await waitFor(
      'an image call in flight after every link was planned',
      async () =>
        (await t.ds.getRepository(BatchLink).count({ where: { batchId, variationsCreated: true } })) === links &&
        proxy.inFlight().length > 0,
      30_000,
      20,
    );
  }

  const countRows = (batchId: string, status: BatchVariation['status']) =>
    Promise.all([
      t.ds.getRepository(BatchVariation).count({ where: { batchId, status } }),
      t.ds.getRepository(BatchLink).count({ where: { batchId, status } }),
    ]);

  /** Every variation folder of the batch holds exactly its slides and the audio: no twin, no temp file. */
  async function expectDeliveredOnce(batchId: string, variations: number): Promise<void> {
    const rows = await t.ds.getRepository(BatchVariation).find({ where: { batchId } });
    expect(rows).toHaveLength(variations);
    const names = [
      ...Array.from({ length: PLAN_SLIDES }, (_, i) => `${String(i + 1).padStart(2, '0')}.jpg`),
      'audio.mp3',
      'caption.txt',
      'manifest.json',
    ];
    const out = path.join(t.config.dataDir, 'output');
    for (const v of rows) {
      expect(v.status).toBe('completed');
      expect(v.files?.map((f) => f.name)).toEqual(names);
      const link = await t.ds.getRepository(BatchLink).findOneByOrFail({ id: v.linkId });
      const batchFolder = fs.readdirSync(out).find((d) => d.endsWith(batchId.slice(0, 8))) as string;
      const linkFolder = fs
        .readdirSync(path.join(out, batchFolder))
        .find((d) => d.startsWith(`Link_${String(link.position).padStart(2, '0')}_`)) as string;
      expect(fs.readdirSync(path.join(out, batchFolder, linkFolder, `v${v.photoIndex}-${v.textIndex}`)).sort()).toEqual(
        [...names].sort(),
      );
    }
  }

  it('SIGKILL mid-variation: another worker finishes the batch; only the calls cut off in flight are made again', async () => {
    const a = await startWorker('worker-a');
    const batch = await startBatch(0, 3);
    await waitForImageInFlight(batch.id, 3);
    a.proc.kill('SIGKILL');
    expect(await a.exited).toBe('SIGKILL');
    await new Promise((r) => setTimeout(r, 300));
    // The calls worker-a sent and never got an answer for: the provider made them, the worker lost them.
    const cutOff = proxy.images.filter((c) => c.callerGone).map((c) => c.identity);
    expect(cutOff.length).toBeGreaterThanOrEqual(1);
    expect(cutOff.length).toBeLessThanOrEqual(2); // concurrency 2: at most one call per running variation
    expect((await countRows(batch.id, 'processing'))[0]).toBeGreaterThanOrEqual(1); // the killed worker's rows

    const b = await startWorker('worker-b');
    const status = await waitForEnd(t, batch.id, 60_000).catch((e: Error) => {
      throw new Error(`${e.message}\n${tail(b)}`);
    });
    expect(status.status).toBe('completed');
    expect(status.variations).toMatchObject({ total: 6, completed: 6, processing: 0, failed: 0 });
    expect(b.lines.some((l) => /variation v\d-\d completed/.test(l))).toBe(true);

    // One analysis per link (all were planned before the kill) and each image made once, except the ones
    // cut off in flight, made exactly twice (the second time by worker-b).
    expect(gemini.ok('text')).toHaveLength(3);
    const counts = proxy.counts();
    expect([...counts.keys()].sort()).toEqual([...batch.expected].sort());
    for (const [identity, n] of counts)
      expect(`${identity} ×${n}`).toBe(`${identity} ×${cutOff.includes(identity) ? 2 : 1}`);
    expect(gemini.calls.filter((c) => c.kind === 'image')).toHaveLength(batch.expected.length + cutOff.length);
    await expectDeliveredOnce(batch.id, 6);

    // Done with worker-b: an idle worker stops at once on SIGTERM.
    b.proc.kill('SIGTERM');
    await b.exited;
  }, 110_000);

  it('SIGTERM mid-variation: running jobs stop at a step boundary, nothing is left processing, another worker finishes', async () => {
    proxy.reset();
    gemini.reset();
    const c = await startWorker('worker-c');
    const batch = await startBatch(10, 2);
    await waitForImageInFlight(batch.id, 2);
    const signalled = Date.now();
    c.proc.kill('SIGTERM');
    await waitFor('worker-c to exit', async () => !c.alive(), GRACE_MS + 5000, 50).catch((e: Error) => {
      throw new Error(`${e.message}\n${tail(c)}`);
    });
    const stoppedInMs = Date.now() - signalled;
    expect(stoppedInMs).toBeLessThan(GRACE_MS + 3000);
    // Within the grace period the calls in flight were answered, and the rows went back to pending.
    expect(proxy.images.filter((x) => x.callerGone)).toHaveLength(0);
    const [variationsProcessing] = await countRows(batch.id, 'processing');
    if (variationsProcessing) throw new Error(`${variationsProcessing} variations left processing\n${tail(c, 60)}`);
    expect((await countRows(batch.id, 'pending'))[0]).toBeGreaterThanOrEqual(1);
    expect(c.lines.some((l) => /released \(worker shutting down\)/.test(l))).toBe(true);

    const d = await startWorker('worker-d');
    const status = await waitForEnd(t, batch.id, 60_000).catch((e: Error) => {
      throw new Error(`${e.message}\n${tail(d)}`);
    });
    expect(status.status).toBe('completed');
    expect(status.variations).toMatchObject({ total: 4, completed: 4, processing: 0, failed: 0 });
    // Nothing was cut off, so every image was made exactly once, across the two workers.
    const counts = proxy.counts();
    expect([...counts.keys()].sort()).toEqual([...batch.expected].sort());
    expect([...counts.values()].every((n) => n === 1)).toBe(true);
    expect(gemini.calls.filter((x) => x.kind === 'image')).toHaveLength(batch.expected.length);
    await expectDeliveredOnce(batch.id, 4);

    // The worker's own metrics: job durations of what it ran, on its health port.
    const metrics = await httpGet(`http://127.0.0.1:${(d as Child & { port: number }).port}/metrics`);
    expect(metrics.status).toBe(200);
    expect(metrics.type).toContain('text/plain');
    expect(metrics.body).toMatch(/studio_job_duration_seconds_count\{queue="variations",outcome="completed"\} [1-9]/);
  }, 110_000);
});
