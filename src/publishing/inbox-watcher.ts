import { Injectable, Logger } from '@nestjs/common';
import { RedisRateLimiter } from '../common/rate-limiter';
import { AppConfig } from '../config/config.schema';
import { InjectConfig } from '../config/config.module';
import { limiterWindowMs, PostSteps, statusLimiterName } from './post-steps';
import { PostsRepository } from './posts.repository';
import { AccountAuth } from './tiktok-accounts.service';
import { TikTokClient } from './tiktok/tiktok-client';
import { describeCode } from './tiktok/tiktok-errors';

/**
 * TikTok keeps at most TIKTOK_MAX_PENDING drafts waiting in an inbox and refuses more
 * (`spam_risk_too_many_pending_share`). A draft stops pending when its creator posts (or discards) it in
 * the app, which only a status fetch shows: while an account is full, this looks at its oldest inbox
 * drafts now and then (at most once per TIKTOK_WAIT_RETRY_MS per account, within the status rate limit)
 * and frees the ones that moved on.
 */
@Injectable()
export class InboxWatcher {
  private readonly logger = new Logger('PublishingProcessor');

  constructor(
    @InjectConfig() private readonly config: AppConfig,
    private readonly posts: PostsRepository,
    private readonly steps: PostSteps,
    private readonly client: TikTokClient,
    private readonly limiter: RedisRateLimiter,
  ) {}

  private get t() {
    return this.config.publishing.tiktok;
  }

  fullMessage(pending: number | undefined): string {
    return pending === undefined
      ? `waiting: TikTok says ${this.t.maxPending} drafts are pending in the inbox; post or discard them in the TikTok app and sending resumes`
      : `waiting: ${pending} drafts pending in the inbox (TikTok allows ${this.t.maxPending}); post or discard them in the TikTok app and sending resumes`;
  }

  /** TikTok answered "too many pending": every post of the account waits a while before trying. */
  async rememberFull(accountId: string): Promise<void> {
    await this.steps.redis.set(this.steps.key(`inbox-full:${accountId}`), '1', 'PX', this.t.waitRetryMs);
  }

  /** The wait reason when the account's inbox is full (after freeing what moved on), or null. */
  async isFull(accountId: string, auth: AccountAuth): Promise<string | null> {
    let pending = await this.posts.countPending(accountId);
    if (pending >= this.t.maxPending) {
      await this.reconcile(accountId, auth);
      pending = await this.posts.countPending(accountId);
      if (pending >= this.t.maxPending) return this.fullMessage(pending);
    }
    if ((await this.steps.redis.pttl(this.steps.key(`inbox-full:${accountId}`))) > 0)
      return this.fullMessage(undefined);
    return null;
  }

  private async reconcile(accountId: string, auth: AccountAuth): Promise<void> {
    const once = await this.steps.redis.set(
      this.steps.key(`reconcile:${accountId}`),
      '1',
      'PX',
      this.t.waitRetryMs,
      'NX',
    );
    if (once !== 'OK') return;
    for (const post of await this.posts.inboxDrafts(accountId, this.t.maxPending)) {
      if (
        (await this.limiter.tryAcquire(
          statusLimiterName(accountId),
          this.t.statusLimit,
          limiterWindowMs(this.t.windowMs),
        )) > 0
      )
        return;
      try {
        const s = await this.client.fetchStatus(auth.accessToken, post.publishId!);
        if (s.status === 'PUBLISH_COMPLETE') {
          if (await this.posts.transition(post.id, ['in_inbox'], { status: 'posted' }))
            this.logger.log(`${this.steps.label(post)} posted from the inbox`);
        } else if (s.status === 'FAILED') {
          await this.steps.fail(
            post,
            ['in_inbox'],
            s.failReason ?? 'failed',
            describeCode(s.failReason ?? 'publish_cancelled', undefined, this.config.publishing.publicBaseUrl),
          );
        }
      } catch (e) {
        this.logger.warn(`account ${accountId}: looking at inbox drafts failed: ${(e as Error).message}`);
        return;
      }
    }
  }
}
