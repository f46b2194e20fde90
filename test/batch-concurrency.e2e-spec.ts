import { BatchEvent } from '../src/pipeline/entities/batch-event.entity';
import { BatchVariation } from '../src/pipeline/entities/variation.entity';
import { FakeTikTok } from './fakes/fake-tiktok';
import { buildForChildren, Child, killAll, startChild } from './helpers/processes';
import { configEnv, testConfig } from './helpers/test-config';
import { cleanupRedis, createProduct, startTestApp, TestApp, waitForEnd } from './helpers/test-app';

/** Most starts seen in any window of `windowMs` (each window opening at a start). */
export function maxInWindow(times: number[], windowMs: number): number {
  const sorted = [...times].sort((a, b) => a - b);
  let best = 0;
  for (let i = 0, j = 0; i < sorted.length; i++) {
    while (sorted[i] - sorted[j] >= windowMs) j++;
    best = Math.max(best, i - j + 1);
  }
  return best;
}

/**
 * Two app instances, as deployed: this process (API + workers) and a worker process, sharing Redis and
 * the database (the SQLite file, or PostgreSQL in the PostgreSQL pass), real providers against the fake TikTok.
 */
describe('two app instances on one Redis and one database', () => {
  let app: TestApp;
  let fake: FakeTikTok;
  const children: Child[] = [];

  afterAll(async () => {
    await killAll(children);
    if (app) {
      await cleanupRedis(app);
      await app.close();
    }
    await fake?.close();
  });

  it('finish one batch with exact counts, one terminal transition, and variation starts within the limit', async () => {
    const dist = buildForChildren();
    fake = await FakeTikTok.start();
    const env = { VARIATION_RATE_LIMIT: '4/s', WORKER_CONCURRENCY: '3', TIKTOK_BASE_URL: fake.baseUrl };
    const config = await testConfig(env);
    app = await startTestApp(config);
    const worker = startChild(dist, 'worker', 'worker', { ...configEnv(config), ...env, LOG_LEVEL: 'log' });
    children.push(worker);

    const links = Array.from({ length: 6 }, (_, i) =>
      fake.addPost({ id: `${7400000000000000000n + BigInt(i)}`, slides: 2 }),
    );
    const productId = await createProduct(app);
    const res = await app.http.post('/api/batch').send({ links, productId, photoVariations: 2, textVariations: 2 });
    expect(res.status).toBe(201);

    const status = await waitForEnd(app, res.body.id, 100_000);
    expect(status.status).toBe('completed');
    expect(status.variations).toEqual({
      total: 24,
      queued: 0,
      processing: 0,
      completed: 24,
      failed: 0,
      cancelled: 0,
      awaitingReview: 0,
    });
    expect(status.links).toMatchObject({ total: 6, completed: 6 });

    // Exactly one terminal transition for the batch and for each link, whichever process finished last.
    const events = await app.ds.getRepository(BatchEvent).find({ where: { batchId: res.body.id } });
    expect(events.filter((e) => e.event === 'batch completed')).toHaveLength(1);
    expect(events.filter((e) => /^link \d+ completed$/.test(e.event))).toHaveLength(6);
    expect(events.filter((e) => /^link \d+ variation v\d-\d completed$/.test(e.event))).toHaveLength(24);
    // Both processes did some of the work.
    expect(worker.lines.some((l) => /variation .* completed/.test(l))).toBe(true);

    // Variation starts (when each took its rate-limit slot), across both processes: never more than 4 in
    // any window. The limiter keeps 4 per 1020 ms on Redis' clock; startedAt is read from each process's
    // clock just after, so event-loop lag under load can shift a start by tens of ms: windows of 900 ms.
    const rows = await app.ds.getRepository(BatchVariation).find({ where: { batchId: res.body.id } });
    const starts = rows.map((r) => new Date(r.startedAt!).getTime());
    expect(maxInWindow(starts, 900)).toBeLessThanOrEqual(4);
    // And the limit is used, not just respected: 24 starts at 4/s need about 5 s.
    expect(Math.max(...starts) - Math.min(...starts)).toBeGreaterThanOrEqual(4500);
  });
});

describe('maxInWindow', () => {
  it('counts starts in sliding windows', () => {
    expect(maxInWindow([0, 100, 999, 1000, 1001], 1000)).toBe(4);
    expect(maxInWindow([0, 100, 999, 1000, 1001], 900)).toBe(3);
    expect(maxInWindow([0, 1000, 2000], 1000)).toBe(1);
    expect(maxInWindow([], 1000)).toBe(0);
  });
});
