import { randomUUID } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import { RedisRateLimiter } from '../common/rate-limiter';
import { withRedisLock } from '../common/redis-lock';
import { AppConfig } from '../config/config.schema';
import { InjectConfig } from '../config/config.module';
import { InboxWatcher } from './inbox-watcher';
import { mediaUrl } from './post-media';
import { initLimiterName, limiterWindowMs, MAX_RETRIES, PostSteps } from './post-steps';
import { PostsRepository } from './posts.repository';
import { PublishingQueue } from './publishing.queue';
import { PublishingSecrets } from './publishing-secrets';
import { AccountAuth, AccountUnavailableError, TikTokAccountsService } from './tiktok-accounts.service';
import { TikTokPost } from './tiktok-post.entity';
import { TikTokClient } from './tiktok/tiktok-client';
import { classify, isTikTokError, TikTokError } from './tiktok/tiktok-errors';

const WAITING = ['queued', 'waiting'] as const;

/**
 * Admission and the init call. Under a per-account Redis lock a post is admitted only if the account has
 * fewer than TIKTOK_MAX_PENDING drafts pending (our rows, plus TikTok's own "too many pending" answer
 * remembered for a while) and an init slot is free in the sliding window (TIKTOK_INIT_LIMIT per
 * TIKTOK_RATE_WINDOW_MS); otherwise it waits, saying why. Admitted, it is written `initiating` with a fresh
 * send key before the call, so the lock's successor counts it and a crash leaves a trace.
 *
 * The init call is not idempotent at TikTok and TikTok has no way to look a post up without its
 * publish_id. So a post whose worker died during the call is not sent again: after the in-flight marker
 * lapses it becomes `unknown` ("check your TikTok inbox"), and only a person sends it again.
 */
@Injectable()
export class PostSender {
  private readonly logger = new Logger('PublishingProcessor');

  constructor(
    @InjectConfig() private readonly config: AppConfig,
    private readonly posts: PostsRepository,
    private readonly steps: PostSteps,
    private readonly queue: PublishingQueue,
    private readonly accounts: TikTokAccountsService,
    private readonly client: TikTokClient,
    private readonly limiter: RedisRateLimiter,
    private readonly secrets: PublishingSecrets,
    private readonly inbox: InboxWatcher,
  ) {}

  private get t() {
    return this.config.publishing.tiktok;
  }

  private inflightKey(postId: string): string {
    return this.steps.key(`inflight:${postId}`);
  }

  /** How long a started init call may still be running somewhere (its timeout) plus a margin. */
  private get inflightTtlMs(): number {
    return this.t.httpTimeoutMs + 2000;
  }

  async admitAndSend(post: TikTokPost): Promise<void> {
    const p = this.config.publishing;
    if (!p.enabled || !this.secrets.media || !p.publicBaseUrl) {
      return this.steps.fail(
        post,
        WAITING,
        'not_configured',
        `Sending to TikTok is disabled: set ${p.missing.join(', ')}`,
      );
    }
    const blocked = await this.steps.redis.get(this.steps.key('url-unverified'));
    if (blocked) return this.steps.fail(post, WAITING, 'url_ownership_unverified', blocked);

    let auth: AccountAuth;
    try {
      auth = await this.accounts.auth(post.accountId);
    } catch (e) {
      return this.authFailed(post, e);
    }

    const full = await this.inbox.isFull(post.accountId, auth);
    if (full) return this.steps.wait(post, WAITING, full, this.t.waitRetryMs);

    const admitted = await withRedisLock(
      this.steps.redis,
      this.steps.key(`admit:${post.accountId}`),
      async (): Promise<{ wait: string; delayMs: number; sendKey?: string } | { sendKey: string } | null> => {
        const pending = await this.posts.countPending(post.accountId);
        if (pending >= this.t.maxPending) return { wait: this.inbox.fullMessage(pending), delayMs: this.t.waitRetryMs };
        // Written (and counted as pending) before the init slot is taken, and the slot is the last thing before
        // the call: the time between our count of the window and TikTok's stays as short as it can be.
        const sendKey = randomUUID();
        const ok = await this.posts.transition(post.id, WAITING, {
          status: 'initiating',
          sendKey,
          initiatedAt: new Date(),
          waitReason: null,
          errorCode: null,
          error: null,
        });
        if (!ok) return null;
        await this.steps.redis.set(this.inflightKey(post.id), sendKey, 'PX', this.inflightTtlMs);
        const slotInMs = await this.limiter.tryAcquire(
          initLimiterName(post.accountId),
          this.t.initLimit,
          limiterWindowMs(this.t.windowMs),
        );
        if (slotInMs === 0) return { sendKey };
        await this.steps.redis.del(this.inflightKey(post.id));
        return { wait: this.rateMessage(), delayMs: slotInMs, sendKey };
      },
      { ttlMs: 5000, pollMs: 25 },
    );
    if (!admitted) return; // moved on (cancelled) meanwhile
    if ('wait' in admitted) {
      const from = admitted.sendKey ? (['initiating'] as const) : WAITING;
      return this.steps.wait(post, from, admitted.wait, admitted.delayMs, admitted.sendKey);
    }
    await this.send(post, auth, admitted.sendKey);
  }

  /** A row left `initiating`: its call still runs elsewhere, ended unrecorded, or died with its worker. */
  async recover(post: TikTokPost): Promise<void> {
    const marker = await this.steps.redis.get(this.inflightKey(post.id));
    if (marker?.startsWith(`${post.sendKey}:done:`)) {
      const publishId = marker.slice(`${post.sendKey}:done:`.length);
      if (await this.posts.transition(post.id, ['initiating'], { status: 'sending', publishId }, post.sendKey))
        await this.queue.next(post, 0);
      return;
    }
    if (marker === post.sendKey) {
      const left = await this.steps.redis.pttl(this.inflightKey(post.id));
      return this.queue.next(post, Math.max(100, left + 50));
    }
    await this.steps.unknown(
      post,
      ['initiating'],
      'the worker sending this post stopped before TikTok answered',
      post.sendKey,
    );
  }

  private async send(post: TikTokPost, auth: AccountAuth, sendKey: string): Promise<void> {
    const base = this.config.publishing.publicBaseUrl!;
    const media = this.secrets.media!;
    const marker = this.inflightKey(post.id);
    const photoUrls = Array.from({ length: post.imageCount }, (_, i) =>
      mediaUrl(base, media.sign(post.id, i, this.t.mediaUrlTtlS)),
    );
    let publishId: string;
    try {
      ({ publishId } = await this.client.initPhotoPost(auth.accessToken, {
        mode: post.mode,
        title: post.title,
        description: post.description,
        privacyLevel: post.privacyLevel ?? undefined,
        photoUrls,
        coverIndex: 0,
      }));
    } catch (e) {
      await this.steps.redis.del(marker);
      return this.initFailed(post, auth, sendKey, e);
    }
    // Remembered in Redis before the database: a crash between the two still finds the publish_id.
    await this.steps.redis.set(marker, `${sendKey}:done:${publishId}`, 'PX', 24 * 3600_000);
    if (
      await this.posts.transition(
        post.id,
        ['initiating', 'unknown'],
        { status: 'sending', publishId, retries: 0, errorCode: null, error: null, finishedAt: null },
        sendKey,
      )
    ) {
      this.logger.log(
        `${this.steps.label(post)} sent to TikTok (${post.mode}, ${post.imageCount} photos), publish_id ${publishId}`,
      );
      await this.queue.next(post, this.t.pollIntervalMs);
    }
    await this.steps.redis.del(marker);
  }

  private async initFailed(post: TikTokPost, auth: AccountAuth, sendKey: string, e: unknown): Promise<void> {
    const from = ['initiating'] as const;
    if (!isTikTokError(e)) throw e;
    if (e.delivery === 'unknown')
      return this.steps.unknown(post, from, `TikTok did not answer the upload (${e.message})`, sendKey);
    const action = classify(e, this.config.publishing.publicBaseUrl);
    switch (action.kind) {
      case 'refresh':
        try {
          await this.accounts.refreshAfterRejection(post.accountId, auth.accessToken);
        } catch (err) {
          if (err instanceof AccountUnavailableError)
            return this.steps.fail(post, from, 'reconnect', err.message, sendKey);
          return this.retry(post, sendKey, err as Error);
        }
        return this.steps.requeue(post, from, 0, sendKey);
      case 'wait':
        if (action.reason === 'inbox') {
          await this.inbox.rememberFull(post.accountId);
          return this.steps.wait(post, from, this.inbox.fullMessage(undefined), this.t.waitRetryMs, sendKey);
        }
        await this.limiter.coolDown(initLimiterName(post.accountId), this.t.windowMs);
        return this.steps.wait(post, from, this.rateMessage(), this.t.windowMs, sendKey);
      case 'retry':
        return this.retry(post, sendKey, e);
      case 'reconnect':
        await this.accounts.markReconnect(post.accountId, action.message);
        return this.steps.fail(post, from, e.code, action.message, sendKey);
      case 'fail':
        if (e.code === 'url_ownership_unverified') {
          // Every other post would get the same answer: they fail without spending quota until someone sends again.
          await this.steps.redis.set(this.steps.key('url-unverified'), action.message, 'PX', 3600_000);
        }
        return this.steps.fail(post, from, e.code, action.message, sendKey);
    }
  }

  private async retry(post: TikTokPost, sendKey: string, e: Error | TikTokError): Promise<void> {
    if (post.retries + 1 >= MAX_RETRIES) {
      return this.steps.fail(
        post,
        ['initiating'],
        isTikTokError(e) ? e.code : 'error',
        `TikTok kept failing (${e.message}); gave up after ${MAX_RETRIES} tries`,
        sendKey,
      );
    }
    this.logger.warn(`${this.steps.label(post)}: init failed, will retry: ${e.message}`);
    await this.steps.requeue(post, ['initiating'], this.steps.backoffMs(post.retries), sendKey, true);
  }

  private async authFailed(post: TikTokPost, e: unknown): Promise<void> {
    if (e instanceof AccountUnavailableError) return this.steps.fail(post, WAITING, 'reconnect', e.message);
    if (isTikTokError(e) || (e as Error)?.name === 'TikTokError') {
      if (post.retries + 1 >= MAX_RETRIES)
        return this.steps.fail(
          post,
          WAITING,
          'refresh_failed',
          `refreshing the TikTok sign-in kept failing: ${(e as Error).message}`,
        );
      return this.steps.requeue(post, WAITING, this.steps.backoffMs(post.retries), undefined, true);
    }
    throw e;
  }

  private rateMessage(): string {
    const per = this.t.windowMs === 60_000 ? 'a minute' : `every ${this.t.windowMs / 1000} s`;
    return `waiting: TikTok allows ${this.t.initLimit} uploads ${per} per account`;
  }
}
