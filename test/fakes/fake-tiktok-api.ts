import { createHash, randomBytes } from 'node:crypto';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { FakeCall, FakeContentPosting, FakePublish } from './fake-tiktok-posting';

export type { FakeCall, FakePublish, PublishState } from './fake-tiktok-posting';

/**
 * A loopback TikTok for Developers: Login Kit v2 (an authorize page a browser can click through,
 * `POST /v2/oauth/token/` for authorization_code with PKCE and for refresh_token with rotation,
 * `POST /v2/oauth/revoke/`), `GET /v2/user/info/`, and the Content Posting API for photos
 * (`POST /v2/post/publish/creator_info/query/` here; init, status fetch, the photo pulls and the limits in
 * fake-tiktok-posting.ts). Like TikTok it pulls every photo URL itself (PULL_FROM_URL), checks the URL prefix
 * is verified and the image is a JPEG/WebP no larger than 1080p, and enforces the limits: `initLimit` inits and
 * `statusLimit` status fetches per user per `windowMs`, and `maxPending` drafts waiting in a user's inbox.
 * Every request that breaks a limit is refused the way TikTok refuses it and counted in `violations`, so a
 * spec can assert the app never tried. API errors come as `{data, error: {code, message, log_id}}`, OAuth
 * errors as `{error, error_description, log_id}` with HTTP 200, and `spam_risk_too_many_pending_share` with
 * HTTP 200 too (TikTok answers some errors so).
 */

export interface FakeTikTokUser {
  openId: string;
  displayName: string;
  avatarUrl?: string;
  privacyLevelOptions?: string[];
}

export interface FakeTikTokApiOptions {
  clientKey: string;
  clientSecret: string;
  accessTtlS: number;
  refreshTtlS: number;
  windowMs: number;
  initLimit: number;
  statusLimit: number;
  maxPending: number;
  /** URL prefixes verified in the developer portal (PULL_FROM_URL ownership). */
  verifiedPrefixes: string[];
  /** Held before an accepted init answers (the post exists already: a worker killed meanwhile never hears of it). */
  initDelayMs: number;
  /** Held before each photo pull. */
  pullDelayMs: number;
  /** Drafts in an inbox are posted by their user this long after they arrive (undefined: never by themselves). */
  autoPostAfterMs?: number;
}

type Route = 'authorize' | 'decide' | 'token' | 'revoke' | 'user' | 'creator' | 'init' | 'status';

interface Fault {
  route: Route;
  code: string;
  httpStatus: number;
  left: number;
  /** `hang`: never answer (a timeout); `drop`: close the connection after reading the request. */
  kind: 'answer' | 'hang' | 'drop';
}

const DEFAULTS: FakeTikTokApiOptions = {
  clientKey: 'fake-client-key',
  clientSecret: 'fake-client-secret-0123456789',
  accessTtlS: 86_400,
  refreshTtlS: 365 * 86_400,
  windowMs: 60_000,
  initLimit: 6,
  statusLimit: 30,
  maxPending: 5,
  verifiedPrefixes: [],
  initDelayMs: 0,
  pullDelayMs: 0,
};

const KNOWN_SCOPES = new Set(['user.info.basic', 'user.info.profile', 'video.upload', 'video.publish', 'video.list']);

export class FakeTikTokApi {
  baseUrl = '';
  opts: FakeTikTokApiOptions = { ...DEFAULTS };
  /** The redirect URI registered in the fake app (any http(s) URI when unset). */
  redirectUri?: string;
  readonly users = new Map<string, FakeTikTokUser>();
  /** Who is logged in on the fake authorize page. */
  currentUser = 'open-id-alice';
  readonly tokenCalls: { at: number; grantType: string; code: string }[] = [];
  readonly revoked: string[] = [];
  /** Every access and refresh token ever issued (specs look for them where they must never be). */
  readonly issued: string[] = [];

  private codes = new Map<
    string,
    { openId: string; scopes: string[]; redirectUri: string; challenge?: string; expiresAt: number; used: boolean }
  >();
  private tokens = new Map<string, { openId: string; scopes: string[]; expiresAt: number; revoked: boolean }>();
  private refreshTokens = new Map<string, { openId: string; scopes: string[]; expiresAt: number; revoked: boolean }>();
  private faults: Fault[] = [];
  private timers = new Set<NodeJS.Timeout>();
  private seq = 0;
  private readonly server = http.createServer((req, res) => {
    this.handle(req, res).catch((e: Error) =>
      this.json(res, 500, { data: {}, error: { code: 'internal_error', message: e.message, log_id: this.logId() } }),
    );
  });

  /** Publishes, inits, status fetches, pulls and the limits (fake-tiktok-posting.ts). */
  readonly posting = new FakeContentPosting(this);

  static async start(options: Partial<FakeTikTokApiOptions> = {}): Promise<FakeTikTokApi> {
    const fake = new FakeTikTokApi();
    fake.opts = { ...DEFAULTS, ...options };
    fake.addUser({ openId: 'open-id-alice', displayName: 'Alice Glow' });
    await new Promise<void>((resolve) => fake.server.listen(0, '127.0.0.1', resolve));
    fake.baseUrl = `http://127.0.0.1:${(fake.server.address() as AddressInfo).port}`;
    return fake;
  }

  get authorizeUrl(): string {
    return `${this.baseUrl}/v2/auth/authorize/`;
  }

  /** The env that points the app at this fake (client credentials, base URLs, the limits' window). */
  appEnv(): Record<string, string> {
    return {
      TIKTOK_CLIENT_KEY: this.opts.clientKey,
      TIKTOK_CLIENT_SECRET: this.opts.clientSecret,
      TIKTOK_API_BASE_URL: this.baseUrl,
      TIKTOK_AUTHORIZE_URL: this.authorizeUrl,
      TIKTOK_RATE_WINDOW_MS: String(this.opts.windowMs),
      TIKTOK_INIT_LIMIT: String(this.opts.initLimit),
      TIKTOK_STATUS_LIMIT: String(this.opts.statusLimit),
      TIKTOK_MAX_PENDING: String(this.opts.maxPending),
    };
  }

  addUser(user: FakeTikTokUser): void {
    // A data: URL stands in for TikTok's CDN, so a browser shows it without a network (and within the app's CSP).
    const avatar = `data:image/svg+xml,${encodeURIComponent('<svg xmlns="http://www.w3.org/2000/svg" width="64" height="64"><circle cx="32" cy="32" r="32" fill="#fe2c55"/></svg>')}`;
    this.users.set(user.openId, { avatarUrl: avatar, ...user });
  }

  /** The next `times` requests on `route` fail with `code` (HTTP `httpStatus`), hang, or lose the connection. */
  failNext(
    route: Route,
    code: string,
    options: { httpStatus?: number; times?: number; kind?: Fault['kind'] } = {},
  ): void {
    this.faults.push({
      route,
      code,
      httpStatus: options.httpStatus ?? 400,
      left: options.times ?? 1,
      kind: options.kind ?? 'answer',
    });
  }

  get publishes(): Map<string, FakePublish> {
    return this.posting.publishes;
  }
  get inits(): FakeCall[] {
    return this.posting.inits;
  }
  get statusCalls(): FakeCall[] {
    return this.posting.statusCalls;
  }
  get pulls(): FakeContentPosting['pulls'] {
    return this.posting.pulls;
  }
  get violations(): FakeContentPosting['violations'] {
    return this.posting.violations;
  }
  get maxPendingSeen(): number {
    return this.posting.maxPendingSeen;
  }
  pendingFor(openId: string): number {
    return this.posting.pendingFor(openId);
  }
  userPostsDrafts(openId = this.currentUser, n = Infinity): number {
    return this.posting.userPostsDrafts(openId, n);
  }
  addOutsideDrafts(openId: string, n: number): void {
    this.posting.addOutsideDrafts(openId, n);
  }
  maxInitsInWindow(openId?: string): number {
    return this.posting.maxInitsInWindow(openId);
  }
  acceptedPublishes(): FakePublish[] {
    return this.posting.acceptedPublishes();
  }
  inFlightInits(): number {
    return this.posting.inFlightInits();
  }

  /** The user removes the app in TikTok's settings: every token of theirs stops working, refresh tokens too. */
  userRemovesApp(openId = this.currentUser): void {
    for (const v of [...this.tokens.values(), ...this.refreshTokens.values()])
      if (v.openId === openId) v.revoked = true;
  }

  /**
   * A browser's visit to the authorize page, decided without a browser: returns the redirect TikTok would
   * send the browser to (the app's callback with code and state, or with error=access_denied).
   */
  async authorizeHeadless(
    authorizeUrl: string,
    decision: 'allow' | 'deny' = 'allow',
    scopes?: string[],
  ): Promise<string> {
    const page = await fetch(authorizeUrl);
    if (page.status !== 200) throw new Error(`authorize page answered ${page.status}: ${await page.text()}`);
    const u = new URL(authorizeUrl);
    const form = new URLSearchParams();
    for (const k of ['client_key', 'redirect_uri', 'state', 'code_challenge', 'code_challenge_method'])
      form.set(k, u.searchParams.get(k) ?? '');
    for (const s of scopes ?? (u.searchParams.get('scope') ?? '').split(',')) form.append('scope', s);
    form.set('decision', decision);
    const res = await fetch(`${this.baseUrl}/v2/auth/authorize/decide`, {
      method: 'POST',
      body: form,
      redirect: 'manual',
    });
    const location = res.headers.get('location');
    if (res.status !== 302 || !location)
      throw new Error(`authorize decision answered ${res.status}: ${await res.text()}`);
    return location;
  }

  reset(options: Partial<FakeTikTokApiOptions> = {}): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    this.opts = { ...DEFAULTS, ...options };
    this.redirectUri = undefined;
    this.users.clear();
    this.addUser({ openId: 'open-id-alice', displayName: 'Alice Glow' });
    this.currentUser = 'open-id-alice';
    this.tokenCalls.length = 0;
    this.revoked.length = 0;
    this.issued.length = 0;
    this.posting.reset();
    this.codes.clear();
    this.tokens.clear();
    this.refreshTokens.clear();
    this.faults = [];
  }

  async close(): Promise<void> {
    for (const t of this.timers) clearTimeout(t);
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  // Helpers, also used by the Content Posting half (fake-tiktok-posting.ts).

  logId(): string {
    return `2026${String(++this.seq).padStart(8, '0')}FAKE`;
  }

  later(ms: number, fn: () => void | Promise<void>): void {
    const t = setTimeout(() => {
      this.timers.delete(t);
      void Promise.resolve(fn()).catch(() => undefined);
    }, ms);
    this.timers.add(t);
  }

  json(res: http.ServerResponse, status: number, payload: unknown): void {
    if (res.headersSent || res.destroyed) return;
    res.writeHead(status, { 'content-type': 'application/json; charset=UTF-8' });
    res.end(JSON.stringify(payload));
  }

  apiError(res: http.ServerResponse, status: number, code: string, message: string): void {
    this.json(res, status, { data: {}, error: { code, message, log_id: this.logId() } });
  }

  private oauthError(res: http.ServerResponse, error: string, description: string): void {
    this.json(res, 200, { error, error_description: description, log_id: this.logId() });
  }

  private issue(openId: string, scopes: string[]) {
    const access = `act.${randomBytes(24).toString('base64url')}`;
    const refresh = `rft.${randomBytes(24).toString('base64url')}`;
    const now = Date.now();
    this.tokens.set(access, { openId, scopes, expiresAt: now + this.opts.accessTtlS * 1000, revoked: false });
    this.refreshTokens.set(refresh, { openId, scopes, expiresAt: now + this.opts.refreshTtlS * 1000, revoked: false });
    this.issued.push(access, refresh);
    return {
      access_token: access,
      expires_in: this.opts.accessTtlS,
      open_id: openId,
      refresh_expires_in: this.opts.refreshTtlS,
      refresh_token: refresh,
      scope: scopes.join(','),
      token_type: 'Bearer',
    };
  }

  /** The bearer's token record, or an answer already sent (401 access_token_invalid / scope_not_authorized). */
  authorize(req: http.IncomingMessage, res: http.ServerResponse, scope: string | string[]) {
    const m = /^Bearer (\S+)$/.exec(String(req.headers.authorization ?? ''));
    const t = m ? this.tokens.get(m[1]) : undefined;
    if (!t || t.revoked || t.expiresAt <= Date.now()) {
      this.apiError(res, 401, 'access_token_invalid', 'The access token is invalid or not found in the request.');
      return undefined;
    }
    const anyOf = ([] as string[]).concat(scope);
    if (!anyOf.some((s) => t.scopes.includes(s))) {
      this.apiError(
        res,
        401,
        'scope_not_authorized',
        `The user did not authorize the scope required for completing this request (${anyOf.join(' or ')}).`,
      );
      return undefined;
    }
    return t;
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    // A request counts when it arrives, as at TikTok: before its body is read (this fake shares a busy process).
    const arrived = Date.now();
    const url = new URL(req.url ?? '/', this.baseUrl);
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    const route: Route | undefined = (
      {
        'GET /v2/auth/authorize/': 'authorize',
        'POST /v2/auth/authorize/decide': 'decide',
        'POST /v2/oauth/token/': 'token',
        'POST /v2/oauth/revoke/': 'revoke',
        'GET /v2/user/info/': 'user',
        'POST /v2/post/publish/creator_info/query/': 'creator',
        'POST /v2/post/publish/content/init/': 'init',
        'POST /v2/post/publish/status/fetch/': 'status',
      } as Record<string, Route>
    )[`${req.method} ${url.pathname}`];
    if (!route) return this.apiError(res, 404, 'invalid_params', `no such endpoint: ${req.method} ${url.pathname}`);
    const fault = this.faults.find((f) => f.route === route && f.left > 0);
    if (fault) {
      fault.left--;
      if (fault.kind === 'hang') return; // the client times out
      if (fault.kind === 'drop') return void req.socket.destroy();
      if (route === 'token' || route === 'revoke') return this.oauthError(res, fault.code, `scripted ${fault.code}`);
      return this.apiError(res, fault.httpStatus, fault.code, `scripted ${fault.code}`);
    }
    const isForm = /^application\/x-www-form-urlencoded/i.test(String(req.headers['content-type'] ?? ''));
    const isJson = /^application\/json/i.test(String(req.headers['content-type'] ?? ''));
    switch (route) {
      case 'authorize':
        return this.authorizePage(url, res);
      case 'decide':
        return this.decide(new URLSearchParams(raw), res);
      case 'token':
        if (!isForm)
          return this.oauthError(res, 'invalid_request', 'Content-Type must be application/x-www-form-urlencoded');
        return this.token(new URLSearchParams(raw), res);
      case 'revoke': {
        const form = new URLSearchParams(raw);
        if (
          !isForm ||
          form.get('client_key') !== this.opts.clientKey ||
          form.get('client_secret') !== this.opts.clientSecret
        ) {
          return this.oauthError(res, 'invalid_client', 'Client authentication failed');
        }
        const t = this.tokens.get(form.get('token') ?? '');
        if (!t) return this.oauthError(res, 'invalid_request', 'token not found');
        // Revoking disconnects the app from the user: every token of theirs stops working.
        for (const [k, v] of [...this.tokens, ...this.refreshTokens])
          if (v.openId === t.openId) {
            v.revoked = true;
            this.revoked.push(k);
          }
        return this.json(res, 200, {});
      }
      case 'user': {
        const t = this.authorize(req, res, 'user.info.basic');
        if (!t) return;
        const fields = (url.searchParams.get('fields') ?? '').split(',').filter(Boolean);
        if (!fields.length) return this.apiError(res, 400, 'invalid_params', 'fields is required');
        const u = this.users.get(t.openId)!;
        const all: Record<string, unknown> = {
          open_id: u.openId,
          union_id: `union-${u.openId}`,
          avatar_url: u.avatarUrl,
          display_name: u.displayName,
        };
        return this.json(res, 200, {
          data: { user: Object.fromEntries(fields.filter((f) => f in all).map((f) => [f, all[f]])) },
          error: { code: 'ok', message: '', log_id: this.logId() },
        });
      }
      case 'creator': {
        const t = this.authorize(req, res, 'video.publish');
        if (!t) return;
        const u = this.users.get(t.openId)!;
        return this.json(res, 200, {
          data: {
            creator_avatar_url: u.avatarUrl,
            creator_username: u.openId.replace(/^open-id-/, ''),
            creator_nickname: u.displayName,
            privacy_level_options: u.privacyLevelOptions ?? [
              'PUBLIC_TO_EVERYONE',
              'MUTUAL_FOLLOW_FRIENDS',
              'SELF_ONLY',
            ],
            comment_disabled: false,
            duet_disabled: false,
            stitch_disabled: true,
            max_video_post_duration_sec: 600,
          },
          error: { code: 'ok', message: '', log_id: this.logId() },
        });
      }
      case 'init':
        return this.posting.init(req, res, raw, isJson, arrived);
      case 'status':
        return this.posting.status(req, res, raw, isJson, arrived);
    }
  }

  private authorizePage(url: URL, res: http.ServerResponse): void {
    const q = url.searchParams;
    const problem =
      q.get('client_key') !== this.opts.clientKey
        ? 'unknown client_key'
        : q.get('response_type') !== 'code'
          ? 'response_type must be code'
          : !/^https?:\/\//.test(q.get('redirect_uri') ?? '') ||
              (this.redirectUri && q.get('redirect_uri') !== this.redirectUri)
            ? 'redirect_uri is not registered for this app'
            : !q.get('state')
              ? 'state is required'
              : (q.get('scope') ?? '').split(',').some((s) => !KNOWN_SCOPES.has(s))
                ? 'unknown scope'
                : q.get('code_challenge') && q.get('code_challenge_method') !== 'S256'
                  ? 'code_challenge_method must be S256'
                  : undefined;
    if (problem) {
      res.writeHead(400, { 'content-type': 'text/html; charset=utf-8' });
      return void res.end(
        `<!doctype html><title>TikTok</title><h1>Something went wrong</h1><p id="problem">${problem}</p>`,
      );
    }
    const user = this.users.get(this.currentUser)!;
    const hidden = ['client_key', 'redirect_uri', 'state', 'code_challenge', 'code_challenge_method']
      .map((k) => `<input type="hidden" name="${k}" value="${escapeHtml(q.get(k) ?? '')}">`)
      .join('');
    const scopes = (q.get('scope') ?? '')
      .split(',')
      .map(
        (s) =>
          `<li><label><input type="checkbox" name="scope" value="${escapeHtml(s)}" checked> ${escapeHtml(s)}</label></li>`,
      )
      .join('');
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(
      `<!doctype html><html lang="en"><head><meta charset="utf-8"><link rel="icon" href="data:,"><title>Log in | TikTok (fake)</title></head><body>` +
        `<main><h1>Fake TikTok</h1><p>Logged in as <strong data-testid="tiktok-user">${escapeHtml(user.displayName)}</strong></p>` +
        `<p>Slideshow Studio would like to:</p><form method="post" action="/v2/auth/authorize/decide">${hidden}<ul>${scopes}</ul>` +
        `<button type="submit" name="decision" value="allow">Authorize</button> <button type="submit" name="decision" value="deny">Cancel</button></form></main></body></html>`,
    );
  }

  private decide(form: URLSearchParams, res: http.ServerResponse): void {
    const redirectUri = form.get('redirect_uri') ?? '';
    const target = new URL(redirectUri);
    target.searchParams.set('state', form.get('state') ?? '');
    if (form.get('decision') !== 'allow') {
      target.searchParams.set('error', 'access_denied');
      target.searchParams.set('error_description', 'The user denied the request');
    } else {
      const code = randomBytes(18).toString('base64url');
      const scopes = form.getAll('scope');
      this.codes.set(code, {
        openId: this.currentUser,
        scopes,
        redirectUri,
        challenge: form.get('code_challenge') || undefined,
        expiresAt: Date.now() + 600_000,
        used: false,
      });
      target.searchParams.set('code', code);
      target.searchParams.set('scopes', scopes.join(','));
    }
    res.writeHead(302, { location: target.toString() });
    res.end();
  }

  private token(form: URLSearchParams, res: http.ServerResponse): void {
    const grantType = form.get('grant_type') ?? '';
    this.tokenCalls.push({ at: Date.now(), grantType, code: '' });
    if (form.get('client_key') !== this.opts.clientKey || form.get('client_secret') !== this.opts.clientSecret) {
      return this.oauthError(res, 'invalid_client', 'Client key or secret is incorrect.');
    }
    const call = this.tokenCalls[this.tokenCalls.length - 1];
    if (grantType === 'authorization_code') {
      const c = this.codes.get(form.get('code') ?? '');
      if (!c || c.used || c.expiresAt < Date.now())
        return (
          (call.code = 'invalid_grant'),
          this.oauthError(res, 'invalid_grant', 'Authorization code is expired or was used.')
        );
      if (form.get('redirect_uri') !== c.redirectUri)
        return ((call.code = 'invalid_grant'), this.oauthError(res, 'invalid_grant', 'redirect_uri does not match.'));
      if (c.challenge) {
        const verifier = form.get('code_verifier') ?? '';
        if (createHash('sha256').update(verifier).digest('base64url') !== c.challenge) {
          return (
            (call.code = 'invalid_request'),
            this.oauthError(res, 'invalid_request', 'Code verifier or code challenge is invalid.')
          );
        }
      }
      c.used = true;
      call.code = 'ok';
      return this.json(res, 200, this.issue(c.openId, c.scopes));
    }
    if (grantType === 'refresh_token') {
      const key = form.get('refresh_token') ?? '';
      const r = this.refreshTokens.get(key);
      if (!r || r.revoked || r.expiresAt < Date.now())
        return (
          (call.code = 'invalid_grant'),
          this.oauthError(res, 'invalid_grant', 'Refresh token is invalid or expired.')
        );
      // Rotation: the refresh token just used stops working; the answer carries its successor.
      r.revoked = true;
      call.code = 'ok';
      return this.json(res, 200, this.issue(r.openId, r.scopes));
    }
    call.code = 'unsupported_grant_type';
    return this.oauthError(res, 'unsupported_grant_type', `grant_type ${grantType} is not supported`);
  }
}

function escapeHtml(s: string): string {
  return s.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string,
  );
}
