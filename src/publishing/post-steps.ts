import { Injectable, Logger } from '@nestjs/common';
import type Redis from 'ioredis';
import { InjectRedis } from '../common/redis.module';
import { AppConfig } from '../config/config.schema';
import { InjectConfig } from '../config/config.module';
import { PostsRepository } from './posts.repository';
import { PublishingQueue } from './publishing.queue';
import { PostStatus, TikTokPost } from './tiktok-post.entity';

/** The limiter names of an account (Redis sliding windows shared by every worker). */
export const initLimiterName = (accountId: string) => `tiktok-init:${accountId}`;
export const statusLimiterName = (accountId: string) => `tiktok-status:${accountId}`;

/**
 * TikTok's window as our limiters count it: widened by a little more than the limiter's own margin, because
 * TikTok counts arrivals, which come after our count by the time a request takes to get there (longer on a
 * busy machine). 6 per 61.3 s instead of 6 per 60 s.
 */
export const limiterWindowMs = (windowMs: number) => windowMs + Math.max(100, Math.round(windowMs * 0.02));

/** Transient failures (network, 5xx) one attempt survives before it fails with the reason. */
export const MAX_RETRIES = 6;

/**
 * The ways a step ends, shared by sending and polling: each is one conditional update (so a row moved on
 * by someone else is left alone) plus, when work remains, the next step on the queue. Redis keys of the
 * publishing queue live here too.
 */
@Injectable()
export class PostSteps {
  private readonly logger = new Logger('PublishingProcessor');

  constructor(
    private readonly posts: PostsRepository,
    private readonly queue: PublishingQueue,
    @InjectRedis() readonly redis: Redis,
    @InjectConfig() private readonly config: AppConfig,
  ) {}

  key(name: string): string {
    return `${this.config.queuePrefix}:tiktok:${name}`;
  }

  label(post: TikTokPost): string {
    return `post ${post.id} (variation ${post.variationId}, account ${post.accountId})`;
  }

  async fail(
    post: TikTokPost,
    from: readonly PostStatus[],
    code: string,
    message: string,
    sendKey?: string | null,
  ): Promise<void> {
    if (
      await this.posts.transition(
        post.id,
        from,
        { status: 'failed', errorCode: code.slice(0, 64), error: message, waitReason: null, finishedAt: new Date() },
        sendKey,
      )
    ) {
      this.logger.warn(`${this.label(post)} failed: ${code}: ${message}`);
    }
  }

  /** Not sent (or refused before anything was made): waits `delayMs`, saying why. */
  async wait(
    post: TikTokPost,
    from: readonly PostStatus[],
    reason: string,
    delayMs: number,
    sendKey?: string | null,
  ): Promise<void> {
    const moved = await this.posts.transition(
      post.id,
      from,
      { status: 'waiting', waitReason: reason, sendKey: null },
      sendKey,
    );
    if (!moved) return;
    if (post.status !== 'waiting' || post.waitReason !== reason)
      this.logger.log(`${this.label(post)} ${reason} (next look in ${Math.round(delayMs)} ms)`);
    await this.queue.next(post, delayMs);
  }

  /** Back to the start (nothing was made at TikTok), at once or after a backoff. */
  async requeue(
    post: TikTokPost,
    from: readonly PostStatus[],
    delayMs: number,
    sendKey?: string | null,
    countRetry = false,
  ): Promise<void> {
    const set: Partial<TikTokPost> = { status: 'queued', sendKey: null };
    if (countRetry) set.retries = post.retries + 1;
    if (await this.posts.transition(post.id, from, set, sendKey)) await this.queue.next(post, delayMs);
  }

  /** TikTok may or may not have the post: say so, and never send it again by ourselves. */
  async unknown(post: TikTokPost, from: readonly PostStatus[], why: string, sendKey?: string | null): Promise<void> {
    const pulled = (await this.redis.exists(this.key(`pulled:${post.id}`))) > 0;
    const hint = pulled
      ? 'TikTok downloaded its images, so it most likely reached the inbox'
      : 'TikTok has not downloaded its images from here, so it may not have arrived';
    const message = `${why}; ${hint}. Check the TikTok inbox; if the draft is not there, send it again.`;
    if (
      await this.posts.transition(
        post.id,
        from,
        { status: 'unknown', errorCode: 'unknown', error: message, waitReason: null, finishedAt: new Date() },
        sendKey,
      )
    ) {
      this.logger.warn(`${this.label(post)} outcome unknown: ${why}`);
    }
  }

  backoffMs(retries: number): number {
    return Math.min(60_000, this.config.jobs.backoffMs * 2 ** retries);
  }
}
