import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import sharp from 'sharp';

/**
 * A loopback stand-in for TikTok: post pages with the real structure (the
 * `__UNIVERSAL_DATA_FOR_REHYDRATION__` script, `__DEFAULT_SCOPE__["webapp.video-detail"].itemInfo.itemStruct`),
 * short-link redirects (`/t/<code>/`), a signed CDN (`/cdn/<id>/<n>.jpeg?x-expires=…&sig=…`) that answers
 * 403 once a signature has expired, audio, and a tikwm-style API at `/api/`. Point `TIKTOK_BASE_URL`
 * (and `TIKWM_BASE_URL`) at `baseUrl`.
 */

export interface FakePostOptions {
  id: string;
  user?: string;
  slides?: number;
  width?: number;
  height?: number;
  desc?: string;
  audio?: 'mp3' | 'm4a' | false;
  /**
   * Additive kinds: `oversized` (the page is several MB, for the response size cap) and `ratelimited`
   * (the page answers 429 with `Retry-After: 7`).
   */
  kind?: 'photo' | 'video' | 'private' | 'deleted' | 'region' | 'challenge' | 'slow' | 'oversized' | 'ratelimited';
  /** The first `urlList` entry of every slide carries an expired signature (the CDN answers 403). */
  expiredFirstUrl?: boolean;
  /** (additive) Like many real photo posts: the `/photo/` page has no detail, only `/video/` has it. */
  onlyUnderVideo?: boolean;
  /** (additive) Base of the image/audio URLs written into the page (default: the fake itself). */
  cdnBaseUrl?: string;
  /** (additive) Real slide images (JPEG files) served as the slides, in order; `slides` follows their count. */
  images?: string[];
}

type Post = Required<Omit<FakePostOptions, 'cdnBaseUrl' | 'images'>> & { cdnBaseUrl?: string; images?: string[] };

const PAGE_PATH_RE = /^\/@([^/]+)\/(photo|video)\/(\d+)\/?$/;
const CDN_RE = /^\/cdn\/(\d+)\/(\d+|audio)\.(jpeg|mp3)$/;
const SLOW_MS = 10_000;
const PALETTE = ['#e63946', '#2a9d8f', '#e9c46a', '#264653', '#f4a261', '#6a4c93', '#1982c4', '#8ac926'];
const imageBytes = new Map<string, Promise<Buffer>>();

export class FakeTikTok {
  readonly requests: { method: string; path: string; at: number }[] = [];
  baseUrl = '';
  private readonly posts = new Map<string, Post>();
  private readonly shortLinks = new Map<string, string>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly server = http.createServer((req, res) => this.handle(req, res));

  static async start(): Promise<FakeTikTok> {
    const fake = new FakeTikTok();
    await new Promise<void>((resolve) => fake.server.listen(0, '127.0.0.1', resolve));
    fake.baseUrl = `http://127.0.0.1:${(fake.server.address() as AddressInfo).port}`;
    return fake;
  }

  addPost(o: FakePostOptions): string {
    const post: Post = {
      user: 'fakeuser',
      slides: 4,
      width: 1080,
      height: 1440,
      desc: `Fake slideshow ${o.id} #fyp`,
      audio: 'mp3',
      kind: 'photo',
      expiredFirstUrl: false,
      onlyUnderVideo: false,
      ...o,
      ...(o.images ? { slides: o.images.length } : {}),
    };
    this.posts.set(o.id, post);
    return `https://www.tiktok.com/@${post.user}/photo/${o.id}`;
  }

  /** `target`: a post URL (www.tiktok.com URLs are served by the fake itself), any URL, or the home page. */
  addShortLink(code: string, target: string | 'home'): string {
    this.shortLinks.set(code, target);
    return `https://vm.tiktok.com/${code}/`;
  }

  requestsFor(postId: string): number {
    return this.requests.filter((r) => PAGE_PATH_RE.exec(r.path.split('?')[0])?.[3] === postId).length;
  }

  reset(): void {
    this.posts.clear();
    this.shortLinks.clear();
    this.requests.length = 0;
  }

  async close(): Promise<void> {
    this.timers.forEach((t) => clearTimeout(t));
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    this.requests.push({ method: req.method ?? 'GET', path: req.url ?? '/', at: Date.now() });
    const url = new URL(req.url ?? '/', this.baseUrl);
    const page = PAGE_PATH_RE.exec(url.pathname);
    const short = /^\/t\/([A-Za-z0-9_-]+)\/?$/.exec(url.pathname);
    const cdn = CDN_RE.exec(url.pathname);
    if (url.pathname === '/') return this.send(res, 200, 'text/html', pageHtml({ 'webapp.app-context': appContext() }));
    if (page) return this.servePage(res, page[2] as 'photo' | 'video', page[3]);
    if (short) return this.serveShortLink(res, short[1]);
    if (cdn) return void this.serveCdn(res, url, cdn[1], cdn[2]).catch(() => res.destroy());
    if (url.pathname === '/api/') return this.serveTikwm(res, url.searchParams.get('url') ?? '');
    if (url.pathname === '/_oversized') return this.streamOversized(res, url.searchParams.has('declared'));
    this.send(res, 404, 'text/plain', 'not found');
  }

  private servePage(res: http.ServerResponse, pathKind: 'photo' | 'video', id: string): void {
    const post = this.posts.get(id);
    const detail = (statusCode: number) => ({ statusCode, statusMsg: '', shareMeta: { title: '', desc: '' } });
    if (!post || post.kind === 'deleted') return this.sendPage(res, detail(10204));
    if (post.kind === 'private') return this.sendPage(res, detail(10222));
    if (post.kind === 'region') return this.sendPage(res, detail(10231));
    if (post.kind === 'challenge') return this.send(res, 200, 'text/html', CHALLENGE_HTML);
    if (post.kind === 'ratelimited') {
      res.setHeader('retry-after', '7');
      return this.send(res, 429, 'text/plain', 'Too Many Requests');
    }
    if (post.onlyUnderVideo && pathKind === 'photo') {
      return this.send(res, 200, 'text/html', pageHtml({ 'webapp.app-context': appContext() }));
    }
    const full = {
      itemInfo: { itemStruct: this.itemStruct(post) },
      shareMeta: { title: post.user, desc: post.desc },
      statusCode: 0,
      statusMsg: '',
    };
    if (post.kind === 'slow') {
      const t = setTimeout(() => {
        this.timers.delete(t);
        if (!res.destroyed) this.sendPage(res, full);
      }, SLOW_MS);
      this.timers.add(t);
      return;
    }
    if (post.kind === 'oversized') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      const pad = `<!-- ${'x'.repeat(64 * 1024)} -->`;
      for (let i = 0; i < 64; i++) res.write(pad); // ~4 MB, chunked: only a streamed count catches it
      res.end(pageHtml(universalScope(full)));
      return;
    }
    this.sendPage(res, full);
  }

  private itemStruct(post: Post): Record<string, unknown> {
    const cdn = post.cdnBaseUrl ?? this.baseUrl;
    const now = Math.floor(Date.now() / 1000);
    const signed = (path: string, mirror: number, expired: boolean) =>
      `${cdn}${path}?x-expires=${expired ? now - 3600 : now + 3600}&sig=${Buffer.from(`${path}${mirror}`).toString('base64url')}&mirror=${mirror}`;
    const music = {
      id: `7${post.id.slice(1)}`,
      title: `original sound - ${post.user}`,
      authorName: post.user,
      // TikTok labels its audio .mp3 whatever it really is; the m4a post keeps that trap.
      playUrl: post.audio ? signed(`/cdn/${post.id}/audio.mp3`, 0, false) : '',
      duration: 30,
      original: true,
    };
    const base = {
      id: post.id,
      desc: post.desc,
      createTime: String(now),
      author: { id: '6800000000000000000', uniqueId: post.user, nickname: post.user },
      music,
      stats: { diggCount: 1200, shareCount: 40, commentCount: 12, playCount: 56000 },
    };
    if (post.kind === 'video') {
      return {
        ...base,
        video: { id: post.id, playAddr: `${cdn}/cdn/${post.id}/video.mp4`, duration: 15, width: 576, height: 1024 },
      };
    }
    const images = Array.from({ length: post.slides }, (_, i) => ({
      imageURL: {
        urlList: [0, 1].map((m) => signed(`/cdn/${post.id}/${i + 1}.jpeg`, m, m === 0 && post.expiredFirstUrl)),
      },
      imageWidth: post.width,
      imageHeight: post.height,
    }));
    return {
      ...base,
      video: { id: '', duration: 0, width: post.width, height: post.height, ratio: '540p', cover: '' },
      imagePost: { images, cover: images[0], shareCover: images[0], title: '' },
    };
  }

  private serveShortLink(res: http.ServerResponse, code: string): void {
    const target = this.shortLinks.get(code) ?? 'home';
    const location =
      target === 'home' ? `${this.baseUrl}/?_r=1` : target.replace(/^https:\/\/www\.tiktok\.com(?=\/)/, this.baseUrl);
    const sep = location.includes('?') ? '&' : '?';
    res.writeHead(302, {
      location: target === 'home' ? location : `${location}${sep}_r=1&_t=fake`,
      'content-length': '0',
    });
    res.end();
  }

  private async serveCdn(res: http.ServerResponse, url: URL, id: string, what: string): Promise<void> {
    const post = this.posts.get(id);
    if (!post) return this.send(res, 404, 'text/plain', 'not found');
    const expires = Number(url.searchParams.get('x-expires'));
    if (!url.searchParams.get('sig') || !(expires > Date.now() / 1000))
      return this.send(res, 403, 'text/plain', 'Access Denied');
    if (what === 'audio') {
      if (!post.audio) return this.send(res, 404, 'text/plain', 'not found');
      return this.send(res, 200, 'audio/mpeg', post.audio === 'm4a' ? M4A_BYTES : MP3_BYTES);
    }
    const n = Number(what);
    if (n < 1 || n > post.slides) return this.send(res, 404, 'text/plain', 'not found');
    const bytes = post.images
      ? await fs.promises.readFile(post.images[n - 1])
      : await slideJpeg(post.width, post.height, n);
    this.send(res, 200, 'image/jpeg', bytes);
  }

  /** A tikwm-style API: `{code: 0, data: {id, title, images[], music, music_info, author}}` or `{code: -1, msg}`. */
  private serveTikwm(res: http.ServerResponse, postUrl: string): void {
    const short = /(?:vm\.tiktok\.com|vt\.tiktok\.com|\/t)\/([A-Za-z0-9_-]+)/.exec(postUrl);
    const resolved = short ? (this.shortLinks.get(short[1]) ?? '') : postUrl;
    const post = this.posts.get(/\/(?:photo|video)\/(\d+)/.exec(resolved)?.[1] ?? '');
    const json = (body: unknown) => this.send(res, 200, 'application/json', JSON.stringify(body));
    if (!post || post.kind === 'deleted') return json({ code: -1, msg: 'Url parsing is failed! Please check url.' });
    if (post.kind === 'private') return json({ code: -1, msg: 'This post is private' });
    if (post.kind === 'region') return json({ code: -1, msg: 'This post is not available in your region' });
    const now = Math.floor(Date.now() / 1000);
    const signed = (path: string) => `${this.baseUrl}${path}?x-expires=${now + 3600}&sig=tikwm`;
    const data = {
      id: post.id,
      title: post.desc,
      author: { unique_id: post.user, nickname: post.user },
      music: post.audio ? signed(`/cdn/${post.id}/audio.mp3`) : '',
      music_info: {
        title: `original sound - ${post.user}`,
        play: post.audio ? signed(`/cdn/${post.id}/audio.mp3`) : '',
        duration: 30,
      },
      ...(post.kind === 'video'
        ? { play: `${this.baseUrl}/cdn/${post.id}/video.mp4`, duration: 15 }
        : { images: Array.from({ length: post.slides }, (_, i) => signed(`/cdn/${post.id}/${i + 1}.jpeg`)) }),
    };
    json({ code: 0, msg: 'success', processed_time: 0.1, data });
  }

  /** 8 MB of zeros; with `declared`, Content-Length says so up front. */
  private streamOversized(res: http.ServerResponse, declared: boolean): void {
    const chunk = Buffer.alloc(64 * 1024);
    res.writeHead(200, {
      'content-type': 'application/octet-stream',
      ...(declared ? { 'content-length': String(128 * chunk.length) } : {}),
    });
    let sent = 0;
    const pump = () => {
      while (sent < 128) {
        sent++;
        if (!res.write(chunk)) return void res.once('drain', pump);
      }
      res.end();
    };
    res.on('error', () => undefined);
    pump();
  }

  private sendPage(res: http.ServerResponse, detail: unknown): void {
    this.send(res, 200, 'text/html; charset=utf-8', pageHtml(universalScope(detail)));
  }

  private send(res: http.ServerResponse, status: number, type: string, body: string | Buffer): void {
    if (res.destroyed) return;
    res.writeHead(status, { 'content-type': type, 'content-length': String(Buffer.byteLength(body)) });
    res.end(body);
  }
}

function appContext() {
  return { language: 'en', region: 'US', appId: 1233, user: {} };
}

function universalScope(detail: unknown) {
  return { 'webapp.app-context': appContext(), 'webapp.video-detail': detail };
}

/** TikTok's page: the JSON sits raw in the script, with `<` escaped so it cannot close the tag. */
function pageHtml(scope: Record<string, unknown>): string {
  const json = JSON.stringify({ __DEFAULT_SCOPE__: scope }).replace(/</g, '\\u003c');
  return `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>TikTok - Make Your Day</title></head><body><div id="app"></div><script id="__UNIVERSAL_DATA_FOR_REHYDRATION__" type="application/json">${json}</script></body></html>`;
}

const CHALLENGE_HTML =
  '<!DOCTYPE html><html><head><title>Security Check</title></head><body><div id="tiktok-verify-ele"></div>' +
  '<script src="https://sf16-website-login.neutral.ttwstatic.com/obj/tiktok_web_login_static/captcha/index.js"></script></body></html>';

/** A real JPEG per (size, slide): its own colour, a white circle and a dark square. Generated once. */
function slideJpeg(width: number, height: number, n: number): Promise<Buffer> {
  const key = `${width}x${height}:${n}`;
  let bytes = imageBytes.get(key);
  if (!bytes) {
    const r = Math.round(Math.min(width, height) / 4);
    const svg =
      `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">` +
      `<rect width="100%" height="100%" fill="${PALETTE[(n - 1) % PALETTE.length]}"/>` +
      `<circle cx="${width / 2}" cy="${height / 2}" r="${r}" fill="#ffffff"/>` +
      `<rect x="${Math.round(width * 0.08)}" y="${Math.round(height * 0.08)}" width="${r}" height="${r}" fill="#111111"/></svg>`;
    bytes = sharp(Buffer.from(svg)).jpeg({ quality: 80 }).toBuffer();
    imageBytes.set(key, bytes);
  }
  return bytes;
}

/** ID3v2 header then three MPEG-1 Layer III frame headers (0xFFFB): enough for format detection. */
const MP3_BYTES = Buffer.concat([
  Buffer.from([0x49, 0x44, 0x33, 0x04, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00]),
  ...[0, 1, 2].map(() => Buffer.concat([Buffer.from([0xff, 0xfb, 0x90, 0x64]), Buffer.alloc(413)])),
]);

/** An `ftyp` box (M4A brand) then a small `mdat` box. */
const M4A_BYTES = Buffer.concat([
  Buffer.from([0, 0, 0, 24]),
  Buffer.from('ftypM4A '),
  Buffer.from([0, 0, 2, 0]),
  Buffer.from('M4A isom'),
  Buffer.from([0, 0, 0, 16]),
  Buffer.from('mdat'),
  Buffer.alloc(8),
]);
