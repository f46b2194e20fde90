import { randomBytes, randomUUID } from 'node:crypto';
import type { LoggerService } from '@nestjs/common';
import sharp from 'sharp';
import type { Response } from 'supertest';
import { PublishingSecrets } from '../src/publishing/publishing-secrets';
import { TikTokAccount } from '../src/publishing/tiktok-account.entity';
import { TikTokPost } from '../src/publishing/tiktok-post.entity';
import { FakeTikTokApi } from './fakes/fake-tiktok-api';
import { freePort, waitFor } from './helpers/processes';
import { connectTikTok } from './helpers/tiktok-connect';
import {
  cleanupRedis,
  createProduct,
  finishedBatch,
  startTestApp,
  TestApp,
  tiktokLinks,
  waitForEnd,
} from './helpers/test-app';
import { testConfig } from './helpers/test-config';
import { TestGenerator, TestSource } from './helpers/test-doubles';

/**
 * Sending to TikTok through the real client against a loopback TikTok (test/fakes/fake-tiktok-api.ts) that
 * enforces the documented limits and pulls the photos from this app like TikTok does. TikTok's minute is
 * scaled down to WINDOW_MS; everything else (queue, Redis limiter, database, image route) is the real thing.
 */
const WINDOW_MS = 3000;
const FINAL = ['in_inbox', 'posted', 'failed', 'unknown', 'cancelled'];

/** Every log line, to check no token ever reaches one. */
class CapturingLogger implements LoggerService {
  readonly lines: string[] = [];
  log = (m: unknown, ...r: unknown[]) => void this.lines.push([m, ...r].map(String).join(' '));
  error = this.log;
  warn = this.log;
  debug = this.log;
  verbose = this.log;
}

describe('sending to TikTok (Content Posting API fake)', () => {
  let fake: FakeTikTokApi;
  let t: TestApp;
  let base: string;
  let batchId: string;
  let linkId: string;
  let variationIds: string[];
  const logs = new CapturingLogger();
  /** Every answer the API gave in this spec. */
  const answers: string[] = [];
  const api = async (res: Promise<Response> | Response) => {
    const r = await res;
    answers.push(r.text ?? '', JSON.stringify(r.headers));
    return r;
  };

  beforeAll(async () => {
    fake = await FakeTikTokApi.start({ windowMs: WINDOW_MS });
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    const config = await testConfig({
      ...fake.appEnv(),
      PUBLIC_BASE_URL: base,
      TOKEN_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
      TIKTOK_POLL_INTERVAL_MS: '100',
      TIKTOK_WAIT_RETRY_MS: '250',
      TIKTOK_HTTP_TIMEOUT_MS: '3000',
      VARIATION_RATE_LIMIT: '100/s',
      LOG_LEVEL: 'verbose',
    });
    t = await startTestApp(config, { source: new TestSource(3), generator: new TestGenerator(), logger: logs });
    await t.app.listen(port, '127.0.0.1');
    // One link, 3 photo × 4 text variations = 12 finished variations to send.
    const productId = await createProduct(t);
    const res = await t.http
      .post('/api/batch')
      .send({ links: tiktokLinks(1), productId, photoVariations: 3, textVariations: 4 });
    expect(res.status).toBe(201);
    batchId = res.body.id;
    expect((await waitForEnd(t, batchId, 60_000)).variations.completed).toBe(12);
    const detail = await t.http.get(`/api/batch/${batchId}`);
    linkId = detail.body.links[0].id;
    variationIds = detail.body.links[0].variations.map((v: { id: string }) => v.id);
  }, 90_000);

  afterAll(async () => {
    await cleanupRedis(t);
    await t.close();
    await fake.close();
  });

  /** Every token the fake issued in any test (reset() forgets them). */
  const issued: string[] = [];
  afterEach(() => void issued.push(...fake.issued));

  beforeEach(async () => {
    fake.reset({ windowMs: WINDOW_MS, verifiedPrefixes: [`${base}/api/tiktok/media/`] });
    fake.redirectUri = `${base}/api/tiktok/callback`;
    await t.ds.getRepository(TikTokPost).clear();
  });

  async function connect(options: { decision?: 'allow' | 'deny'; scopes?: string[]; cookie?: boolean } = {}) {
    return connectTikTok(t, fake, {
      ...options,
      record: (r) => {
        void api(r);
        // The binding cookie: HttpOnly, sent on TikTok's top-level redirect (Lax), only to the callback, 10 minutes.
        if (r.status === 201)
          expect(String(r.headers['set-cookie'])).toMatch(
            /^studio_tiktok_oauth=[\w-]{43}; Max-Age=600; Path=\/api\/tiktok\/callback; Expires=[^;]+; HttpOnly; SameSite=Lax$/,
          );
      },
    });
  }

  async function account(): Promise<{ id: string; status: string; displayName: string; pendingDrafts: number }> {
    const res = await api(t.http.get('/api/tiktok/accounts'));
    expect(res.status).toBe(200);
    expect(res.body).toHaveLength(1);
    return res.body[0];
  }

  /** Polls the posts of the batch until every one has ended; returns them and every (status, waitReason) seen. */
  async function settle(timeoutMs = 45_000): Promise<{ posts: Record<string, any>[]; seen: Set<string> }> {
    const seen = new Set<string>();
    let posts: Record<string, any>[] = [];
    await waitFor(
      'every post to end',
      async () => {
        posts = (await api(t.http.get('/api/tiktok/posts').query({ batchId }))).body;
        for (const p of posts) seen.add(p.waitReason ?? p.status);
        return posts.length > 0 && posts.every((p) => FINAL.includes(p.status));
      },
      timeoutMs,
      50,
    );
    return { posts, seen };
  }

  it('connects an account with Login Kit v2: PKCE, a single-use state bound to this browser, tokens sealed at rest', async () => {
    const denied = await connect({ decision: 'deny' });
    expect(denied.location).toMatch(
      /^http:\/\/127\.0\.0\.1:\d+\/#\/accounts\?error=TikTok: the connection was declined/,
    );

    const ok = await connect();
    expect(ok.location).toBe(`${base}/#/accounts?connected=Alice Glow`);
    const a = await account();
    expect(a).toMatchObject({ displayName: 'Alice Glow', status: 'active', pendingDrafts: 0 });
    expect(fake.tokenCalls.filter((c) => c.grantType === 'authorization_code').map((c) => c.code)).toEqual(['ok']);

    // The same redirect again (a replayed or leaked URL): the state was used up.
    const replay = await api(t.http.get(ok.callback).set('Cookie', ok.cookie));
    expect(decodeURIComponent(replay.headers.location)).toMatch(
      /error=This TikTok connection attempt is unknown or expired/,
    );
    // A fresh attempt finished in a browser without the starting cookie (a victim lured to an attacker's callback URL).
    const foreign = await connect({ cookie: false });
    expect(foreign.location).toMatch(/error=This TikTok connection was started in another browser/);
    // Unticking the upload permission on TikTok's page: refused, nothing stored, the token revoked.
    const revokedBefore = fake.revoked.length;
    const partial = await connect({ scopes: ['user.info.basic'] });
    expect(partial.location).toMatch(/error=TikTok did not grant video.upload/);
    expect(fake.revoked.length).toBeGreaterThan(revokedBefore);
    expect((await account()).status).toBe('active');

    const row = await t.ds.getRepository(TikTokAccount).findOneByOrFail({ id: a.id });
    expect(row.accessTokenSealed).toMatch(/^v1\./);
    for (const token of fake.issued) {
      expect(row.accessTokenSealed).not.toContain(token);
      expect(row.refreshTokenSealed).not.toContain(token);
    }
  });

  it('sends a 12-variation link as drafts: never more than 6 inits a window or 5 pending, a token refreshed mid-run, each sent once', async () => {
    fake.opts.accessTtlS = 2; // expires during the run: the worker refreshes it
    fake.opts.autoPostAfterMs = 300; // the creator posts each draft from the inbox soon after it arrives
    await connect();
    const { id: accountId } = await account();

    const res = await api(t.http.post('/api/tiktok/posts').send({ accountId, batchId, linkId }));
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ queued: 12, skipped: [] });
    const { posts, seen } = await settle();

    expect(posts.map((p) => p.status).filter((s) => !['in_inbox', 'posted'].includes(s))).toEqual([]);
    expect(fake.violations).toEqual({ initRate: 0, statusRate: 0, pending: 0 });
    expect(fake.maxInitsInWindow()).toBeLessThanOrEqual(6);
    expect(fake.maxPendingSeen).toBeLessThanOrEqual(5);
    // Both limits made posts wait, and the UI was told why.
    expect([...seen].some((s) => /^waiting: \d drafts pending in the inbox/.test(s))).toBe(true);
    expect([...seen].some((s) => /^waiting: TikTok allows 6 uploads every 3 s per account/.test(s))).toBe(true);
    // A token expired mid-run and was refreshed (with rotation), and nothing failed for it.
    expect(
      fake.tokenCalls.filter((c) => c.grantType === 'refresh_token' && c.code === 'ok').length,
    ).toBeGreaterThanOrEqual(1);

    // Exactly one accepted init per variation, each a documented photo draft pulled from here as JPEGs ≤ 1080 px.
    const published = fake.acceptedPublishes();
    expect(published).toHaveLength(12);
    const rows = await t.ds.getRepository(TikTokPost).find();
    expect(new Set(published.map((p) => p.publishId))).toEqual(new Set(rows.map((r) => r.publishId)));
    for (const p of published) {
      expect(p).toMatchObject({ mode: 'MEDIA_UPLOAD', coverIndex: 0, downloadedBytes: expect.any(Number) });
      // The plan's caption of the variation's text variant (test doubles: "caption <t>" and three hashtags).
      expect(p.title).toMatch(/^caption [1-4]$/);
      expect(p.description).toBe('#fyp #foryou #tiktokmademebuyit');
      expect(p.photoUrls).toHaveLength(3);
      for (const u of p.photoUrls)
        expect(u).toMatch(new RegExp(`^${base}/api/tiktok/media/[0-9a-f-]{36}\\.\\d\\.\\d{10}\\.[\\w-]{43}\\.jpg$`));
    }
    const postIds = published.map((p) => new URL(p.photoUrls[0]).pathname.split('/').pop()!.split('.')[0]);
    expect(new Set(postIds).size).toBe(12);
    expect(fake.pulls).toHaveLength(36);
    expect(fake.pulls.every((p) => p.status === 200 && p.format === 'jpeg' && (p.width ?? 0) <= 1080)).toBe(true);

    // Sending the link again queues nothing: every variation is already in the inbox (or posted).
    const again = await api(t.http.post('/api/tiktok/posts').send({ accountId, batchId, linkId }));
    expect(again.body.queued).toBe(0);
    expect(again.body.skipped).toHaveLength(12);
  });

  it('image URLs: a JPEG ≤ 1080 px to anyone holding a valid one; forged ones are 404; every one is 410 once expired', async () => {
    await connect();
    const { id: accountId } = await account();
    await api(t.http.post('/api/tiktok/posts').send({ accountId, batchId, variationIds: variationIds.slice(0, 1) }));
    await settle();
    const post = await t.ds.getRepository(TikTokPost).findOneByOrFail({ variationId: variationIds[0] });
    const token = t.app.get(PublishingSecrets).media!.sign(post.id, 1, 2);
    const fresh = await t.http.get(`/api/tiktok/media/${token}.jpg`).buffer(true);
    expect(fresh.status).toBe(200);
    expect(fresh.headers['content-type']).toBe('image/jpeg');
    expect(fresh.headers['cache-control']).toBe('private, no-store');
    expect(await sharp(fresh.body as Buffer).metadata()).toMatchObject({ format: 'jpeg', width: 1080 });

    const [id, index, exp, sig] = token.split('.');
    for (const forged of [
      `${id}.${index}.${Number(exp) + 3600}.${sig}`,
      `${id}.${Number(index) + 1}.${exp}.${sig}`,
      `${variationIds[0]}.${index}.${exp}.${sig}`,
      'a.b.c.d',
    ]) {
      expect((await t.http.get(`/api/tiktok/media/${forged}.jpg`)).status).toBe(404);
    }
    await new Promise((r) => setTimeout(r, Math.max(0, Number(exp) * 1000 - Date.now() + 50)));
    const expired = await t.http.get(`/api/tiktok/media/${token}.jpg`);
    expect(expired.status).toBe(410);
    expect(expired.body).toMatchObject({ statusCode: 410, message: 'this image link has expired' });
  });

  it('an unverified domain fails with what to verify, and nothing is retried blindly', async () => {
    fake.opts.verifiedPrefixes = ['https://somewhere-else.example/'];
    await connect();
    const { id: accountId } = await account();
    await api(t.http.post('/api/tiktok/posts').send({ accountId, batchId, variationIds: variationIds.slice(0, 2) }));
    const { posts } = await settle();
    for (const p of posts) {
      expect(p.status).toBe('failed');
      expect(p.errorCode).toBe('url_ownership_unverified');
      expect(p.error).toContain(`${new URL(base).host} is not verified for your TikTok app`);
      expect(p.error).toContain(`${base}/`);
    }
    expect(fake.inits.filter((c) => c.code === 'url_ownership_unverified').length).toBeLessThanOrEqual(2);
    expect(fake.acceptedPublishes()).toHaveLength(0);
  });

  it('waits while TikTok says the inbox is full (drafts from elsewhere), says so, and resumes when the creator clears it', async () => {
    await connect();
    const { id: accountId } = await account();
    fake.addOutsideDrafts('open-id-alice', 5);
    await api(t.http.post('/api/tiktok/posts').send({ accountId, batchId, variationIds: variationIds.slice(0, 1) }));
    const waiting = await waitFor(
      'the post to wait on the full inbox',
      async () =>
        (await api(t.http.get('/api/tiktok/posts').query({ batchId }))).body.find(
          (p: { status: string }) => p.status === 'waiting',
        ),
      15_000,
      50,
    );
    expect(waiting.waitReason).toBe(
      'waiting: TikTok says 5 drafts are pending in the inbox; post or discard them in the TikTok app and sending resumes',
    );
    await new Promise((r) => setTimeout(r, 600));
    // Told once, it does not hammer TikTok while it waits.
    expect(fake.inits.filter((c) => c.code === 'spam_risk_too_many_pending_share').length).toBeLessThanOrEqual(3);
    fake.userPostsDrafts('open-id-alice');
    const { posts } = await settle();
    expect(posts.map((p) => p.status)).toEqual(['in_inbox']);
    expect(fake.acceptedPublishes()).toHaveLength(1);
  });

  it('a revoked sign-in: the refresh is refused, the post fails saying to reconnect, reconnecting revives the same account', async () => {
    await connect();
    const before = await account();
    fake.userRemovesApp('open-id-alice');
    await api(
      t.http.post('/api/tiktok/posts').send({ accountId: before.id, batchId, variationIds: variationIds.slice(0, 1) }),
    );
    const { posts } = await settle();
    expect(posts[0]).toMatchObject({ status: 'failed', errorCode: 'reconnect' });
    expect(posts[0].error).toMatch(/needs reconnecting.*connect it again/);
    expect((await account()).status).toBe('reconnect');
    const refused = await api(
      t.http.post('/api/tiktok/posts').send({ accountId: before.id, batchId, variationIds: variationIds.slice(0, 1) }),
    );
    expect(refused.status).toBe(409);
    expect(refused.body.message).toMatch(/needs reconnecting/);

    await connect();
    const after = await account();
    expect(after).toMatchObject({ id: before.id, status: 'active' });
    const resent = await api(
      t.http.post('/api/tiktok/posts').send({ accountId: after.id, batchId, variationIds: variationIds.slice(0, 1) }),
    );
    expect(resent.body.queued).toBe(1);
    expect((await settle()).posts.map((p) => [p.status, p.attempt])).toEqual([['in_inbox', 2]]);
  });

  it('validates requests with messages naming the field; disconnect revokes at TikTok and forgets the tokens', async () => {
    await connect();
    const { id: accountId } = await account();
    const bad = await api(t.http.post('/api/tiktok/posts').send({ accountId: 'nope', batchId, mode: 'live' }));
    expect(bad.status).toBe(400);
    expect(bad.body.message.join('\n')).toMatch(/accountId must be a UUID[\s\S]*mode must be one of/);
    const direct = await api(
      t.http.post('/api/tiktok/posts').send({ accountId, batchId, mode: 'direct', privacyLevel: 'SELF_ONLY' }),
    );
    expect(direct.status).toBe(400);
    expect(direct.body.message).toMatch(/direct posting is off/);
    const unknownVariation = await api(
      t.http.post('/api/tiktok/posts').send({ accountId, batchId, variationIds: [accountId] }),
    );
    expect(unknownVariation.status).toBe(404);
    expect(unknownVariation.body.message).toMatch(/^variationIds: /);

    const health = await api(t.http.get('/api/health'));
    expect(health.body.providers.publisher).toEqual({
      name: 'tiktok',
      enabled: true,
      mode: 'drafts',
      publicBaseUrl: base,
    });
    expect(health.body.queues.publishing).toMatchObject({ failed: 0 });

    const res = await api(t.http.delete(`/api/tiktok/accounts/${accountId}`));
    expect(res.body).toMatchObject({ id: accountId, revoked: true });
    expect(fake.revoked.length).toBeGreaterThan(0);
    expect((await api(t.http.get('/api/tiktok/accounts'))).body).toEqual([]);
    const row = await t.ds.getRepository(TikTokAccount).findOneByOrFail({ id: accountId });
    expect(row).toMatchObject({ status: 'disconnected', accessTokenSealed: null, refreshTokenSealed: null });
    expect((await api(t.http.post('/api/tiktok/posts').send({ accountId, batchId }))).status).toBe(404);
  });

  it('never puts a token in a log line or an API answer', async () => {
    expect(issued.length).toBeGreaterThan(3);
    const everything = [...logs.lines, ...answers].join('\n');
    expect(logs.lines.some((l) => /sent to TikTok/.test(l))).toBe(true);
    for (const token of issued) expect(everything).not.toContain(token);
    expect(everything).not.toContain(fake.opts.clientSecret);
  });

  it('deleting the batch deletes its posts (a cascade on both databases)', async () => {
    await connect();
    const { id: accountId } = await account();
    await api(t.http.post('/api/tiktok/posts').send({ accountId, batchId, variationIds: variationIds.slice(0, 2) }));
    await settle();
    expect(await t.ds.getRepository(TikTokPost).count()).toBe(2);
    expect((await t.http.delete(`/api/batch/${batchId}`)).status).toBe(204);
    expect(await t.ds.getRepository(TikTokPost).count()).toBe(0);
    expect((await api(t.http.get('/api/tiktok/posts').query({ batchId }))).body).toEqual([]);
  });
});

describe('direct posting (TIKTOK_DIRECT_POST=true, an audited app)', () => {
  let fake: FakeTikTokApi;
  let t: TestApp;
  let batchId: string;

  beforeAll(async () => {
    fake = await FakeTikTokApi.start({ windowMs: WINDOW_MS });
    fake.addUser({
      openId: 'open-id-alice',
      displayName: 'Alice Glow',
      privacyLevelOptions: ['FOLLOWER_OF_CREATOR', 'SELF_ONLY'],
    });
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    fake.opts.verifiedPrefixes = [`${base}/api/tiktok/media/`];
    const config = await testConfig({
      ...fake.appEnv(),
      PUBLIC_BASE_URL: base,
      TOKEN_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
      TIKTOK_DIRECT_POST: 'true',
      TIKTOK_POLL_INTERVAL_MS: '100',
      VARIATION_RATE_LIMIT: '100/s',
    });
    t = await startTestApp(config, { source: new TestSource(2), generator: new TestGenerator() });
    await t.app.listen(port, '127.0.0.1');
    batchId = await finishedBatch(t, tiktokLinks(1, 50));
  }, 90_000);

  afterAll(async () => {
    await cleanupRedis(t);
    await t.close();
    await fake.close();
  });

  it('asks for video.publish, checks the privacy level against creator_info, and posts directly', async () => {
    expect((await connectTikTok(t, fake)).location).toMatch(/\/#\/accounts\?connected=Alice Glow$/);
    const [account] = (await t.http.get('/api/tiktok/accounts')).body;
    expect(account.scopes).toEqual(['user.info.basic', 'video.upload', 'video.publish']);
    const refused = await t.http
      .post('/api/tiktok/posts')
      .send({ accountId: account.id, batchId, mode: 'direct', privacyLevel: 'PUBLIC_TO_EVERYONE' });
    expect(refused.status).toBe(400);
    expect(refused.body.message).toBe('privacyLevel: must be one of FOLLOWER_OF_CREATOR, SELF_ONLY for this account');
    expect(fake.inits).toHaveLength(0);

    const sent = await t.http
      .post('/api/tiktok/posts')
      .send({ accountId: account.id, batchId, mode: 'direct', privacyLevel: 'SELF_ONLY' });
    expect(sent.body.queued).toBe(1);
    const post = await waitFor('the post to be published', async () => {
      const [p] = (await t.http.get('/api/tiktok/posts').query({ batchId })).body;
      return p && FINAL.includes(p.status) ? p : undefined;
    });
    expect(post).toMatchObject({ status: 'posted', mode: 'direct' });
    expect(fake.acceptedPublishes()[0]).toMatchObject({
      mode: 'DIRECT_POST',
      privacyLevel: 'SELF_ONLY',
      status: 'PUBLISH_COMPLETE',
    });

    // A second account, connected beside the first: each keeps its own sign-in (and its own limits).
    fake.addUser({ openId: 'open-id-bob', displayName: 'Bob Shop' });
    fake.currentUser = 'open-id-bob';
    expect((await connectTikTok(t, fake)).location).toMatch(/connected=Bob Shop$/);
    const both = (await t.http.get('/api/tiktok/accounts')).body as { id: string; displayName: string }[];
    expect(both.map((a) => a.displayName)).toEqual(['Alice Glow', 'Bob Shop']);
    expect(new Set(both.map((a) => a.id)).size).toBe(2);
  });
});

describe('sending to TikTok, not set up', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(await testConfig({ TIKTOK_CLIENT_KEY: 'k' }), {
      source: new TestSource(2),
      generator: new TestGenerator(),
    });
  });
  afterAll(async () => {
    await cleanupRedis(t);
    await t.close();
  });

  it('says what is missing in the status, the health and every refusal, and derives no key by itself', async () => {
    const missing = 'TIKTOK_CLIENT_SECRET, PUBLIC_BASE_URL, TOKEN_ENCRYPTION_KEY';
    expect((await t.http.get('/api/tiktok/status')).body).toMatchObject({
      enabled: false,
      missing: missing.split(', '),
      redirectUri: null,
    });
    const health = await t.http.get('/api/health');
    expect(health.status).toBe(200);
    expect(health.body.providers.publisher).toEqual({
      name: 'tiktok',
      enabled: false,
      reason: `sending to TikTok is disabled: set ${missing}`,
    });
    const connect = await t.http.post('/api/tiktok/accounts/connect');
    expect(connect.status).toBe(409);
    expect(connect.body.message).toContain(`set ${missing}`);
    const send = await t.http.post('/api/tiktok/posts').send({ accountId: randomUUID(), batchId: randomUUID() });
    expect(send.status).toBe(409);
    expect(send.body.message).toContain(`Sending to TikTok is disabled: set ${missing}`);
    expect(t.app.get(PublishingSecrets).cipher).toBeUndefined();
    expect((await t.http.get('/api/tiktok/accounts')).body).toEqual([]);
  });
});
