import { BatchQueryService } from '../src/batches/batch-query.service';
import { testConfig } from './helpers/test-config';
import { cleanupRedis, finishedBatch, startTestApp, TestApp, tiktokLinks } from './helpers/test-app';
import { TestGenerator, TestSource } from './helpers/test-doubles';

/**
 * GET /api/batch/:id/status is answered from the status cache as a pre-serialised body with a strong ETag,
 * ahead of Nest's router (src/batches/status-body.ts): same body as the Nest route, 304 for a poller that
 * sends the ETag back, helmet still in front of it. That ADMIN_PASSWORD closes this route as every other is
 * test/security-auth.e2e-spec.ts's (it walks the OpenAPI document's routes).
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
    expect(res.headers['x-content-type-options']).toBe('nosniff'); // helmet ran first
    expect(res.text).toBe(JSON.stringify(await t.app.get(BatchQueryService).status(batchId)));
    expect(res.body).toMatchObject({ id: batchId, status: 'completed', progress: 100 });
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
