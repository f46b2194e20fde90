import * as fs from 'node:fs';
import { FakeTikTok } from './fakes/fake-tiktok';
import { cleanupRedis, createProduct, startTestApp, TestApp, waitForEnd } from './helpers/test-app';
import { configEnv, testConfig } from './helpers/test-config';
import { buildForChildren, Child, freePort, httpGet, killAll, startChild, tail, waitFor } from './helpers/processes';

/**
 * A worker's memory does not keep growing: two identical batches (offline generator, full-size 1080×1440
 * source slides) through one real worker child process; the peak resident set (VmHWM) after the second may
 * exceed the peak after the first by at most MARGIN. The first batch pays every one-off cost (fonts and
 * glyph caches, the libvips operation cache up to its bound, V8's code and heap reaching steady size), so a
 * second identical batch reaching a higher peak by more than that means something is kept per batch.
 */
const LINKS = 4;
const SLIDES = 3;
/**
 * 48 MB: the peak of identical batches varies with how jobs overlap (up to WORKER_CONCURRENCY=2 variations
 * in flight, each holding three decoded 1080×1440 RGBA slides plus their encodes: ~2 × 3 × 6 MB ≈ 36 MB)
 * and V8 grows its old space in steps of several MB; a leak of the size that took workers to ~580 MB
 * (a retained slide set per variation: 3 × 6 MB × 8 variations ≈ 144 MB per batch) is far beyond it.
 */
const MARGIN = 48 * 1024 * 1024;

function vmHwm(pid: number): number {
  const m = /VmHWM:\s+(\d+)\s+kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) * 1024 : 0;
}

const linux = process.platform === 'linux';

(linux ? describe : describe.skip)('worker memory across identical batches', () => {
  const children: Child[] = [];
  let tiktok: FakeTikTok;
  let t: TestApp;
  let productId: string;
  let worker: Child;
  let seq = 0;

  beforeAll(async () => {
    const dist = buildForChildren();
    tiktok = await FakeTikTok.start();
    const env = {
      GENERATOR: 'local',
      TIKTOK_BASE_URL: tiktok.baseUrl,
      VARIATION_RATE_LIMIT: '1000/s',
      WORKER_CONCURRENCY: '2',
      JOB_BACKOFF_MS: '50',
      LOG_LEVEL: 'warn',
    };
    const config = await testConfig({ ...env, WORKERS: 'false' });
    t = await startTestApp(config);
    productId = await createProduct(t);
    const port = await freePort();
    worker = startChild(dist, 'worker', 'worker', {
      ...env,
      ...configEnv(config),
      WORKER_HEALTH_PORT: String(port),
      // As deployed (Dockerfile, studio.env.example, npm start scripts): fewer glibc arenas, less noise.
      MALLOC_ARENA_MAX: '2',
    });
    children.push(worker);
    await waitFor('the worker', async () => (await httpGet(`http://127.0.0.1:${port}/health`)).status === 200, 90_000);
  }, 180_000);

  afterAll(async () => {
    await killAll(children);
    if (t) {
      await cleanupRedis(t);
      await t.close();
    }
    await tiktok?.close();
  });

  /** One batch of LINKS fresh posts (same size and slide count every time), 2×1 each; resolves at its end. */
  async function batch(): Promise<void> {
    const links = Array.from({ length: LINKS }, () =>
      tiktok.addPost({ id: String(7610000000000000000n + BigInt(++seq)), slides: SLIDES, width: 1080, height: 1440 }),
    );
    const res = await t.http.post('/api/batch').send({ links, productId, photoVariations: 2, textVariations: 1 });
    expect(res.status).toBe(201);
    const status = await waitForEnd(t, res.body.id, 240_000).catch((e: Error) => {
      throw new Error(`${e.message}\n${tail(worker, 30)}`);
    });
    expect(status.variations).toMatchObject({ total: LINKS * 2, completed: LINKS * 2 });
  }

  it('peaks no higher in the second of two identical batches than in the first (within the margin)', async () => {
    await batch();
    const first = vmHwm(worker.proc.pid!);
    await batch();
    const second = vmHwm(worker.proc.pid!);
    const mb = (b: number) => `${(b / 1024 / 1024).toFixed(0)} MB`;
    console.log(`worker peak RSS: first batch ${mb(first)}, second ${mb(second)} (margin ${mb(MARGIN)})`);
    expect(first).toBeGreaterThan(0);
    expect(second - first).toBeLessThanOrEqual(MARGIN);
  }, 600_000);
});
