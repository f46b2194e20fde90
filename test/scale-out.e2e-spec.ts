import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import Redis from 'ioredis';
import { Client } from 'pg';
import sharp from 'sharp';
import request from 'supertest';

import { FakeGemini } from './fakes/fake-gemini';
import { FakeTikTok } from './fakes/fake-tiktok';
import {
  buildForChildren,
  Child,
  deleteRedisPrefix,
  freePort,
  freshPostgres,
  GeminiLatencyProxy,
  httpGet,
  killAll,
  postWidth,
  startChild,
  tail,
  waitFor,
} from './helpers/processes';
import { VARIATION_STARTS } from '../src/pipeline/queues';

/**
 * Scale-out on the real parts: one API process (WORKERS=false) and three worker processes, separate
 * child processes sharing Redis, PostgreSQL and DATA_DIR, with TikTok and Gemini as loopback fakes reached
 * through the real providers. Always PostgreSQL (TEST_DATABASE_URL's server, else postgres@127.0.0.1:5432/test):
 * several machines means PostgreSQL, and the single-machine SQLite case is the crash spec's (it follows
 * testConfig: SQLite, or PostgreSQL in .ci/run's PostgreSQL pass).
 */
const PG_BASE = process.env.TEST_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test';
const REDIS_URL = process.env.REDIS_URL || 'redis://127.0.0.1:6379';
const LINKS = 20;
const SOURCE_SLIDES = 3;
/** The fake's plan: the source slides plus an appended product slide. */
const PLAN_SLIDES = SOURCE_SLIDES + 1;
const P = 2;
const T = 1;
const RATE = { max: 4, windowMs: 1000 };

describe('scale-out: one API process and three workers on PostgreSQL', () => {
  const tag = `${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
  const prefix = `tso${tag}`;
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'studio-scaleout-'));
  const children: Child[] = [];
  let tiktok: FakeTikTok;
  let gemini: FakeGemini;
  let proxy: GeminiLatencyProxy;
  let db: { url: string; drop: () => Promise<void> } | undefined;
  let api: string;
  let env: Record<string, string>;

  beforeAll(async () => {
    const dist = buildForChildren();
    tiktok = await FakeTikTok.start();
    gemini = await FakeGemini.start();
    proxy = await GeminiLatencyProxy.start(gemini.baseUrl, 0);
    db = await freshPostgres(PG_BASE, tag).catch((e: Error) => {
      throw new Error(`this spec needs PostgreSQL at ${PG_BASE} (${e.message}); .ci/run starts it`);
    });
    env = {
      DATA_DIR: dataDir,
      QUEUE_PREFIX: prefix,
      REDIS_URL,
      DATABASE_URL: db.url,
      GENERATOR: 'gemini',
      GEMINI_API_KEYS: 'AIzaSyTEST-scaleout-key-0000000000001',
      GEMINI_BASE_URL: proxy.baseUrl,
      GEMINI_IMAGE_RPM: '100000',
      GEMINI_TEXT_RPM: '100000',
      TIKTOK_BASE_URL: tiktok.baseUrl,
      VARIATION_RATE_LIMIT: `${RATE.max}/s`,
      WORKER_CONCURRENCY: '2',
      JOB_BACKOFF_MS: '50',
      // Its fake slides carry no text: reading them in three workers only costs time (see test-config.ts).
      TEXT_READER: 'false',
      LOG_LEVEL: 'log',
    };
    // The API first: it runs the migrations, so the workers boot on a ready schema.
    const port = await freePort();
    api = `http://127.0.0.1:${port}`;
    children.push(startChild(dist, 'api', 'main', { ...env, PORT: String(port), HOST: '127.0.0.1', WORKERS: 'false' }));
    const withLogs = (e: Error) => {
      throw new Error(`${e.message}\n${children.map((c) => tail(c, 20)).join('\n')}`);
    };
    await waitFor(
      'the API process',
      async () => (await httpGet(`${api}/api/health`)).status === 200,
      60_000,
      250,
    ).catch(withLogs);
    const healthPorts = await Promise.all([1, 2, 3].map(() => freePort()));
    healthPorts.forEach((p, i) =>
      children.push(startChild(dist, `worker-${i + 1}`, 'worker', { ...env, WORKER_HEALTH_PORT: String(p) })),
    );
    for (const p of healthPorts) {
      await waitFor(
        `worker on ${p}`,
        async () => (await httpGet(`http://127.0.0.1:${p}/health`)).status === 200,
        60_000,
        250,
      ).catch(withLogs);
    }
  }, 120_000);

  afterAll(async () => {
    await killAll(children);
    await tiktok?.close();
    await proxy?.close();
    await gemini?.close();
    await deleteRedisPrefix(REDIS_URL, prefix);
    await db?.drop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('completes a 20-link batch once per variation, within the global variation rate', async () => {
    const health = await request(api).get('/api/health');
    expect(health.body.workers.count).toBe(3);

    const ids = Array.from({ length: LINKS }, (_, i) => String(7400000000000000000n + BigInt(i + 1)));
    const urls = ids.map((id, i) => tiktok.addPost({ id, slides: SOURCE_SLIDES, width: postWidth(i), height: 960 }));
    const photo = await sharp({
      create: { width: 400, height: 400, channels: 3, background: { r: 30, g: 120, b: 200 } },
    })
      .jpeg()
      .toBuffer();
    const product = await request(api)
      .post('/api/products')
      .field('description', 'Glow serum with vitamin C')
      .attach('photo', photo, 'product.jpg');
    expect(product.status).toBe(201);
    const created = await request(api)
      .post('/api/batch')
      .send({
        links: urls.join('\n'),
        productId: product.body.id,
        photoVariations: P,
        textVariations: T,
        review: false,
      });
    expect(created.status).toBe(201);
    const batchId = created.body.id as string;

    // The shared limiter's log (a Redis sorted set trimmed to the last window) is read while the batch
    // runs: every slot ever granted, with its Redis time and the pid of the worker that took it.
    const redis = new Redis(REDIS_URL);
    const slots = new Map<string, number>();
    let status: Record<string, any> = {};
    try {
      await waitFor(
        'the batch to end',
        async () => {
          const log = await redis.zrange(`${prefix}:rl:${VARIATION_STARTS}`, 0, -1, 'WITHSCORES');
          for (let i = 0; i < log.length; i += 2) slots.set(log[i], Number(log[i + 1]));
          status = (await request(api).get(`/api/batch/${batchId}/status`)).body;
          return ['completed', 'completed_with_errors', 'failed', 'cancelled'].includes(status.status);
        },
        90_000,
        100,
      );
    } catch (e) {
      throw new Error(
        `${(e as Error).message}\n${JSON.stringify(status)}\n${children.map((c) => tail(c, 15)).join('\n')}`,
        { cause: e },
      );
    } finally {
      redis.disconnect();
    }
    expect(status.status).toBe('completed');
    expect(status.variations).toMatchObject({
      total: LINKS * P * T,
      completed: LINKS * P * T,
      processing: 0,
      failed: 0,
    });

    // Exactly once, by the provider's own log: one analysis per link, one image per (link, slide, p).
    expect(gemini.ok('text')).toHaveLength(LINKS);
    expect(gemini.calls.filter((c) => c.kind === 'image')).toHaveLength(LINKS * PLAN_SLIDES * P);
    const expected = ids.flatMap((_, i) =>
      Array.from(
        { length: PLAN_SLIDES * P },
        (__, k) => `${postWidth(i)}:${(k % PLAN_SLIDES) + 1}:${Math.floor(k / PLAN_SLIDES) + 1}`,
      ),
    );
    const counts = proxy.counts();
    expect([...counts.keys()].sort()).toEqual([...expected].sort());
    expect([...counts.values()].every((n) => n === 1)).toBe(true);

    // Each variation ended once (the exact-once transition logs it in the worker that ended it), and all
    // three workers took part.
    const ended = (c: Child) =>
      c.lines.filter((l) =>
        new RegExp(`batch ${batchId} link \\S+ variation \\S+: link \\d+ variation v\\d+-\\d+ completed`).test(l),
      ).length;
    const workers = children.filter((c) => c.name.startsWith('worker'));
    const perWorker = workers.map(ended);
    expect(perWorker.reduce((a, b) => a + b, 0)).toBe(LINKS * P * T);
    expect(perWorker.every((n) => n > 0)).toBe(true);

    // The variation rate limit across the three processes. Exact, from the shared limiter's log: one
    // slot per variation start, taken by all three workers, never more than RATE.max in any window.
    const granted = [...slots.values()].sort((a, b) => a - b);
    expect(granted).toHaveLength(LINKS * P * T);
    // Members are <time>-<pid>-<seq>-<random> (taken at once) or <pid>-<seq>-<random> (booked ahead).
    const pids = [...slots.keys()].map((m) => /^(?:\d{13}-)?(\d+)-/.exec(m)?.[1]);
    expect(new Set(pids).size).toBe(3);
    for (let i = 0; i + RATE.max < granted.length; i++)
      expect(granted[i + RATE.max] - granted[i]).toBeGreaterThanOrEqual(RATE.windowMs);
    // And as the database saw the starts (startedAt is stamped just after the slot is taken, by a worker
    // whose event loop may be busy for a moment: half a window of slack).
    const pg = new Client({ connectionString: db!.url });
    await pg.connect();
    const rows: { startedAt: Date }[] = (
      await pg.query('SELECT "startedAt" FROM batch_variations WHERE "batchId" = $1 ORDER BY "startedAt"', [batchId])
    ).rows;
    const files: { files: { name: string }[] }[] = (
      await pg.query('SELECT files FROM batch_variations WHERE "batchId" = $1', [batchId])
    ).rows.map((r) => ({ files: JSON.parse(r.files) }));
    await pg.end();
    const starts = rows.map((r) => r.startedAt.getTime());
    expect(starts).toHaveLength(LINKS * P * T);
    for (let i = 0; i + RATE.max < starts.length; i++)
      expect(starts[i + RATE.max] - starts[i]).toBeGreaterThanOrEqual(RATE.windowMs / 2);
    expect(starts[starts.length - 1] - starts[0]).toBeGreaterThanOrEqual(
      ((LINKS * P * T) / RATE.max - 1) * RATE.windowMs - 500,
    );

    // Delivered once: every variation folder holds its slides and the audio, nothing twice.
    const slideNames = Array.from({ length: PLAN_SLIDES }, (_, i) => `${String(i + 1).padStart(2, '0')}.jpg`);
    for (const v of files)
      expect(v.files.map((f) => f.name)).toEqual([...slideNames, 'audio.mp3', 'caption.txt', 'manifest.json']);
    const out = path.join(dataDir, 'output');
    const [batchFolder] = fs.readdirSync(out);
    const linkFolders = fs.readdirSync(path.join(out, batchFolder));
    expect(linkFolders).toHaveLength(LINKS);
    for (const l of linkFolders) {
      expect(fs.readdirSync(path.join(out, batchFolder, l)).sort()).toEqual(['v1-1', 'v2-1']);
      for (const v of ['v1-1', 'v2-1'])
        expect(fs.readdirSync(path.join(out, batchFolder, l, v)).sort()).toEqual(
          [...slideNames, 'audio.mp3', 'caption.txt', 'manifest.json'].sort(),
        );
    }
  }, 110_000);
});
