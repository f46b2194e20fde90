import { createHash, randomBytes } from 'node:crypto';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import sharp from 'sharp';
import { AppConfig } from '../src/config/config.schema';
import { TikTokClient } from '../src/publishing/tiktok/tiktok-client';
import { TikTokError } from '../src/publishing/tiktok/tiktok-errors';
import { FakeTikTokApi } from './fakes/fake-tiktok-api';
import { freePort } from './helpers/processes';
import { testConfig } from './helpers/test-config';

/**
 * TikTokClient against the loopback TikTok: the documented request and answer shapes of Login Kit v2 and
 * the Content Posting API, errors in the body of an HTTP 200, and how far a failed request got.
 */
describe('TikTokClient (Login Kit v2, Content Posting API)', () => {
  let fake: FakeTikTokApi;
  let images: http.Server;
  let imageBase: string;
  let config: AppConfig;
  let client: TikTokClient;

  beforeAll(async () => {
    fake = await FakeTikTokApi.start();
    const jpeg = await sharp({ create: { width: 1080, height: 1440, channels: 3, background: '#c33' } })
      .jpeg()
      .toBuffer();
    images = http.createServer((_, res) => res.writeHead(200, { 'content-type': 'image/jpeg' }).end(jpeg));
    await new Promise<void>((r) => images.listen(0, '127.0.0.1', r));
    imageBase = `http://127.0.0.1:${(images.address() as AddressInfo).port}/img/`;
  });
  afterAll(async () => {
    await fake.close();
    images.close();
  });

  async function setup(env: Record<string, string> = {}) {
    fake.reset({ verifiedPrefixes: [imageBase] });
    config = await testConfig({
      ...fake.appEnv(),
      PUBLIC_BASE_URL: 'http://127.0.0.1:3999',
      TOKEN_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
      TIKTOK_HTTP_TIMEOUT_MS: '500',
      ...env,
    });
    client = new TikTokClient(config);
  }

  /** The authorization code TikTok hands the callback after the person clicks Authorize. */
  async function code(verifier: string, scopes?: string[]): Promise<string> {
    const url = client.authorizeUrl('state-123', createHash('sha256').update(verifier).digest('base64url'));
    const back = new URL(await fake.authorizeHeadless(url, 'allow', scopes));
    expect(back.searchParams.get('state')).toBe('state-123');
    return back.searchParams.get('code')!;
  }

  it('builds the documented authorize URL (client_key, comma-separated scope, code, redirect_uri, state, PKCE S256)', async () => {
    await setup();
    const u = new URL(client.authorizeUrl('s', 'c'));
    expect(`${u.origin}${u.pathname}`).toBe(fake.authorizeUrl);
    expect(Object.fromEntries(u.searchParams)).toEqual({
      client_key: 'fake-client-key',
      scope: 'user.info.basic,video.upload',
      response_type: 'code',
      redirect_uri: 'http://127.0.0.1:3999/api/tiktok/callback',
      state: 's',
      code_challenge: 'c',
      code_challenge_method: 'S256',
    });
  });

  it('exchanges a code with its PKCE verifier, reads the user, refreshes with rotation, revokes', async () => {
    await setup();
    const verifier = randomBytes(32).toString('base64url');
    const wrong = await client.exchangeCode(await code(verifier), 'another-verifier').catch((e: TikTokError) => e);
    expect(wrong).toMatchObject({ code: 'invalid_request', delivery: 'answered', httpStatus: 200 });
    const tokens = await client.exchangeCode(await code(verifier), verifier);
    expect(tokens).toMatchObject({
      openId: 'open-id-alice',
      scopes: ['user.info.basic', 'video.upload'],
      expiresInS: 86_400,
      refreshExpiresInS: 365 * 86_400,
    });
    expect(await client.userInfo(tokens.accessToken)).toEqual({
      openId: 'open-id-alice',
      displayName: 'Alice Glow',
      avatarUrl: expect.stringMatching(/^data:image\/svg\+xml,/),
    });

    const next = await client.refresh(tokens.refreshToken);
    expect(next.refreshToken).not.toBe(tokens.refreshToken);
    // The used refresh token is dead (rotation): an error in the body of an HTTP 200.
    const reused = await client.refresh(tokens.refreshToken).catch((e: TikTokError) => e);
    expect(reused).toMatchObject({ code: 'invalid_grant', delivery: 'answered', httpStatus: 200 });
    expect((reused as Error).message).not.toContain(tokens.refreshToken);

    await client.revoke(next.accessToken);
    expect(await client.userInfo(next.accessToken).catch((e: TikTokError) => e.code)).toBe('access_token_invalid');
  });

  it('inits a photo draft exactly as documented and follows it to the inbox', async () => {
    await setup();
    const v = 'v'.repeat(43);
    const { accessToken } = await client.exchangeCode(await code(v), v);
    const { publishId } = await client.initPhotoPost(accessToken, {
      mode: 'draft',
      title: 'Glow in two weeks',
      description: 'Glow in two weeks #skincare',
      photoUrls: [`${imageBase}1.jpg`, `${imageBase}2.jpg`],
      coverIndex: 0,
    });
    expect(fake.inits[0].body).toEqual({
      media_type: 'PHOTO',
      post_mode: 'MEDIA_UPLOAD',
      post_info: { title: 'Glow in two weeks', description: 'Glow in two weeks #skincare' },
      source_info: {
        source: 'PULL_FROM_URL',
        photo_images: [`${imageBase}1.jpg`, `${imageBase}2.jpg`],
        photo_cover_index: 0,
      },
    });
    let status = await client.fetchStatus(accessToken, publishId);
    for (let i = 0; i < 50 && status.status === 'PROCESSING_DOWNLOAD'; i++) {
      await new Promise((r) => setTimeout(r, 20));
      status = await client.fetchStatus(accessToken, publishId);
    }
    expect(status).toEqual({ status: 'SEND_TO_USER_INBOX', failReason: null });
    // Scope checks at TikTok: a draft-only token cannot read creator_info (direct posting).
    expect(await client.creatorInfo(accessToken).catch((e: TikTokError) => e.code)).toBe('scope_not_authorized');
  });

  it('direct posting: creator_info gives the privacy levels; a level not offered is refused', async () => {
    await setup({ TIKTOK_DIRECT_POST: 'true' });
    expect(new URL(client.authorizeUrl('s', 'c')).searchParams.get('scope')).toBe(
      'user.info.basic,video.upload,video.publish',
    );
    fake.addUser({
      openId: 'open-id-alice',
      displayName: 'Alice Glow',
      privacyLevelOptions: ['FOLLOWER_OF_CREATOR', 'SELF_ONLY'],
    });
    const v = 'w'.repeat(43);
    const { accessToken } = await client.exchangeCode(await code(v), v);
    expect(await client.creatorInfo(accessToken)).toMatchObject({
      nickname: 'Alice Glow',
      privacyLevelOptions: ['FOLLOWER_OF_CREATOR', 'SELF_ONLY'],
    });
    const req = {
      mode: 'direct' as const,
      title: 't',
      description: 'd',
      photoUrls: [`${imageBase}1.jpg`],
      coverIndex: 0,
    };
    expect(
      await client
        .initPhotoPost(accessToken, { ...req, privacyLevel: 'PUBLIC_TO_EVERYONE' })
        .catch((e: TikTokError) => e.code),
    ).toBe('privacy_level_option_mismatch');
    await client.initPhotoPost(accessToken, { ...req, privacyLevel: 'SELF_ONLY' });
    expect(fake.inits[1].body).toMatchObject({
      post_mode: 'DIRECT_POST',
      post_info: { privacy_level: 'SELF_ONLY', disable_comment: false, auto_add_music: true },
    });
  });

  it('says how far a failed call got: refused before sending, dropped or timed out after sending, or answered', async () => {
    await setup();
    const v = 'x'.repeat(43);
    const { accessToken } = await client.exchangeCode(await code(v), v);
    const req = { mode: 'draft' as const, title: '', description: '', photoUrls: [`${imageBase}1.jpg`], coverIndex: 0 };
    fake.failNext('init', 'url_ownership_unverified', { httpStatus: 403 });
    expect(
      await client.initPhotoPost(accessToken, req).catch((e: TikTokError) => [e.code, e.delivery, e.httpStatus]),
    ).toEqual(['url_ownership_unverified', 'answered', 403]);
    fake.failNext('init', 'internal_error', { httpStatus: 200 });
    expect(await client.initPhotoPost(accessToken, req).catch((e: TikTokError) => [e.code, e.delivery])).toEqual([
      'internal_error',
      'answered',
    ]);
    fake.failNext('init', 'x', { kind: 'drop' });
    expect(await client.initPhotoPost(accessToken, req).catch((e: TikTokError) => [e.code, e.delivery])).toEqual([
      'network',
      'unknown',
    ]);
    fake.failNext('init', 'x', { kind: 'hang' });
    expect(await client.initPhotoPost(accessToken, req).catch((e: TikTokError) => [e.code, e.delivery])).toEqual([
      'network',
      'unknown',
    ]);
    const nobody = new TikTokClient(
      await testConfig({ ...fake.appEnv(), TIKTOK_API_BASE_URL: `http://127.0.0.1:${await freePort()}` }),
    );
    expect(await nobody.initPhotoPost(accessToken, req).catch((e: TikTokError) => [e.code, e.delivery])).toEqual([
      'network',
      'not_sent',
    ]);
  });
});
