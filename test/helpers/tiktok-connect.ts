import type { Response } from 'supertest';
import type { FakeTikTokApi } from '../fakes/fake-tiktok-api';
import type { TestApp } from './test-app';

/**
 * The connect flow as a browser does it, without one: start (the binding cookie), TikTok's authorize page
 * (fake), and back to the app's callback carrying that cookie. Resolves with where the callback redirects.
 */
export async function connectTikTok(
  t: TestApp,
  fake: FakeTikTokApi,
  options: { decision?: 'allow' | 'deny'; scopes?: string[]; cookie?: boolean; record?: (r: Response) => void } = {},
): Promise<{ location: string; callback: string; cookie: string }> {
  const start = await t.http.post('/api/tiktok/accounts/connect');
  options.record?.(start);
  if (start.status !== 201) throw new Error(`connect answered ${start.status}: ${start.text}`);
  const setCookie = ([] as string[])
    .concat(start.headers['set-cookie'] ?? [])
    .find((c) => c.startsWith('studio_tiktok_oauth='));
  if (!setCookie) throw new Error('connect set no binding cookie');
  const callback = await fake.authorizeHeadless(start.body.authorizeUrl, options.decision ?? 'allow', options.scopes);
  const u = new URL(callback);
  let req = t.http.get(`${u.pathname}${u.search}`);
  if (options.cookie !== false) req = req.set('Cookie', setCookie.split(';')[0]);
  const res = await req;
  options.record?.(res);
  if (res.status !== 302) throw new Error(`callback answered ${res.status}: ${res.text}`);
  return {
    location: decodeURIComponent(res.headers.location),
    callback: `${u.pathname}${u.search}`,
    cookie: setCookie.split(';')[0],
  };
}
