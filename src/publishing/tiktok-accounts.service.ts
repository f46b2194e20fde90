import { randomUUID } from 'node:crypto';
import { Injectable, Logger, NotFoundException } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type Redis from 'ioredis';
import { DataSource, Not } from 'typeorm';
import { withRedisLock } from '../common/redis-lock';
import { InjectRedis } from '../common/redis.module';
import { AppConfig } from '../config/config.schema';
import { InjectConfig } from '../config/config.module';
import { PostsRepository } from './posts.repository';
import { PublishingSecrets } from './publishing-secrets';
import { TikTokAccount } from './tiktok-account.entity';
import { TikTokClient, TokenSet } from './tiktok/tiktok-client';
import { isTikTokError } from './tiktok/tiktok-errors';

/** The account cannot be used until the person connects it again (refresh refused, disconnected). */
export class AccountUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AccountUnavailableError';
  }
}

/** A usable access token for one account, in clear, for the length of one call. */
export interface AccountAuth {
  account: TikTokAccount;
  accessToken: string;
}

/**
 * Connected TikTok accounts and their tokens: sealed at rest, refreshed ahead of expiry (or when TikTok
 * says the token is invalid) by one process at a time, because TikTok rotates refresh tokens and a second
 * refresh with the same one would fail. Tokens are returned to callers only as AccountAuth, never logged.
 */
@Injectable()
export class TikTokAccountsService {
  private readonly logger = new Logger(TikTokAccountsService.name);

  constructor(
    @InjectDataSource() private readonly ds: DataSource,
    @InjectRedis() private readonly redis: Redis,
    @InjectConfig() private readonly config: AppConfig,
    private readonly client: TikTokClient,
    private readonly secrets: PublishingSecrets,
    private readonly posts: PostsRepository,
  ) {}

  private get repo() {
    return this.ds.getRepository(TikTokAccount);
  }

  /** Connected accounts (disconnected ones are history), with their pending drafts. */
  async list(): Promise<{ account: TikTokAccount; pendingDrafts: number }[]> {
    const accounts = await this.repo.find({ where: { status: Not('disconnected') }, order: { createdAt: 'ASC' } });
    const pending = await this.posts.pendingByAccount(accounts.map((a) => a.id));
    return accounts.map((account) => ({ account, pendingDrafts: pending.get(account.id) ?? 0 }));
  }

  async get(id: string): Promise<TikTokAccount> {
    const a = await this.repo.findOneBy({ id });
    if (!a || a.status === 'disconnected') throw new NotFoundException(`TikTok account ${id} is not connected`);
    return a;
  }

  /** Stores a freshly authorised account (or renews one connected before: one row per open_id). */
  async saveConnected(
    tokens: TokenSet,
    profile: { displayName: string; avatarUrl: string | null },
  ): Promise<TikTokAccount> {
    const existing = await this.repo.findOneBy({ openId: tokens.openId });
    const account = existing ?? this.repo.create({ id: randomUUID(), openId: tokens.openId, createdAt: new Date() });
    Object.assign(account, this.sealed(account.id, tokens), {
      displayName: profile.displayName.slice(0, 200),
      avatarUrl: profile.avatarUrl?.slice(0, 2048) ?? null,
      scopes: tokens.scopes.join(',').slice(0, 300),
      status: 'active',
      lastError: null,
    });
    await this.repo.save(account);
    this.logger.log(`tiktok account ${account.id} connected (${existing ? 'again' : 'new'}), scopes ${account.scopes}`);
    return account;
  }

  /** A valid access token, refreshed first when it is due. */
  async auth(accountId: string): Promise<AccountAuth> {
    let account = await this.usable(accountId);
    if (!account.refreshAfter || account.refreshAfter.getTime() <= Date.now())
      account = await this.refresh(accountId, account.accessTokenSealed);
    return { account, accessToken: this.open(account, 'access') };
  }

  /**
   * TikTok refused `staleToken`: refresh, unless another process already did (the stored token changed),
   * in which case its token is used.
   */
  async refreshAfterRejection(accountId: string, staleToken: string): Promise<void> {
    const account = await this.usable(accountId);
    if (this.open(account, 'access') !== staleToken) return;
    await this.refresh(accountId, account.accessTokenSealed);
  }

  /** Revokes the token at TikTok (best effort: the local tokens are wiped whatever TikTok says). */
  async disconnect(id: string): Promise<{ revoked: boolean; message: string }> {
    const account = await this.get(id);
    let revoked = false;
    let message = 'Disconnected; TikTok revoked the app’s access.';
    if (account.accessTokenSealed && this.secrets.cipher) {
      try {
        await this.client.revoke(this.open(account, 'access'));
        revoked = true;
      } catch (e) {
        message = `Disconnected here, but TikTok did not confirm the revocation (${isTikTokError(e) ? e.code : (e as Error).message}): remove the app under Settings → Security → Manage app permissions in TikTok.`;
      }
    }
    await this.repo.update(
      { id },
      {
        status: 'disconnected',
        accessTokenSealed: null,
        refreshTokenSealed: null,
        accessExpiresAt: null,
        refreshAfter: null,
        lastError: null,
      },
    );
    this.logger.log(`tiktok account ${id} disconnected (revoked at TikTok: ${revoked})`);
    return { revoked, message };
  }

  /** TikTok no longer accepts this account's tokens: it waits for the person to connect it again. */
  async markReconnect(accountId: string, reason: string): Promise<void> {
    await this.repo.update({ id: accountId, status: 'active' }, { status: 'reconnect', lastError: reason });
    this.logger.warn(`tiktok account ${accountId} needs reconnecting: ${reason}`);
  }

  private async usable(accountId: string): Promise<TikTokAccount> {
    const account = await this.repo.findOneBy({ id: accountId });
    if (!account || account.status === 'disconnected' || !account.accessTokenSealed)
      throw new AccountUnavailableError('the TikTok account was disconnected: connect it again and send again');
    if (account.status === 'reconnect')
      throw new AccountUnavailableError(
        `the TikTok account needs reconnecting (${account.lastError ?? 'its sign-in expired'}): open Accounts and connect it again`,
      );
    return account;
  }

  /** One refresh per account across every process; the loser of the race reads the winner's tokens. */
  private async refresh(accountId: string, seenSealed: string | null): Promise<TikTokAccount> {
    const key = `${this.config.queuePrefix}:tiktok:refresh:${accountId}`;
    return withRedisLock(
      this.redis,
      key,
      async () => {
        const account = await this.usable(accountId);
        const due = !account.refreshAfter || account.refreshAfter.getTime() <= Date.now();
        if (account.accessTokenSealed !== seenSealed && !due) return account;
        try {
          const tokens = await this.client.refresh(this.open(account, 'refresh'));
          Object.assign(account, this.sealed(account.id, tokens), {
            scopes: tokens.scopes.join(',').slice(0, 300) || account.scopes,
            lastError: null,
          });
          await this.repo.save(account);
          this.logger.log(`tiktok account ${accountId}: access token refreshed (valid ${tokens.expiresInS} s)`);
          return account;
        } catch (e) {
          if (
            isTikTokError(e) &&
            e.delivery === 'answered' &&
            ['invalid_grant', 'invalid_request', 'access_token_invalid'].includes(e.code)
          ) {
            const reason = 'TikTok no longer accepts its sign-in (the refresh token expired or access was removed)';
            await this.markReconnect(accountId, reason);
            throw new AccountUnavailableError(
              `the TikTok account needs reconnecting: ${reason}; open Accounts and connect it again`,
            );
          }
          throw e;
        }
      },
      { ttlMs: this.config.publishing.tiktok.httpTimeoutMs + 5000, pollMs: 50 },
    );
  }

  private sealed(accountId: string, t: TokenSet): Partial<TikTokAccount> {
    const cipher = this.secrets.requireCipher();
    const now = Date.now();
    // Refresh ahead of expiry: five minutes before, or at 80 % of a short lifetime.
    const refreshInS = Math.max(t.expiresInS * 0.8, t.expiresInS - 300);
    return {
      accessTokenSealed: cipher.encrypt(t.accessToken, `${accountId}:access`),
      refreshTokenSealed: cipher.encrypt(t.refreshToken, `${accountId}:refresh`),
      accessExpiresAt: new Date(now + t.expiresInS * 1000),
      refreshAfter: new Date(now + refreshInS * 1000),
      refreshExpiresAt: new Date(now + t.refreshExpiresInS * 1000),
    };
  }

  private open(account: TikTokAccount, kind: 'access' | 'refresh'): string {
    const sealed = kind === 'access' ? account.accessTokenSealed : account.refreshTokenSealed;
    if (!sealed) throw new AccountUnavailableError('the TikTok account has no stored sign-in: connect it again');
    try {
      return this.secrets.requireCipher().decrypt(sealed, `${account.id}:${kind}`);
    } catch {
      // A changed TOKEN_ENCRYPTION_KEY: the stored tokens are unreadable, the account must be connected again.
      throw new AccountUnavailableError(
        'the stored TikTok sign-in cannot be decrypted (was TOKEN_ENCRYPTION_KEY changed?): connect the account again',
      );
    }
  }
}
