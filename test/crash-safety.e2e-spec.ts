import * as fs from 'node:fs';
import * as path from 'node:path';
import type { LoggerService } from '@nestjs/common';
import { Batch } from '../src/pipeline/entities/batch.entity';
import { BatchEvent } from '../src/pipeline/entities/batch-event.entity';
import { BatchLink } from '../src/pipeline/entities/link.entity';
import { BatchVariation } from '../src/pipeline/entities/variation.entity';
import { FakeGemini } from './fakes/fake-gemini';
import { FakeTikTok } from './fakes/fake-tiktok';
import {
  buildForChildren,
  Child,
  freePort,
  httpGet,
  killAll,
  postWidth,
  startChild,
  tail,
  waitFor,
} from './helpers/processes';
import { endedEntryMismatches, ENDED, filesUnder, strayFiles, zipEntries } from './helpers/crash-checks';
import { RedisServer } from './helpers/redis-server';
import { cleanupRedis, createProduct, startTestApp, TestApp, waitForEnd } from './helpers/test-app';
import { configEnv, testConfig } from './helpers/test-config';

/**
 * Nothing lost when a worker dies (issue 20). Workers are real child processes on the test's database
 * (SQLite, or PostgreSQL with TEST_DATABASE_URL), Redis prefix and DATA_DIR; the API runs in this process
 * (WORKERS=false). CRASH_AT makes each worker SIGKILL itself at one exact point: after a delivered file's
 * bytes are written but before its final name, and inside the transaction of a variation, link and batch
 * ending, after the state change and before its activity entry.
 */
describe('crash safety', () => {
  const children: Child[] = [];
  let dist: string;
  let tiktok: FakeTikTok;
  let gemini: FakeGemini;
  let t: TestApp;
  let childEnv: Record<string, string>;
  let productId: string;

  beforeAll(async () => {
    dist = buildForChildren();
    tiktok = await FakeTikTok.start();
    gemini = await FakeGemini.start();
    const env = {
      GENERATOR: 'gemini',
      GEMINI_API_KEYS: 'AIzaSyTEST-crash-key-00000000000000002',
      GEMINI_BASE_URL: gemini.baseUrl,
      GEMINI_IMAGE_RPM: '100000',
      GEMINI_TEXT_RPM: '100000',
      TIKTOK_BASE_URL: tiktok.baseUrl,
      VARIATION_RATE_LIMIT: '100/s',
      WORKER_CONCURRENCY: '2',
      JOB_LOCK_MS: '2000',
      JOB_STALLED_INTERVAL_MS: '1000',
      JOB_ATTEMPTS: '10',
      SWEEP_INTERVAL_MS: '1000',
      JOB_BACKOFF_MS: '50',
      LOG_LEVEL: 'log',
    };
    const config = await testConfig({ ...env, WORKERS: 'false' });
    childEnv = { ...env, ...configEnv(config) };
    t = await startTestApp(config);
    productId = await createProduct(t);
  }, 600_000); // the first spec to run compiles the app for the child processes (minutes on a loaded machine)

  afterAll(async () => {
    await killAll(children);
    if (t) {
      await cleanupRedis(t);
      await t.close();
    }
    await tiktok?.close();
    await gemini?.close();
  });

  /** A worker; resolves once its health port answers, or once it has died (a crash point may come first). */
  async function startWorker(name: string, env: Record<string, string> = {}): Promise<Child & { port: number }> {
    const port = await freePort();
    const child = startChild(dist, name, 'worker', { ...childEnv, WORKER_HEALTH_PORT: String(port), ...env });
    children.push(child);
    await waitFor(
      `${name} to be ready`,
      async () => !child.alive() || (await httpGet(`http://127.0.0.1:${port}/health`)).status === 200,
      90_000,
      200,
    ).catch((e: Error) => {
      throw new Error(`${e.message}\n${tail(child)}`);
    });
    return Object.assign(child, { port });
  }

  async function crashed(w: Child): Promise<void> {
    const how = await Promise.race([w.exited, new Promise((r) => setTimeout(() => r('still running'), 120_000))]);
    if (how !== 'SIGKILL') throw new Error(`${w.name} did not crash (${String(how)})\n${tail(w)}`);
  }

  async function startBatch(first: number, links: number): Promise<string> {
    const urls = Array.from({ length: links }, (_, i) =>
      tiktok.addPost({
        id: String(7600000000000000000n + BigInt(first + i)),
        slides: 2,
        width: postWidth(first + i),
        height: 960,
      }),
    );
    const res = await t.http
      .post('/api/batch')
      .send({ review: false, links: urls.join('\n'), productId, photoVariations: 2, textVariations: 1 });
    expect(res.status).toBe(201);
    return res.body.id as string;
  }

  /** Every ended variation, link and batch has exactly one ended entry, and no open row has one. */
  async function expectOneEntryPerEndedRow(
    batchId: string,
  ): Promise<{ variations: number; links: number; batch: boolean }> {
    const events = await t.ds.getRepository(BatchEvent).find({ where: { batchId } });
    const variations = await t.ds.getRepository(BatchVariation).find({ where: { batchId } });
    const links = await t.ds.getRepository(BatchLink).find({ where: { batchId } });
    const batch = await t.ds.getRepository(Batch).findOneByOrFail({ id: batchId });
    expect(endedEntryMismatches({ batch, links, variations, events })).toEqual([]);
    return {
      variations: variations.filter((v) => ENDED.includes(v.status)).length,
      links: links.filter((l) => ENDED.includes(l.status)).length,
      batch: ENDED.includes(batch.status),
    };
  }

  async function getZip(url: string): Promise<{ status: number; body: Buffer }> {
    const res = await t.http
      .get(url)
      .buffer(true)
      .parse((r, cb) => {
        const chunks: Buffer[] = [];
        r.on('data', (c: Buffer) => chunks.push(c));
        r.on('end', () => cb(null, Buffer.concat(chunks)));
      });
    return { status: res.status, body: res.body as Buffer };
  }

  /** The ZIP holds exactly the files the completed variations recorded, each at its size on disk. */
  async function expectZipOfFinished(batchId: string, linkId?: string): Promise<number> {
    const out = path.join(t.config.dataDir, 'output');
    const variations = await t.ds
      .getRepository(BatchVariation)
      .find({ where: { batchId, status: 'completed', ...(linkId ? { linkId } : {}) } });
    const scope = linkId
      ? await t.ds.getRepository(BatchLink).findOneByOrFail({ id: linkId })
      : await t.ds.getRepository(Batch).findOneByOrFail({ id: batchId });
    const base = path.dirname(scope.outputFolderId as string);
    const expected = variations
      .flatMap((v) => (v.files ?? []).map((f) => path.join(v.outputFolderId as string, f.name)))
      .map((rel) => ({ name: path.relative(base, rel), size: fs.statSync(path.join(out, rel)).size }))
      .sort((a, b) => a.name.localeCompare(b.name));
    const zip = await getZip(
      linkId ? `/api/batch/${batchId}/links/${linkId}/download` : `/api/batch/${batchId}/download`,
    );
    if (!expected.length) {
      expect(zip.status).toBe(409);
      return 0;
    }
    expect(zip.status).toBe(200);
    expect(zipEntries(zip.body).sort((a, b) => a.name.localeCompare(b.name))).toEqual(expected);
    return expected.length;
  }

  it('7 parallel cancels write one "cancel requested" and one "batch cancelled"', async () => {
    const id = await startBatch(0, 2);
    const answers = await Promise.all(Array.from({ length: 7 }, () => t.http.post(`/api/batch/${id}/cancel`)));
    for (const a of answers) expect([200, 201, 409]).toContain(a.status);
    expect(answers.filter((a) => a.status < 300).length).toBeGreaterThanOrEqual(1);
    const events = (await t.ds.getRepository(BatchEvent).find({ where: { batchId: id } })).map((e) => e.event);
    expect(events.filter((e) => e === 'cancel requested')).toHaveLength(1);
    expect(events.filter((e) => e === 'batch cancelled')).toHaveLength(1);
    expect((await t.ds.getRepository(Batch).findOneByOrFail({ id })).status).toBe('cancelled');
  }, 60_000);

  it('SIGKILL after a file is written, and between each ending and its entry: one entry per ended row, no temp file delivered, every variation whole', async () => {
    const out = path.join(t.config.dataDir, 'output');
    const tmp = path.join(t.config.dataDir, 'tmp', 'output');
    const id = await startBatch(10, 2);

    // 1. Killed after writing a file's bytes, before its final name: the temp file lies outside the tree.
    const a = await startWorker('worker-a', { CRASH_AT: 'file-written' });
    await crashed(a);
    const orphans = filesUnder(tmp);
    expect(orphans.filter((f) => f.startsWith(`${a.proc.pid}@`)).length).toBeGreaterThanOrEqual(1);
    expect(filesUnder(out).filter((f) => f.includes('.tmp'))).toEqual([]);
    await expectOneEntryPerEndedRow(id);

    // 2. Killed inside the first variation's ending: it rolls back, entry and all. The worker's start
    // removed worker-a's orphan.
    const b = await startWorker('worker-b', { CRASH_AT: 'variation-ended' });
    await crashed(b);
    expect(filesUnder(tmp).filter((f) => f.startsWith(`${a.proc.pid}@`))).toEqual([]);
    expect(b.lines.some((l) => /removed \d+ unfinished files/.test(l))).toBe(true);
    expect((await expectOneEntryPerEndedRow(id)).variations).toBe(0);

    // 3. Killed inside the first link's ending: its variations ended (one entry each), the link did not.
    const c = await startWorker('worker-c', { CRASH_AT: 'link-ended' });
    await crashed(c);
    const afterC = await expectOneEntryPerEndedRow(id);
    expect(afterC.variations).toBeGreaterThanOrEqual(2);
    expect(afterC.links).toBe(0);
    // The ZIP holds only what completed variations recorded, whatever else is under way in the folder.
    await expectZipOfFinished(id);

    // 4. Killed inside the batch's ending: every link ended (the sweeper settled the one left open).
    const d = await startWorker('worker-d', { CRASH_AT: 'batch-ended' });
    await crashed(d);
    const afterD = await expectOneEntryPerEndedRow(id);
    expect(afterD).toEqual({ variations: 4, links: 2, batch: false });

    // 5. A worker without a crash point: its sweeper ends the batch, writing the entry with it.
    const e = await startWorker('worker-e');
    const end = await waitForEnd(t, id, 90_000).catch((err: Error) => {
      throw new Error(`${err.message}\n${tail(e)}`);
    });
    expect(end.status).toBe('completed');
    expect(await expectOneEntryPerEndedRow(id)).toEqual({ variations: 4, links: 2, batch: true });

    // Every variation folder holds exactly its recorded files, whole JPEGs; nothing temporary anywhere.
    const variations = await t.ds.getRepository(BatchVariation).find({ where: { batchId: id } });
    for (const v of variations) expect((v.files ?? []).length).toBeGreaterThanOrEqual(3);
    expect(strayFiles(out, variations)).toEqual([]);
    expect(filesUnder(out).filter((f) => f.includes('.tmp'))).toEqual([]);
    expect(filesUnder(tmp)).toEqual([]);
    expect(await expectZipOfFinished(id)).toBe(variations.reduce((n, v) => n + (v.files?.length ?? 0), 0));
    for (const link of await t.ds.getRepository(BatchLink).find({ where: { batchId: id } }))
      expect(await expectZipOfFinished(id, link.id)).toBeGreaterThan(0);

    e.proc.kill('SIGTERM');
    await e.exited;
  }, 600_000);
});

describe('Redis restart', () => {
  const redis = new RedisServer();
  const children: Child[] = [];
  const apiLines: string[] = [];
  let t: TestApp;

  const logger: LoggerService = {
    log: (m: unknown, ctx?: unknown) => void apiLines.push(`LOG [${String(ctx)}] ${String(m)}`),
    warn: (m: unknown, ctx?: unknown) => void apiLines.push(`WARN [${String(ctx)}] ${String(m)}`),
    error: (m: unknown, ...rest: unknown[]) => void apiLines.push(`ERROR ${String(m)} ${rest.map(String).join(' ')}`),
  };

  beforeAll(async () => {
    await redis.start();
  });

  afterAll(async () => {
    await killAll(children);
    await t?.close().catch(() => undefined);
    await redis.stop();
  });

  it('logs one "lost" and one "back" line per process, and health says so in between', async () => {
    const config = await testConfig({ REDIS_URL: redis.url, WORKERS: 'false' });
    t = await startTestApp(config, { logger });
    const port = await freePort();
    const worker = startChild(buildForChildren(), 'worker-r', 'worker', {
      ...configEnv(config),
      WORKER_HEALTH_PORT: String(port),
      LOG_LEVEL: 'log',
    });
    children.push(worker);
    const workerHealth = async () => {
      const r = await httpGet(`http://127.0.0.1:${port}/health`);
      return { status: r.status, body: JSON.parse(r.body) as { redis?: { connected: boolean; lostAt?: string } } };
    };
    await waitFor('the worker to be ready', async () => (await workerHealth()).status === 200, 90_000, 200).catch(
      (e: Error) => {
        throw new Error(`${e.message}\n${tail(worker)}`);
      },
    );
    expect((await t.http.get('/api/health')).status).toBe(200);

    await redis.kill();
    // Between: both say Redis is down, and since when, at once (no wait on the dead connection).
    const api = await waitFor(
      'the API health to report the outage',
      async () => {
        const r = await t.http.get('/api/health');
        return r.status === 503 && r.body.redis?.ok === false ? r.body : null;
      },
      20_000,
      100,
    );
    expect(api.redis.error).toMatch(/connection lost since \d{4}-\d\d-\d\dT/);
    const down = await waitFor(
      'the worker health to report the outage',
      async () => {
        const h = await workerHealth();
        // A 503 can also come from the heartbeat read failing before the connection notices it is gone.
        return h.status === 503 && h.body.redis?.connected === false ? h.body : null;
      },
      20_000,
      100,
    );
    expect(down.redis).toMatchObject({ connected: false, lostAt: expect.any(String) });
    await new Promise((r) => setTimeout(r, 3000)); // a few reconnect attempts while it is down
    await redis.start();

    await waitFor('the API health to recover', async () => (await t.http.get('/api/health')).status === 200, 30_000);
    await waitFor('the worker health to recover', async () => (await workerHealth()).status === 200, 30_000);
    const count = (lines: string[], re: RegExp) => lines.filter((l) => re.test(l)).length;
    for (const [who, lines] of [
      ['api', apiLines],
      ['worker', worker.lines],
    ] as const) {
      expect({ who, lost: count(lines, /connection lost/), back: count(lines, /connection back after/) }).toEqual({
        who,
        lost: 1,
        back: 1,
      });
      // No stack trace per reconnect attempt (ioredis prints one when nobody listens for errors).
      expect({ who, unhandled: count(lines, /Unhandled error event/), traces: count(lines, /^\s+at /) }).toEqual({
        who,
        unhandled: 0,
        traces: 0,
      });
    }
    worker.proc.kill('SIGTERM');
    await worker.exited;
    await cleanupRedis(t);
  }, 240_000);
});
