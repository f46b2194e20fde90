import { AppConfig } from '../../config/config.schema';
import { scrub, TikTokError } from './tiktok-errors';

/** Scopes asked for: basic profile (display name) and drafts; direct posting adds video.publish. */
export const DRAFT_SCOPES = ['user.info.basic', 'video.upload'];
export const DIRECT_SCOPES = [...DRAFT_SCOPES, 'video.publish'];

/**
 * OAuth v2 token answer (`POST /v2/oauth/token/`: open_id, scope, access_token, expires_in, refresh_token,
 * refresh_expires_in, token_type).
 */
export interface TokenSet {
  openId: string;
  scopes: string[];
  accessToken: string;
  expiresInS: number;
  refreshToken: string;
  refreshExpiresInS: number;
}

/** `GET /v2/user/info/?fields=open_id,union_id,avatar_url,display_name` → data.user. */
export interface UserInfo {
  openId: string;
  displayName: string;
  avatarUrl: string | null;
}

/** `POST /v2/post/publish/creator_info/query/` → data (privacy_level_options drive DIRECT_POST). */
export interface CreatorInfo {
  nickname: string;
  username: string;
  privacyLevelOptions: string[];
  commentDisabled: boolean;
}

/** The body of `POST /v2/post/publish/content/init/` for a photo post (Content Posting API, "Photo" reference). */
export interface PhotoPostRequest {
  mode: 'draft' | 'direct';
  /** post_info.title, at most 90 UTF-16 code units for photos. */
  title: string;
  /** post_info.description, at most 4000. */
  description: string;
  /** post_info.privacy_level, DIRECT_POST only. */
  privacyLevel?: string;
  /** source_info.photo_images: public https URLs on a verified domain, JPEG/WebP, at most 35. */
  photoUrls: string[];
  /** source_info.photo_cover_index, 0-based. */
  coverIndex: number;
}

/**
 * `POST /v2/post/publish/status/fetch/` → data.status (PROCESSING_DOWNLOAD, PROCESSING_UPLOAD, SEND_TO_USER_INBOX,
 * PUBLISH_COMPLETE, FAILED) and data.fail_reason.
 */
export interface PublishStatus {
  status: string;
  failReason: string | null;
}

/** Connection failures that prove the request never left: safe to send again. */
const NOT_SENT = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'UND_ERR_CONNECT_TIMEOUT',
]);

/**
 * TikTok's Login Kit v2 and Content Posting API over plain fetch, at configurable base URLs (tests point
 * them at test/fakes/fake-tiktok-api.ts). Every failure is a TikTokError that says how far the request
 * got (`delivery`), because an init that may have arrived must never be sent again blindly. Errors that
 * come back as HTTP 200 with `error.code` ≠ "ok" are errors too. Nothing here logs, and messages are
 * scrubbed of the tokens involved.
 */
export class TikTokClient {
  private readonly cfg: AppConfig['publishing'];

  constructor(config: AppConfig) {
    this.cfg = config.publishing;
  }

  /** https://www.tiktok.com/v2/auth/authorize/ with client_key, scope (comma-separated), response_type=code, redirect_uri, state, PKCE S256. */
  authorizeUrl(state: string, codeChallenge: string): string {
    const t = this.cfg.tiktok;
    const u = new URL(t.authorizeUrl);
    u.searchParams.set('client_key', t.clientKey ?? '');
    u.searchParams.set('scope', (t.directPost ? DIRECT_SCOPES : DRAFT_SCOPES).join(','));
    u.searchParams.set('response_type', 'code');
    u.searchParams.set('redirect_uri', this.cfg.redirectUri ?? '');
    u.searchParams.set('state', state);
    u.searchParams.set('code_challenge', codeChallenge);
    u.searchParams.set('code_challenge_method', 'S256');
    return u.toString();
  }

  exchangeCode(code: string, codeVerifier: string): Promise<TokenSet> {
    return this.token(
      { code, grant_type: 'authorization_code', redirect_uri: this.cfg.redirectUri ?? '', code_verifier: codeVerifier },
      [code, codeVerifier],
    );
  }

  refresh(refreshToken: string): Promise<TokenSet> {
    return this.token({ grant_type: 'refresh_token', refresh_token: refreshToken }, [refreshToken]);
  }

  /** `POST /v2/oauth/revoke/` (client_key, client_secret, token): an empty answer on success. */
  async revoke(accessToken: string): Promise<void> {
    await this.request(
      '/v2/oauth/revoke/',
      { form: { client_key: this.key(), client_secret: this.secret(), token: accessToken } },
      [accessToken],
      'oauth',
    );
  }

  async userInfo(accessToken: string): Promise<UserInfo> {
    const data = (await this.request(
      '/v2/user/info/?fields=open_id,union_id,avatar_url,display_name',
      { bearer: accessToken },
      [accessToken],
    )) as {
      user?: { open_id?: string; display_name?: string; avatar_url?: string };
    };
    const user = data?.user;
    if (!user?.open_id) throw new TikTokError('bad_answer', 'TikTok answered user info without an open_id', 'answered');
    return {
      openId: user.open_id,
      displayName: user.display_name || 'TikTok account',
      avatarUrl: user.avatar_url || null,
    };
  }

  async creatorInfo(accessToken: string): Promise<CreatorInfo> {
    const data = (await this.request('/v2/post/publish/creator_info/query/', { bearer: accessToken, json: {} }, [
      accessToken,
    ])) as {
      creator_nickname?: string;
      creator_username?: string;
      privacy_level_options?: string[];
      comment_disabled?: boolean;
    };
    return {
      nickname: data?.creator_nickname ?? '',
      username: data?.creator_username ?? '',
      privacyLevelOptions: Array.isArray(data?.privacy_level_options) ? data.privacy_level_options : [],
      commentDisabled: !!data?.comment_disabled,
    };
  }

  /** Not idempotent on TikTok's side: the caller records its intent first and treats `delivery: 'unknown'` as such. */
  async initPhotoPost(accessToken: string, req: PhotoPostRequest): Promise<{ publishId: string }> {
    const body = {
      media_type: 'PHOTO',
      post_mode: req.mode === 'direct' ? 'DIRECT_POST' : 'MEDIA_UPLOAD',
      post_info: {
        title: req.title,
        description: req.description,
        ...(req.mode === 'direct'
          ? { privacy_level: req.privacyLevel, disable_comment: false, auto_add_music: true }
          : {}),
      },
      source_info: { source: 'PULL_FROM_URL', photo_images: req.photoUrls, photo_cover_index: req.coverIndex },
    };
    const data = (await this.request('/v2/post/publish/content/init/', { bearer: accessToken, json: body }, [
      accessToken,
    ])) as { publish_id?: string };
    // An "ok" without a publish_id: TikTok may have made the post, we cannot follow it.
    if (!data?.publish_id)
      throw new TikTokError('bad_answer', 'TikTok accepted the post but sent no publish_id', 'unknown');
    return { publishId: data.publish_id };
  }

  async fetchStatus(accessToken: string, publishId: string): Promise<PublishStatus> {
    const data = (await this.request(
      '/v2/post/publish/status/fetch/',
      { bearer: accessToken, json: { publish_id: publishId } },
      [accessToken],
    )) as {
      status?: string;
      fail_reason?: string;
    };
    if (!data?.status) throw new TikTokError('bad_answer', 'TikTok answered the status without one', 'answered');
    return { status: data.status, failReason: data.fail_reason || null };
  }

  private async token(params: Record<string, string>, secrets: string[]): Promise<TokenSet> {
    const body = (await this.request(
      '/v2/oauth/token/',
      { form: { client_key: this.key(), client_secret: this.secret(), ...params } },
      secrets,
      'oauth',
    )) as Record<string, unknown>;
    const str = (k: string) => (typeof body[k] === 'string' ? (body[k] as string) : '');
    if (!str('access_token') || !str('refresh_token') || !str('open_id')) {
      throw new TikTokError(
        'bad_answer',
        'TikTok answered the token request without access_token, refresh_token or open_id',
        'answered',
      );
    }
    return {
      openId: str('open_id'),
      scopes: str('scope').split(/[ ,]+/).filter(Boolean),
      accessToken: str('access_token'),
      expiresInS: Number(body.expires_in) || 86_400,
      refreshToken: str('refresh_token'),
      refreshExpiresInS: Number(body.refresh_expires_in) || 365 * 86_400,
    };
  }

  private key(): string {
    if (!this.cfg.tiktok.clientKey) throw new TikTokError('not_configured', 'TIKTOK_CLIENT_KEY is not set', 'not_sent');
    return this.cfg.tiktok.clientKey;
  }

  private secret(): string {
    if (!this.cfg.tiktok.clientSecret)
      throw new TikTokError('not_configured', 'TIKTOK_CLIENT_SECRET is not set', 'not_sent');
    return this.cfg.tiktok.clientSecret;
  }

  /**
   * One call. API v2 answers `{data, error: {code, message, log_id}}`; OAuth answers flat fields or
   * `{error, error_description, log_id}`. Either error form counts whatever the HTTP status.
   */
  private async request(
    path: string,
    opts: { bearer?: string; json?: unknown; form?: Record<string, string> },
    secrets: string[],
    shape: 'api' | 'oauth' = 'api',
  ): Promise<unknown> {
    const all = [...secrets, this.cfg.tiktok.clientSecret, opts.bearer];
    const headers: Record<string, string> = { 'cache-control': 'no-cache' };
    let body: string | undefined;
    if (opts.bearer) headers.authorization = `Bearer ${opts.bearer}`;
    if (opts.form) {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      body = new URLSearchParams(opts.form).toString();
    } else if (opts.json !== undefined) {
      headers['content-type'] = 'application/json; charset=UTF-8';
      body = JSON.stringify(opts.json);
    }
    let res: Response;
    try {
      res = await fetch(`${this.cfg.tiktok.apiBaseUrl}${path}`, {
        method: opts.json !== undefined || opts.form ? 'POST' : 'GET',
        headers,
        body,
        signal: AbortSignal.timeout(this.cfg.tiktok.httpTimeoutMs),
        redirect: 'error',
      });
    } catch (e) {
      const err = e as Error & { cause?: { code?: string } };
      const code = err.cause?.code ?? err.name;
      const delivery = code && NOT_SENT.has(code) ? 'not_sent' : 'unknown';
      throw new TikTokError(
        'network',
        scrub(
          `TikTok did not answer (${code}: ${err.cause ? String((err.cause as Error).message ?? '') : err.message})`,
          all,
        ),
        delivery,
      );
    }
    const text = await res.text().catch(() => '');
    let parsed: Record<string, unknown> | undefined;
    try {
      parsed = text ? (JSON.parse(text) as Record<string, unknown>) : {};
    } catch {
      parsed = undefined;
    }
    const fail = (code: string, message: string, logId?: unknown) =>
      new TikTokError(code, scrub(message, all), 'answered', res.status, typeof logId === 'string' ? logId : undefined);
    if (!parsed) throw fail(`http_${res.status}`, `TikTok answered HTTP ${res.status} with a body that is not JSON`);
    const error = parsed.error;
    if (shape === 'oauth' && typeof error === 'string' && error) {
      throw fail(error, `${error}: ${String(parsed.error_description ?? '')}`.replace(/: $/, ''), parsed.log_id);
    }
    if (error && typeof error === 'object') {
      const { code, message, log_id } = error as { code?: unknown; message?: unknown; log_id?: unknown };
      if (typeof code === 'string' && code && code !== 'ok')
        throw fail(code, typeof message === 'string' && message ? message : code, log_id);
    }
    if (!res.ok) throw fail(`http_${res.status}`, `TikTok answered HTTP ${res.status}`);
    return shape === 'oauth' ? parsed : parsed.data;
  }
}
