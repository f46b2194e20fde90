import { randomBytes } from 'node:crypto';
import { TikTokPost } from '../src/publishing/tiktok-post.entity';
import { FakeTikTok } from './fakes/fake-tiktok';
import { FakeTikTokApi } from './fakes/fake-tiktok-api';
import { buildForChildren, Child, freePort, killAll, tail, waitFor, startReadyWorker } from './helpers/processes';
import { cleanupRedis, createProduct, startTestApp, TestApp, waitForEnd } from './helpers/test-app';
import { configEnv, testConfig } from './helpers/test-config';
import { connectTikTok } from './helpers/tiktok-connect';

/**
 * A worker SIGKILLed while TikTok holds its init call (the post exists at TikTok, the worker never hears
 * its publish_id). TikTok has no idempotency key and no lookup without the publish_id, so the one thing
 * that must not happen is a second init for that variation: the post must end `unknown` (check the inbox)
 * while another worker sends the rest, all within the limits. Workers are real child processes on this
 * spec's database (SQLite, or PostgreSQL with TEST_DATABASE_URL); the API (and the image route TikTok
 * pulls from) runs here.
 */
const FINAL = ['in_inbox', 'posted', 'failed', 'unknown', 'cancelled'];
const CHECK = 'Check the TikTok inbox; if the draft is not there, send it again.';

describe('sending to TikTok when a worker dies', () => {
  const children: Child[] = [];
  let source: FakeTikTok;
  let fake: FakeTikTokApi;
  let t: TestApp;
  let childEnv: Record<string, string>;
  let dist: string;

  beforeAll(async () => {
    dist = buildForChildren();
    source = await FakeTikTok.start();
    fake = await FakeTikTokApi.start({ windowMs: 3000, initDelayMs: 1500, autoPostAfterMs: 300 });
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    fake.opts.verifiedPrefixes = [`${base}/api/tiktok/media/`];
    fake.redirectUri = `${base}/api/tiktok/callback`;
    const env = {
      ...fake.appEnv(),
      PUBLIC_BASE_URL: base,
      TOKEN_ENCRYPTION_KEY: randomBytes(32).toString('hex'),
      TIKTOK_BASE_URL: source.baseUrl,
      GENERATOR: 'local',
      VARIATION_RATE_LIMIT: '100/s',
      WORKER_CONCURRENCY: '4',
      JOB_LOCK_MS: '2000',
      JOB_STALLED_INTERVAL_MS: '1000',
      SWEEP_INTERVAL_MS: '1000',
      TIKTOK_POLL_INTERVAL_MS: '100',
      TIKTOK_WAIT_RETRY_MS: '250',
      TIKTOK_HTTP_TIMEOUT_MS: '3000',
      LOG_LEVEL: 'log',
    };
    const config = await testConfig({ ...env, WORKERS: 'false' });
    childEnv = { ...env, ...configEnv(config) };
    t = await startTestApp(config);
    await t.app.listen(port, '127.0.0.1');
  }, 300_000); // the first spec to start child processes compiles the app for them

  afterAll(async () => {
    await killAll(children);
    if (t) {
      await cleanupRedis(t);
      await t.close();
    }
    await source?.close();
    await fake?.close();
  });

  const startWorker = (name: string): Promise<Child> => startReadyWorker(dist, name, childEnv, children);

  it('SIGKILL while TikTok holds an init: that post ends "unknown", nothing is sent twice, the rest go through within the limits', async () => {
    const a = await startWorker('worker-a');
    const link = source.addPost({
      id: '7460000000000000001',
      slides: 3,
      desc: 'Morning routine that actually works #skincare',
    });
    const productId = await createProduct(t);
    const created = await t.http
      .post('/api/batch')
      .send({ links: [link], productId, photoVariations: 2, textVariations: 3 });
    expect(created.status).toBe(201);
    const batchId = created.body.id as string;
    expect((await waitForEnd(t, batchId, 90_000)).variations.completed).toBe(6);

    expect((await connectTikTok(t, fake)).location).toMatch(/\/#\/accounts\?connected=Alice Glow$/);
    const [account] = (await t.http.get('/api/tiktok/accounts')).body;
    const sent = await t.http.post('/api/tiktok/posts').send({ accountId: account.id, batchId });
    expect(sent.body.queued).toBe(6);

    await waitFor('an init held by TikTok', async () => fake.inFlightInits() > 0, 30_000, 10);
    a.proc.kill('SIGKILL');
    expect(await a.exited).toBe('SIGKILL');
    await new Promise((r) => setTimeout(r, 300));
    const madeBeforeKill = fake.acceptedPublishes().length;
    expect(madeBeforeKill).toBeGreaterThanOrEqual(1);

    const b = await startWorker('worker-b');
    let posts: Record<string, any>[] = [];
    await waitFor(
      'every post to end',
      async () => {
        posts = (await t.http.get('/api/tiktok/posts').query({ batchId })).body;
        return posts.length === 6 && posts.every((p) => FINAL.includes(p.status));
      },
      60_000,
      100,
    ).catch((e: Error) => {
      throw new Error(`${e.message}\n${JSON.stringify(posts.map((p) => [p.status, p.waitReason]))}\n${tail(b, 60)}`);
    });

    // At most one init per variation ever reached TikTok.
    const rows = await t.ds.getRepository(TikTokPost).find();
    const byPost = new Map<string, string[]>();
    for (const p of fake.acceptedPublishes()) {
      const postId = new URL(p.photoUrls[0]).pathname.split('/').pop()!.split('.')[0];
      byPost.set(postId, [...(byPost.get(postId) ?? []), p.publishId]);
    }
    for (const [postId, ids] of byPost) expect({ postId, inits: ids.length }).toEqual({ postId, inits: 1 });
    // Those the dead worker had in flight are "unknown", with what to do, never sent again. The message says whether
    // TikTok pulled their images (the init it was holding), or not (a request cut off before it arrived).
    const unknown = rows.filter((r) => r.status === 'unknown');
    expect(unknown.some((r) => byPost.has(r.id))).toBe(true);
    for (const r of unknown) {
      expect(r.publishId).toBeNull();
      const hint = byPost.has(r.id)
        ? 'TikTok downloaded its images, so it most likely reached the inbox'
        : 'TikTok has not downloaded its images from here, so it may not have arrived';
      expect(r.error).toBe(`the worker sending this post stopped before TikTok answered; ${hint}. ${CHECK}`);
    }
    // Every other one went through once, to the inbox (and was posted from it by the creator).
    for (const r of rows.filter((x) => x.status !== 'unknown')) {
      expect(['in_inbox', 'posted']).toContain(r.status);
      expect(byPost.get(r.id)).toEqual([r.publishId]);
    }
    expect(fake.violations).toEqual({ initRate: 0, statusRate: 0, pending: 0 });
    expect(fake.maxInitsInWindow()).toBeLessThanOrEqual(6);
    expect(fake.maxPendingSeen).toBeLessThanOrEqual(5);
    expect(b.lines.some((l) => /outcome unknown/.test(l))).toBe(true);

    // "Send" again leaves the unknown ones alone unless asked explicitly.
    const again = await t.http.post('/api/tiktok/posts').send({ accountId: account.id, batchId });
    expect(again.body.queued).toBe(0);
    expect(again.body.skipped.filter((s: { reason: string }) => /outcome unknown/.test(s.reason))).toHaveLength(
      unknown.length,
    );

    // No token in any worker's output.
    const output = [...a.lines, ...b.lines].join('\n');
    for (const token of fake.issued) expect(output).not.toContain(token);
  }, 180_000);
});
