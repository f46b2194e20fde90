import { Injectable, Logger } from '@nestjs/common';
import { RedisRateLimiter } from '../common/rate-limiter';
import { AppConfig } from '../config/config.schema';
import { InjectConfig } from '../config/config.module';
import { limiterWindowMs, MAX_RETRIES, PostSteps, statusLimiterName } from './post-steps';
import { PostsRepository } from './posts.repository';
import { PublishingQueue } from './publishing.queue';
import { AccountAuth, AccountUnavailableError, TikTokAccountsService } from './tiktok-accounts.service';
import { TikTokPost } from './tiktok-post.entity';
import { TikTokClient } from './tiktok/tiktok-client';
import { classify, describeCode, isTikTokError } from './tiktok/tiktok-errors';

/** TikTok still processing after this long: stop polling and say so. */
export const POLL_GIVE_UP_MS = 3600_000;

/**
 * Follows a sent post with `POST /v2/post/publish/status/fetch/` (within TIKTOK_STATUS_LIMIT per window)
 * until TikTok reports SEND_TO_USER_INBOX (a draft: `in_inbox`), PUBLISH_COMPLETE (`posted`) or FAILED.
 */
@Injectable()
export class PostPoller {
  private readonly logger = new Logger('PublishingProcessor');

  constructor(
    @InjectConfig() private readonly config: AppConfig,
    private readonly posts: PostsRepository,
    private readonly steps: PostSteps,
    private readonly queue: PublishingQueue,
    private readonly accounts: TikTokAccountsService,
    private readonly client: TikTokClient,
    private readonly limiter: RedisRateLimiter,
  ) {}

  private get t() {
    return this.config.publishing.tiktok;
  }

  async poll(post: TikTokPost): Promise<void> {
    const from = ['sending'] as const;
    let auth: AccountAuth;
    try {
      auth = await this.accounts.auth(post.accountId);
    } catch (e) {
      if (e instanceof AccountUnavailableError)
        return this.steps.unknown(post, from, `TikTok took the post, but ${e.message.replace(/^the /, 'then the ')}`);
      return this.retry(post, e as Error);
    }
    const slotInMs = await this.limiter.tryAcquire(
      statusLimiterName(post.accountId),
      this.t.statusLimit,
      limiterWindowMs(this.t.windowMs),
    );
    if (slotInMs > 0) return this.queue.next(post, slotInMs);
    let status: string;
    let failReason: string | null;
    try {
      ({ status, failReason } = await this.client.fetchStatus(auth.accessToken, post.publishId!));
    } catch (e) {
      if (!isTikTokError(e)) throw e;
      const action = classify(e, this.config.publishing.publicBaseUrl);
      if (action.kind === 'refresh') {
        await this.accounts.refreshAfterRejection(post.accountId, auth.accessToken).catch(() => undefined);
        return this.queue.next(post, 0);
      }
      if (action.kind === 'wait') {
        await this.limiter.coolDown(statusLimiterName(post.accountId), this.t.windowMs);
        return this.queue.next(post, this.t.windowMs);
      }
      return this.retry(post, e);
    }
    const done = { finishedAt: new Date(), waitReason: null, retries: 0 };
    switch (status) {
      case 'SEND_TO_USER_INBOX':
        if (await this.posts.transition(post.id, from, { status: 'in_inbox', ...done }))
          this.logger.log(`${this.steps.label(post)} is in the TikTok inbox`);
        return;
      case 'PUBLISH_COMPLETE':
        if (await this.posts.transition(post.id, from, { status: 'posted', ...done }))
          this.logger.log(`${this.steps.label(post)} is posted`);
        return;
      case 'FAILED':
        return this.steps.fail(
          post,
          from,
          failReason ?? 'failed',
          describeCode(failReason ?? 'internal', undefined, this.config.publishing.publicBaseUrl),
        );
      default:
        if (post.initiatedAt && Date.now() - post.initiatedAt.getTime() > POLL_GIVE_UP_MS) {
          return this.steps.unknown(post, from, `TikTok was still processing it an hour later (${status})`);
        }
        if (post.retries) await this.posts.transition(post.id, from, { retries: 0 });
        return this.queue.next(post, this.t.pollIntervalMs);
    }
  }

  private async retry(post: TikTokPost, e: Error): Promise<void> {
    if (post.retries + 1 >= MAX_RETRIES)
      return this.steps.unknown(
        post,
        ['sending'],
        `TikTok took the post, but its status could not be read (${e.message})`,
      );
    await this.posts.transition(post.id, ['sending'], { retries: post.retries + 1 });
    await this.queue.next(post, this.steps.backoffMs(post.retries));
  }
}
