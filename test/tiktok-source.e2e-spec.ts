import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import sharp from 'sharp';
import request from 'supertest';
import { PermanentError, TransientError } from '../src/common/errors';
import { RedisModule } from '../src/common/redis.module';
import { AppConfigModule } from '../src/config/config.module';
import type { AppConfig } from '../src/config/config.schema';
import { PreviewController } from '../src/links/preview.controller';
import { MachineSpeed } from '../src/generation/machine-speed';
import { SourceTextService } from '../src/generation/text-reader/source-text.service';
import { SLIDESHOW_SOURCE, SlideshowSource } from '../src/pipeline/slideshow';
import { SafeFetcher } from '../src/links/tiktok/safe-fetch';
import { createSlideshowSource } from '../src/links/tiktok/source.factory';
import { TikTokSource } from '../src/links/tiktok/tiktok-source';
import { FakeTikTok } from './fakes/fake-tiktok';
import { testConfig } from './helpers/test-config';

/** Everything goes through the real fetch path (undici, DNS checks, redirects) against the loopback fake. */

let fake: FakeTikTok;
let config: AppConfig;
let source: SlideshowSource;
let seq = 7400000000000000000n;
const nextId = () => String(++seq);

async function failure(p: Promise<unknown>): Promise<PermanentError | TransientError> {
  try {
    await p;
  } catch (e) {
    return e as PermanentError | TransientError;
  }
  throw new Error('expected the fetch to fail');
}

beforeAll(async () => {
  fake = await FakeTikTok.start();
  config = await testConfig({ TIKTOK_BASE_URL: fake.baseUrl, SOURCE_TIMEOUT_MS: '1500' });
  source = createSlideshowSource(config);
});
afterEach(() => fake.reset());
afterAll(() => fake.close());

describe('TikTokSource against the fake TikTok', () => {
  it('fetches a photo post: slides in order with real sizes, MP3 audio, caption, author; files in the cache', async () => {
    const id = nextId();
    const url = fake.addPost({ id, user: 'glowgirl', slides: 5, desc: 'my <3 routine' });
    const s = await source.fetch(url);
    expect(s).toMatchObject({ postId: id, author: 'glowgirl', caption: 'my <3 routine', source: 'tiktok' });
    expect(s.url).toBe(`https://www.tiktok.com/@glowgirl/photo/${id}`);
    expect(s.slides.map((x) => x.index)).toEqual([0, 1, 2, 3, 4]);
    const dir = path.join(config.dataDir, 'cache', 'tiktok', id);
    expect(s.slides.map((x) => x.path)).toEqual([1, 2, 3, 4, 5].map((n) => path.join(dir, `slide_0${n}.jpg`)));
    for (const slide of s.slides) {
      expect(slide).toMatchObject({ width: 1080, height: 1440 });
      expect((await sharp(slide.path).metadata()).format).toBe('jpeg');
    }
    // Each slide is its own image, in order (the fake gives each a different colour).
    const colours = await Promise.all(s.slides.map(async (x) => (await sharp(x.path).stats()).dominant));
    expect(new Set(colours.map((c) => JSON.stringify(c))).size).toBe(5);
    expect(s.audio).toMatchObject({ path: path.join(dir, 'audio.mp3'), mime: 'audio/mpeg' });
    expect(JSON.parse(await fs.readFile(path.join(dir, 'meta.json'), 'utf8'))).toMatchObject({
      postId: id,
      source: 'tiktok',
    });
  });

  it('keeps an M4A served from a .mp3 URL as audio.m4a (format from the bytes)', async () => {
    const id = nextId();
    const s = await source.fetch(fake.addPost({ id, audio: 'm4a' }));
    expect(path.basename(s.audio!.path)).toBe('audio.m4a');
    expect(s.audio!.mime).toBe('audio/mp4');
  });

  it('a post without music has no audio', async () => {
    const s = await source.fetch(fake.addPost({ id: nextId(), audio: false }));
    expect(s.audio).toBeUndefined();
  });

  it('moves to the next urlList entry when the first signature has expired (403)', async () => {
    const id = nextId();
    const s = await source.fetch(fake.addPost({ id, slides: 3, expiredFirstUrl: true }));
    expect(s.slides).toHaveLength(3);
    const cdn = fake.requests.filter((r) => r.path.startsWith(`/cdn/${id}/`) && r.path.includes('.jpeg'));
    expect(cdn.filter((r) => r.path.includes('mirror=0'))).toHaveLength(3);
    expect(cdn.filter((r) => r.path.includes('mirror=1'))).toHaveLength(3);
  });

  it('retries a /photo/ URL under /video/ when the photo page has no detail', async () => {
    const id = nextId();
    const s = await source.fetch(fake.addPost({ id, onlyUnderVideo: true }));
    expect(s.slides).toHaveLength(4);
    expect(fake.requests.filter((r) => r.path.includes(`/photo/${id}`))).toHaveLength(1);
    expect(fake.requests.filter((r) => r.path.includes(`/video/${id}`))).toHaveLength(1);
  });

  it.each([
    ['video', PermanentError, 'not_slideshow'],
    ['private', PermanentError, 'private'],
    ['deleted', PermanentError, 'not_found'],
    ['region', PermanentError, 'region_locked'],
    ['challenge', TransientError, 'challenge'],
  ] as const)('classifies a %s post', async (kind, type, code) => {
    const id = nextId();
    const e = await failure(source.fetch(fake.addPost({ id, kind })));
    expect(e).toBeInstanceOf(type);
    expect(e.code).toBe(code);
    expect(fake.requests.some((r) => r.path.startsWith('/cdn/'))).toBe(false);
  });

  it('says "this post is a video" for a video post', async () => {
    const e = await failure(source.fetch(fake.addPost({ id: nextId(), kind: 'video' })));
    expect(e.message).toBe('not a slideshow (this post is a video)');
  });

  it('an id that was never posted is not found (after trying /photo/ and /video/)', async () => {
    const id = nextId();
    const e = await failure(source.fetch(`https://www.tiktok.com/@nobody/photo/${id}`));
    expect(e).toBeInstanceOf(PermanentError);
    expect(e.code).toBe('not_found');
    expect(fake.requestsFor(id)).toBe(2);
  });

  it('a 429 page is transient and carries Retry-After', async () => {
    const e = (await failure(source.fetch(fake.addPost({ id: nextId(), kind: 'ratelimited' })))) as TransientError;
    expect(e).toBeInstanceOf(TransientError);
    expect(e.code).toBe('rate_limited');
    expect(e.retryAfterMs).toBe(7000);
  });

  it('a page slower than SOURCE_TIMEOUT_MS is a transient timeout', async () => {
    const e = await failure(source.fetch(fake.addPost({ id: nextId(), kind: 'slow' })));
    expect(e).toBeInstanceOf(TransientError);
    expect(e.code).toBe('timeout');
  });

  it('fewer slides than SOURCE_MIN_SLIDES is permanent, and nothing is downloaded', async () => {
    const id = nextId();
    const e = await failure(source.fetch(fake.addPost({ id, slides: 1 })));
    expect(e).toBeInstanceOf(PermanentError);
    expect(e.code).toBe('too_few_slides');
    expect(fake.requests.some((r) => r.path.startsWith('/cdn/'))).toBe(false);
  });

  it('rejects images under 100 px', async () => {
    const e = await failure(source.fetch(fake.addPost({ id: nextId(), width: 80, height: 120 })));
    expect(e).toBeInstanceOf(PermanentError);
    expect(e.code).toBe('image_too_small');
  });

  it('never downloads slide URLs outside the allowed hosts, whatever the page says', async () => {
    const id = nextId();
    const e = await failure(source.fetch(fake.addPost({ id, cdnBaseUrl: 'http://169.254.169.254' })));
    expect(e).toBeInstanceOf(PermanentError);
    expect(e.code).toBe('host_not_allowed');
  });

  it('second fetch of the same post is a cache hit: the fake sees one page request, no new request at all', async () => {
    const id = nextId();
    const url = fake.addPost({ id });
    const first = await source.fetch(url);
    const seen = fake.requests.length;
    const second = await source.fetch(url.replace('/photo/', '/video/'));
    expect(fake.requestsFor(id)).toBe(1);
    expect(fake.requests.length).toBe(seen);
    expect(second.source).toBe('cache');
    expect(second.slides).toEqual(first.slides);
    expect(second.audio).toEqual(first.audio);
  });

  it('a cache older than SOURCE_CACHE_TTL_S is fetched again', async () => {
    const cfg = await testConfig({ TIKTOK_BASE_URL: fake.baseUrl, SOURCE_CACHE_TTL_S: '0' });
    const id = nextId();
    const url = fake.addPost({ id });
    const src = new TikTokSource(cfg);
    await src.fetch(url);
    await src.fetch(url);
    expect(fake.requestsFor(id)).toBe(2);
  });
});

describe('short links and redirects', () => {
  it('resolves vm.tiktok.com/<code>/ to the post, then serves it from the cache without any request', async () => {
    const id = nextId();
    const short = fake.addShortLink('ZSabc12', fake.addPost({ id, user: 'shorty' }));
    const s = await source.fetch(short);
    expect(s).toMatchObject({ postId: id, author: 'shorty', source: 'tiktok' });
    const seen = fake.requests.length;
    expect((await source.fetch(short)).source).toBe('cache');
    expect(fake.requests.length).toBe(seen);
  });

  it('also resolves www.tiktok.com/t/<code>/', async () => {
    const id = nextId();
    fake.addShortLink('ZTdef34', fake.addPost({ id }));
    expect((await source.fetch('https://www.tiktok.com/t/ZTdef34/')).postId).toBe(id);
  });

  it('a short link that lands on the bare home page is "not found"', async () => {
    const e = await failure(source.fetch(fake.addShortLink('ZHome01', 'home')));
    expect(e).toBeInstanceOf(PermanentError);
    expect(e.code).toBe('not_found');
  });

  it('refuses a redirect to a host outside the allowed list', async () => {
    for (const [code, target] of [
      ['ZMeta01', 'http://169.254.169.254/latest/meta-data/'],
      ['ZEvil01', 'https://evil.example.com/steal'],
    ]) {
      const e = await failure(source.fetch(fake.addShortLink(code, target)));
      expect(e).toBeInstanceOf(PermanentError);
      expect(e.code).toBe('host_not_allowed');
    }
  });

  it('refuses a redirect to an allowed name that is (or resolves to) a private address', async () => {
    const cfg = await testConfig({
      TIKTOK_BASE_URL: fake.baseUrl,
      SOURCE_ALLOWED_HOSTS: 'www.tiktok.com,localhost,10.1.2.3',
    });
    const src = createSlideshowSource(cfg);
    const port = new URL(fake.baseUrl).port;
    for (const [code, target] of [
      ['ZPriv01', `https://localhost:${port}/@x/photo/${nextId()}x`],
      ['ZPriv02', 'https://10.1.2.3/internal'],
    ]) {
      const e = await failure(src.fetch(fake.addShortLink(code, target)));
      expect(e).toBeInstanceOf(PermanentError);
      expect(e.code).toBe('address_not_allowed');
    }
  });

  it('stops after 5 redirects', async () => {
    const e = await failure(source.fetch(fake.addShortLink('ZLoop01', `${fake.baseUrl}/t/ZLoop01/`)));
    expect(e.code).toBe('too_many_redirects');
    expect(fake.requests.filter((r) => r.path.startsWith('/t/ZLoop01/'))).toHaveLength(6);
  });
});

describe('size cap', () => {
  it('aborts a page past SOURCE_MAX_BYTES (streamed count, no Content-Length)', async () => {
    const cfg = await testConfig({ TIKTOK_BASE_URL: fake.baseUrl, SOURCE_MAX_BYTES: String(1024 * 1024) });
    const e = await failure(new TikTokSource(cfg).fetch(fake.addPost({ id: nextId(), kind: 'oversized' })));
    expect(e).toBeInstanceOf(PermanentError);
    expect(e.code).toBe('too_large');
  });

  it('refuses a declared oversized body and a streamed one', async () => {
    const cfg = await testConfig({ TIKTOK_BASE_URL: fake.baseUrl, SOURCE_MAX_BYTES: String(1024 * 1024) });
    const fetcher = new SafeFetcher(cfg.source);
    try {
      for (const q of ['', '?declared=1']) {
        const e = await failure(fetcher.get(`${fake.baseUrl}/_oversized${q}`));
        expect(e.code).toBe('too_large');
      }
      expect((await fetcher.get(`${fake.baseUrl}/`)).status).toBe(200);
    } finally {
      await fetcher.close();
    }
  });
});

describe('tikwm fallback', () => {
  let withTikwm: SlideshowSource;
  beforeAll(async () => {
    const cfg = await testConfig({
      TIKTOK_BASE_URL: fake.baseUrl,
      TIKWM_BASE_URL: fake.baseUrl,
      SOURCE_TIMEOUT_MS: '1500',
    });
    withTikwm = createSlideshowSource(cfg);
  });

  it('is used when TikTok answers with a challenge page', async () => {
    const id = nextId();
    const s = await withTikwm.fetch(fake.addPost({ id, kind: 'challenge', slides: 3, audio: 'm4a' }));
    expect(s).toMatchObject({ postId: id, source: 'tikwm', slides: expect.any(Array) });
    expect(s.slides).toHaveLength(3);
    expect(s.audio?.mime).toBe('audio/mp4');
    expect(fake.requests.filter((r) => r.path.startsWith('/api/'))).toHaveLength(1);
  });

  it('is not asked when TikTok gave a final answer (private)', async () => {
    const e = await failure(withTikwm.fetch(fake.addPost({ id: nextId(), kind: 'private' })));
    expect(e.code).toBe('private');
    expect(fake.requests.some((r) => r.path.startsWith('/api/'))).toBe(false);
  });

  it('a video answer from tikwm is final too', async () => {
    const cfg = await testConfig({
      TIKTOK_BASE_URL: fake.baseUrl,
      TIKWM_BASE_URL: fake.baseUrl,
      SOURCE_TIMEOUT_MS: '1500',
    });
    const { TikwmSource } = await import('../src/links/tiktok/tikwm-source');
    const e = await failure(new TikwmSource(cfg).fetch(fake.addPost({ id: nextId(), kind: 'video' })));
    expect(e.code).toBe('not_slideshow');
  });
});

describe('POST /api/links/preview', () => {
  let app: INestApplication;
  beforeAll(async () => {
    const moduleRef = await Test.createTestingModule({
      // The reader records its work's CPU for the estimate (MachineSpeed, in Redis), as in the app.
      imports: [AppConfigModule.forRoot(config), RedisModule],
      controllers: [PreviewController],
      providers: [{ provide: SLIDESHOW_SOURCE, useValue: source }, SourceTextService, MachineSpeed],
    }).compile();
    app = moduleRef.createNestApplication({ logger: false });
    await app.init();
  });
  afterAll(() => app.close());

  it('answers slide count, caption and thumbnails that serve the cached slides', async () => {
    const id = nextId();
    const url = fake.addPost({ id, slides: 3, desc: 'preview me' });
    const res = await request(app.getHttpServer()).post('/api/links/preview').send({ url }).expect(200);
    expect(res.body).toMatchObject({ postId: id, caption: 'preview me', slideCount: 3, hasAudio: true });
    expect(res.body.thumbnails).toEqual([0, 1, 2].map((n) => `/api/links/preview/${id}/slides/${n}`));
    const img = await request(app.getHttpServer()).get(res.body.thumbnails[1]).buffer(true).expect(200);
    expect(img.headers['content-type']).toBe('image/jpeg');
    expect((await sharp(img.body as Buffer).metadata()).width).toBe(1080);
  });

  it('answers a classified 422 for a private post and 400 for a non-TikTok link, never 500', async () => {
    const priv = await request(app.getHttpServer())
      .post('/api/links/preview')
      .send({ url: fake.addPost({ id: nextId(), kind: 'private' }) });
    expect(priv.status).toBe(422);
    expect(priv.body).toMatchObject({ code: 'private', retryable: false });
    const bad = await request(app.getHttpServer()).post('/api/links/preview').send({ url: 'https://example.com/x' });
    expect(bad.status).toBe(400);
    expect((await request(app.getHttpServer()).post('/api/links/preview').send({})).status).toBe(400);
    const challenge = await request(app.getHttpServer())
      .post('/api/links/preview')
      .send({ url: fake.addPost({ id: nextId(), kind: 'challenge' }) });
    expect(challenge.status).toBe(424);
    expect(challenge.body).toMatchObject({ code: 'challenge', retryable: true });
  });

  it('validates the thumbnail route parameters and never reads outside the cache', async () => {
    const server = app.getHttpServer();
    await request(server).get('/api/links/preview/..%2F..%2Fetc/slides/0').expect(400);
    await request(server).get('/api/links/preview/123/slides/abc').expect(400);
    await request(server).get(`/api/links/preview/${nextId()}/slides/0`).expect(404);
  });
});
