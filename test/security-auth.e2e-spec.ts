import { randomUUID } from 'node:crypto';
import type Redis from 'ioredis';
import { failureDelayMs, LOGIN_ATTEMPTS_PER_WINDOW } from '../src/auth/login-throttle';
import { REDIS } from '../src/common/redis.module';
import { testConfig } from './helpers/test-config';
import { cleanupRedis, startTestApp, TestApp } from './helpers/test-app';
import { TestGenerator, TestSource } from './helpers/test-doubles';

/** ADMIN_PASSWORD set: the whole surface (read from the OpenAPI document, so new routes are covered) is closed. */
const PASSWORD = 'correct horse battery staple';
const BEARER = { Authorization: `Bearer ${PASSWORD}` };
const PUBLIC = new Set([
  '/api/auth/session',
  '/api/auth/login',
  '/api/auth/logout',
  '/api/health',
  '/api/tiktok/callback',
  '/api/tiktok/media/{file}',
]);
const METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const;
type Method = (typeof METHODS)[number];

function sample(param: string): string {
  if (/postid/i.test(param)) return '7300000000000000001';
  if (/^n$|index/i.test(param)) return '0';
  return randomUUID();
}

describe('auth (ADMIN_PASSWORD set)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp(await testConfig({ ADMIN_PASSWORD: PASSWORD }), {
      source: new TestSource(),
      generator: new TestGenerator(),
    });
  });
  afterAll(async () => {
    await cleanupRedis(t);
    await t.close();
  });
  // Every test starts with a clean slate of login attempts for 127.0.0.1.
  beforeEach(async () => {
    const redis = t.app.get<Redis>(REDIS);
    const keys = await redis.keys(`${t.config.queuePrefix}:rl:*`);
    if (keys.length) await redis.del(...keys);
  });

  async function routes(): Promise<{ method: Method; path: string; template: string }[]> {
    const doc = await t.http.get('/api/docs-json').set(BEARER);
    expect(doc.status).toBe(200);
    const out: { method: Method; path: string; template: string }[] = [];
    for (const [template, item] of Object.entries(doc.body.paths as Record<string, Record<string, unknown>>)) {
      for (const method of METHODS) {
        if (item[method])
          out.push({ method, template, path: template.replace(/\{([^}]+)\}/g, (_, p: string) => sample(p)) });
      }
    }
    return out;
  }

  it('answers 401 {statusCode, message} on every documented route without credentials, except the public ones', async () => {
    const all = await routes();
    expect(all.length).toBeGreaterThanOrEqual(15);
    const guarded = all.filter((r) => !PUBLIC.has(r.template));
    for (const r of guarded) {
      for (const headers of [
        {},
        { Authorization: 'Basic YWRtaW46YWRtaW4=' },
        { Cookie: 'studio_session=forged.token' },
      ]) {
        const res = await t.http[r.method](r.path)
          .set(headers)
          .send({ links: 'x', photoVariations: 1, textVariations: 1 });
        expect({ route: `${r.method} ${r.template}`, status: res.status }).toEqual({
          route: `${r.method} ${r.template}`,
          status: 401,
        });
        expect(res.body).toEqual({ statusCode: 401, message: expect.stringContaining('authentication required') });
      }
    }
    // The public ones really are reachable.
    expect((await t.http.get('/api/auth/session')).body).toEqual({ authRequired: true, authenticated: false });
  });

  it('closes Bull Board, /files, the API docs and odd spellings of API paths', async () => {
    const paths = [
      ['get', '/admin/queues'],
      ['get', '/admin/queues/api/queues'],
      ['put', '/admin/queues/api/queues/batches/pause'],
      ['get', '/files/x'],
      ['get', '/files/Batch_20250101-0000_abcdef12/Link_01_1/v1-1/01.jpg'],
      ['get', '/api/docs'],
      ['get', '/api/docs-json'],
      ['get', '/API/batch'],
      ['get', '/api//batch'],
      ['get', '/api/batch/'],
      ['get', '/%61pi/batch'],
      ['get', '/Files/x'],
      ['post', '/api/products'],
      ['post', '/'],
    ] as const;
    for (const [method, path] of paths) {
      const res = await t.http[method](path);
      expect({ path, status: res.status }).toEqual({ path, status: 401 });
    }
    // The UI's own files stay public (the login screen is part of them).
    const ui = await t.http.get('/');
    expect(ui.status).not.toBe(401);
  });

  it('opens only the TikTok callback and the signed image names, nothing else under /api/tiktok', async () => {
    // Public, and still refusing what they do not recognise.
    const callback = await t.http.get('/api/tiktok/callback?code=x&state=forged');
    expect(callback.status).toBe(302);
    expect(decodeURIComponent(callback.headers.location)).toMatch(
      /error=This TikTok connection attempt is unknown or expired/,
    );
    expect((await t.http.get('/api/tiktok/media/forged.0.1999999999.abc.jpg')).status).toBe(404);
    // Everything else stays closed, including tricks on the public prefix.
    for (const [method, path] of [
      ['get', '/api/tiktok/accounts'],
      ['post', '/api/tiktok/accounts/connect'],
      ['get', '/api/tiktok/posts?batchId=x'],
      ['post', '/api/tiktok/posts'],
      ['get', '/api/tiktok/media/a/../../accounts'],
      ['get', '/api/tiktok/media/x%2F..%2F..%2Faccounts'],
      ['post', '/api/tiktok/media/x.jpg'],
      ['get', '/api/tiktok/callback/extra'],
    ] as const) {
      const res = await t.http[method](path);
      expect({ path, status: res.status }).toEqual({ path, status: 401 });
    }
  });

  it('keeps /api/health public but shows strangers only {status}', async () => {
    const anon = await t.http.get('/api/health');
    expect([200, 503]).toContain(anon.status);
    expect(Object.keys(anon.body)).toEqual(['status']);
    const admin = await t.http.get('/api/health').set(BEARER);
    expect(admin.body).toHaveProperty('database');
    expect(admin.body).toHaveProperty('providers');
    expect(JSON.stringify(admin.body)).not.toContain(PASSWORD);
  });

  it('lets a bearer token through everywhere', async () => {
    expect((await t.http.get('/api/batch').set(BEARER)).status).toBe(200);
    expect((await t.http.get('/admin/queues').set(BEARER)).status).toBe(200);
    expect((await t.http.get('/files/nothing-here.jpg').set(BEARER)).status).toBe(404);
    expect((await t.http.get('/api/auth/session').set(BEARER)).body).toEqual({
      authRequired: true,
      authenticated: true,
    });
  });

  it('logs in with a cookie (HttpOnly, SameSite=Strict, Path=/; Secure behind https), and logs out', async () => {
    const login = await t.http.post('/api/auth/login').send({ password: PASSWORD });
    expect(login.status).toBe(204);
    const setCookie = ([] as string[]).concat(login.headers['set-cookie'] ?? []);
    expect(setCookie).toHaveLength(1);
    const cookie = setCookie[0];
    expect(cookie).toMatch(/^studio_session=[^;]+;/);
    expect(cookie).toMatch(/; HttpOnly/i);
    expect(cookie).toMatch(/; SameSite=Strict/i);
    expect(cookie).toMatch(/; Path=\//);
    expect(cookie).not.toMatch(/; Secure/i);
    const pair = cookie.split(';')[0];
    expect(pair).not.toContain(PASSWORD);

    expect((await t.http.get('/api/batch').set('Cookie', pair)).status).toBe(200);
    expect((await t.http.get('/admin/queues').set('Cookie', pair)).status).toBe(200);
    expect((await t.http.get('/api/auth/session').set('Cookie', pair)).body).toEqual({
      authRequired: true,
      authenticated: true,
    });
    // A cookie whose signature is changed by one character is worthless: in the middle (real signature
    // bits) and at the end (where a lenient decoder would ignore the unused low bits).
    const at = pair.length - 10;
    const middle = pair.slice(0, at) + (pair[at] === 'A' ? 'B' : 'A') + pair.slice(at + 1);
    expect((await t.http.get('/api/batch').set('Cookie', middle)).status).toBe(401);
    const last = pair.slice(0, -1) + (pair.endsWith('A') ? 'B' : 'A');
    expect((await t.http.get('/api/batch').set('Cookie', last)).status).toBe(401);

    const https = await t.http.post('/api/auth/login').set('X-Forwarded-Proto', 'https').send({ password: PASSWORD });
    expect(String(https.headers['set-cookie'])).toMatch(/; Secure/i);

    const logout = await t.http.post('/api/auth/logout').set('Cookie', pair);
    expect(logout.status).toBe(204);
    const cleared = String(logout.headers['set-cookie']);
    expect(cleared).toMatch(/^studio_session=;/);
    expect(cleared).toMatch(/Expires=Thu, 01 Jan 1970|Max-Age=0/);
    expect(cleared).toMatch(/HttpOnly/i);
  });

  it('refuses a wrong password with 401, slower each time, then 429 with Retry-After (even for the right one)', async () => {
    const took: number[] = [];
    for (let i = 1; i <= LOGIN_ATTEMPTS_PER_WINDOW; i++) {
      const started = Date.now();
      const res = await t.http.post('/api/auth/login').send({ password: `wrong password ${i}` });
      took.push(Date.now() - started);
      expect(res.status).toBe(401);
      expect(res.body.message).toBe('wrong password');
      expect(res.headers['set-cookie']).toBeUndefined();
    }
    // Slowed down: each failure waited at least its growing delay.
    took.forEach((ms, i) => expect(ms).toBeGreaterThanOrEqual(failureDelayMs(i + 1) - 5));

    const limited = await t.http.post('/api/auth/login').send({ password: PASSWORD });
    expect(limited.status).toBe(429);
    expect(limited.body.message).toMatch(/too many login attempts/);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    // The bearer path is blocked too (no oracle), and a spoofed X-Forwarded-For does not escape.
    expect((await t.http.get('/api/batch').set(BEARER)).status).toBe(429);
    expect(
      (await t.http.post('/api/auth/login').set('X-Forwarded-For', '203.0.113.9').send({ password: PASSWORD })).status,
    ).toBe(429);
  });

  it('counts wrong bearer tokens as failed logins', async () => {
    for (let i = 1; i <= LOGIN_ATTEMPTS_PER_WINDOW; i++) {
      const res = await t.http.get('/api/batch').set('Authorization', `Bearer guess-${i}`);
      expect(res.status).toBe(401);
      expect(res.body.message).toBe('wrong bearer token');
    }
    expect((await t.http.get('/api/batch').set('Authorization', 'Bearer guess-6')).status).toBe(429);
  });

  it('validates the login body', async () => {
    for (const body of [
      {},
      { password: 5 },
      { password: '' },
      { password: 'x'.repeat(2000) },
      { password: PASSWORD, admin: true },
    ]) {
      const res = await t.http.post('/api/auth/login').send(body);
      expect(res.status).toBe(400);
      expect(res.body.message).toBeTruthy();
    }
  });
});

describe('auth (no ADMIN_PASSWORD, loopback)', () => {
  it('is open, and says so', async () => {
    const t = await startTestApp(await testConfig(), { source: new TestSource(), generator: new TestGenerator() });
    try {
      expect((await t.http.get('/api/auth/session')).body).toEqual({ authRequired: false, authenticated: true });
      expect((await t.http.get('/api/batch')).status).toBe(200);
      expect((await t.http.get('/admin/queues')).status).toBe(200);
      expect(Object.keys((await t.http.get('/api/health')).body)).toEqual(
        expect.arrayContaining(['status', 'database', 'redis']),
      );
    } finally {
      await cleanupRedis(t);
      await t.close();
    }
  });
});
