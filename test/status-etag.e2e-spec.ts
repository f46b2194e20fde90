import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { BatchQueryService } from '../src/batches/batch-query.service';
import { Batch } from '../src/pipeline/entities';
import { testConfig } from './helpers/test-config';
import { cleanupRedis, finishedBatch, startTestApp, TestApp, tiktokLinks } from './helpers/test-app';
import { TestGenerator, TestSource } from './helpers/test-doubles';

/** Headers that describe the answer itself rather than the app's security policy. */
const NOT_SECURITY = new Set([
  'content-type',
  'content-length',
  'etag',
  'cache-control',
  'date',
  'connection',
  'keep-alive',
  'vary',
]);

/**
 * GET /api/batch/:id/status is answered from the status cache as a pre-serialised body with a strong ETag,
 * ahead of Express and Nest's router (src/batches/status-body.ts): same body as the Nest route, 304 for a
 * poller that sends the ETag back, helmet's headers on it. That ADMIN_PASSWORD closes this route as every
 * other is test/security-auth.e2e-spec.ts's (it walks the OpenAPI document's routes).
 */
describe('status: pre-serialised body, ETag and 304', () => {
  let t: TestApp;
  let batchId: string;

  beforeAll(async () => {
    t = await startTestApp(await testConfig({ VARIATION_RATE_LIMIT: '1000/s' }), {
      source: new TestSource(2),
      generator: new TestGenerator(),
    });
    batchId = await finishedBatch(t, tiktokLinks(1, 700));
  }, 90_000);

  afterAll(async () => {
    await cleanupRedis(t);
    await t.close();
  });

  const status = (id = batchId) => t.http.get(`/api/batch/${id}/status`);

  it('sends the status DTO as JSON with a strong ETag, revalidated on every poll', async () => {
    const res = await status();
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(res.headers.etag).toMatch(/^"[A-Za-z0-9_-]+"$/);
    expect(res.headers['cache-control']).toBe('no-cache');
    expect(res.headers['x-content-type-options']).toBe('nosniff'); // helmet's headers
    expect(res.text).toBe(JSON.stringify(await t.app.get(BatchQueryService).status(batchId)));
    expect(res.body).toMatchObject({ id: batchId, status: 'completed', progress: 100 });
  });

  it('carries every security header an Express-served route carries, with the same values', async () => {
    const [fast, health] = await Promise.all([status(), t.http.get('/api/health')]);
    expect(health.headers['x-content-type-options']).toBe('nosniff');
    const security = Object.keys(health.headers).filter((h) => !NOT_SECURITY.has(h));
    expect(security.length).toBeGreaterThanOrEqual(10);
    for (const h of security) expect([h, fast.headers[h]]).toEqual([h, health.headers[h]]);
    expect(fast.headers['x-powered-by']).toBeUndefined();
  });

  it('answers 304 with no body when If-None-Match names the current ETag (strong, weak or in a list)', async () => {
    const { etag } = (await status()).headers;
    for (const tag of [etag, `W/${etag}`, `"other", ${etag}`, '*']) {
      const res = await status().set('If-None-Match', tag);
      expect(res.status).toBe(304);
      expect(res.text ?? '').toBe('');
      expect(res.headers.etag).toBe(etag);
    }
    const changed = await status().set('If-None-Match', '"something-else"');
    expect(changed.status).toBe(200);
    expect(changed.body.id).toBe(batchId);
  });

  it('leaves errors to the Nest route`s usual answers', async () => {
    const missing = await status('00000000-0000-4000-8000-000000000000');
    expect(missing.status).toBe(404);
    expect(missing.body).toMatchObject({ statusCode: 404 });
    const malformed = await status('not-a-uuid');
    expect(malformed.status).toBe(400);
    expect(malformed.body.message).toMatch(/UUID/);
  });
});

/**
 * Polls are answered ahead of Express only when nothing in front of the route would act (src/batches/status-body.ts
 * answerStatusBeforeExpress): a valid session cookie is answered there; a bearer token (the login throttle),
 * a cross-origin request (CORS headers) and anything unauthenticated go through Express as every other route.
 */
describe('status with ADMIN_PASSWORD and CORS_ORIGINS set', () => {
  const PASSWORD = 'status poller password';
  const ORIGIN = 'https://studio.example.com';
  let t: TestApp;
  let batchId: string;
  let cookie = '';

  beforeAll(async () => {
    t = await startTestApp(
      await testConfig({ VARIATION_RATE_LIMIT: '1000/s', ADMIN_PASSWORD: PASSWORD, CORS_ORIGINS: ORIGIN }),
      { source: new TestSource(2), generator: new TestGenerator() },
    );
    const login = await t.http.post('/api/auth/login').send({ password: PASSWORD });
    expect(login.status).toBeLessThan(300);
    cookie = login.headers['set-cookie'][0].split(';')[0];
    // Seeded directly: creating one through the API is other specs' subject.
    batchId = randomUUID();
    await t.app.get(DataSource).getRepository(Batch).insert({
      id: batchId,
      name: 'polled',
      status: 'completed',
      photoVariations: 1,
      textVariations: 1,
      linksTotal: 0,
      variationsTotal: 0,
      generator: 'local',
      storage: 'local',
    });
  }, 90_000);

  afterAll(async () => {
    await cleanupRedis(t);
    await t.close();
  });

  const status = () => t.http.get(`/api/batch/${batchId}/status`);

  it('answers a browser session, with its ETag and 304', async () => {
    const res = await status().set('Cookie', cookie);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: batchId, status: 'completed' });
    expect(res.headers['x-frame-options']).toBe('SAMEORIGIN');
    const again = await status().set('Cookie', cookie).set('If-None-Match', res.headers.etag);
    expect(again.status).toBe(304);
  });

  it('answers a bearer token and a cross-origin poll through the full stack, ETag included', async () => {
    const bearer = await status().set('Authorization', `Bearer ${PASSWORD}`);
    expect(bearer.status).toBe(200);
    expect(bearer.headers.etag).toMatch(/^"/);
    const cors = await status().set('Cookie', cookie).set('Origin', ORIGIN);
    expect(cors.status).toBe(200);
    expect(cors.headers['access-control-allow-origin']).toBe(ORIGIN);
    expect(cors.headers['access-control-allow-credentials']).toBe('true');
    expect(cors.body.id).toBe(batchId);
  });

  it('refuses a poll without a valid session as every other route does', async () => {
    for (const headers of [{}, { Cookie: 'studio_session=forged.token' }, { Cookie: `${cookie}x` }]) {
      const res = await status().set(headers);
      expect(res.status).toBe(401);
      expect(res.body).toMatchObject({ statusCode: 401, message: expect.stringMatching(/authentication required/) });
    }
  });
});
