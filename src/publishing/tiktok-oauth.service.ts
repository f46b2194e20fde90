import { createHash, randomBytes } from 'node:crypto';
import { ConflictException, Injectable, Logger } from '@nestjs/common';
import type Redis from 'ioredis';
import { InjectRedis } from '../common/redis.module';
import { AppConfig } from '../config/config.schema';
import { InjectConfig } from '../config/config.module';
import { TikTokAccountsService } from './tiktok-accounts.service';
import { TikTokClient } from './tiktok/tiktok-client';
import { isTikTokError } from './tiktok/tiktok-errors';

/** The cookie that ties a connect attempt to the browser that started it (sent back on TikTok's redirect). */
export const OAUTH_COOKIE = 'studio_tiktok_oauth';
export const OAUTH_TTL_MS = 10 * 60_000;

const TAKE = `local v = redis.call('GET', KEYS[1]) if v then redis.call('DEL', KEYS[1]) end return v`;
const sha = (s: string) => createHash('sha256').update(s).digest('base64url');

export interface OAuthStart {
  authorizeUrl: string;
  /** Set as OAUTH_COOKIE: HttpOnly, SameSite=Lax (sent on TikTok's top-level redirect back), scoped to the callback. */
  cookie: { value: string; maxAgeMs: number; secure: boolean; path: string };
}

export type OAuthOutcome = { ok: true; displayName: string; accountId: string } | { ok: false; message: string };

/**
 * TikTok Login Kit v2 for the web: a random `state` (single use, ten minutes, kept in Redis only as its hash)
 * bound to the starting browser by a second random value in a cookie, and PKCE (S256). The callback is the
 * one OAuth route outside the admin guard (TikTok's redirect cannot carry the SameSite=Strict session), so
 * it trusts nothing but a state it issued, presented by the browser it issued it to.
 */
@Injectable()
export class TikTokOAuthService {
  private readonly logger = new Logger(TikTokOAuthService.name);

  constructor(
    @InjectRedis() private readonly redis: Redis,
    @InjectConfig() private readonly config: AppConfig,
    private readonly client: TikTokClient,
    private readonly accounts: TikTokAccountsService,
  ) {}

  private key(state: string): string {
    return `${this.config.queuePrefix}:tiktok:oauth:${sha(state)}`;
  }

  async start(): Promise<OAuthStart> {
    const p = this.config.publishing;
    if (!p.enabled)
      throw new ConflictException(
        `Sending to TikTok is not set up: set ${p.missing.join(', ')} (README, "Sending drafts to TikTok")`,
      );
    const state = randomBytes(32).toString('base64url');
    const verifier = randomBytes(48).toString('base64url');
    const browser = randomBytes(32).toString('base64url');
    await this.redis.set(this.key(state), JSON.stringify({ verifier, browser: sha(browser) }), 'PX', OAUTH_TTL_MS);
    return {
      authorizeUrl: this.client.authorizeUrl(state, sha(verifier)),
      cookie: {
        value: browser,
        maxAgeMs: OAUTH_TTL_MS,
        secure: p.publicBaseUrl?.startsWith('https:') ?? false,
        path: '/api/tiktok/callback',
      },
    };
  }

  /**
   * Handles TikTok's redirect: `code`+`state`, or `error`+`state` when the person declined. Never throws: the
   * browser always lands on Accounts.
   */
  async callback(query: Record<string, unknown>, browserCookie: string | undefined): Promise<OAuthOutcome> {
    try {
      return await this.finish(query, browserCookie);
    } catch (e) {
      this.logger.error(`tiktok oauth callback: ${(e as Error).message}`);
      return {
        ok: false,
        message: 'Connecting the TikTok account failed on this server (see its log): start it again from Accounts.',
      };
    }
  }

  private async finish(query: Record<string, unknown>, browserCookie: string | undefined): Promise<OAuthOutcome> {
    const str = (k: string) => (typeof query[k] === 'string' ? (query[k] as string) : '');
    const state = str('state');
    const raw =
      state && state.length <= 200 ? ((await this.redis.eval(TAKE, 1, this.key(state))) as string | null) : null;
    const saved = raw ? (JSON.parse(raw) as { verifier: string; browser: string }) : null;
    if (!saved)
      return {
        ok: false,
        message:
          'This TikTok connection attempt is unknown or expired (they last ten minutes and work once): start it again from Accounts.',
      };
    if (!browserCookie || sha(browserCookie) !== saved.browser) {
      this.logger.warn('tiktok oauth callback with a state issued to another browser: refused');
      return {
        ok: false,
        message: `This TikTok connection was started in another browser or at another address: open the admin UI at ${this.config.publishing.publicBaseUrl ?? 'PUBLIC_BASE_URL'} and start it again.`,
      };
    }
    if (str('error')) {
      return {
        ok: false,
        message:
          str('error') === 'access_denied'
            ? 'TikTok: the connection was declined, nothing was connected.'
            : `TikTok refused the connection: ${str('error')} ${str('error_description')}`.trim(),
      };
    }
    if (!str('code')) return { ok: false, message: 'TikTok sent no authorization code: start the connection again.' };
    try {
      const tokens = await this.client.exchangeCode(str('code'), saved.verifier);
      const needed = this.config.publishing.tiktok.directPost
        ? ['user.info.basic', 'video.upload', 'video.publish']
        : ['user.info.basic', 'video.upload'];
      const missing = needed.filter((s) => !tokens.scopes.includes(s));
      if (missing.length) {
        await this.client.revoke(tokens.accessToken).catch(() => undefined);
        return {
          ok: false,
          message: `TikTok did not grant ${missing.join(', ')}: connect again and leave every permission ticked (nothing was stored).`,
        };
      }
      const user = await this.client.userInfo(tokens.accessToken);
      const account = await this.accounts.saveConnected(tokens, user);
      return { ok: true, displayName: account.displayName, accountId: account.id };
    } catch (e) {
      const what = isTikTokError(e) ? `${e.code}: ${e.message}` : (e as Error).message;
      this.logger.warn(`tiktok oauth callback failed: ${what}`);
      return {
        ok: false,
        message: `Connecting the TikTok account failed (${what}). Check TIKTOK_CLIENT_KEY/SECRET and that ${this.config.publishing.redirectUri} is the redirect URI registered in your TikTok app.`,
      };
    }
  }
}
