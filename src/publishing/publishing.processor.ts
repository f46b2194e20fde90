import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { InjectQueue } from '@nestjs/bull';
import type { Job, Queue } from 'bull';
import { consume } from '../common/job-runner';
import { WorkerLifecycle } from '../common/worker-lifecycle';
import { AppConfig } from '../config/config.schema';
import { InjectConfig } from '../config/config.module';
import { PostPoller } from './post-poller';
import { PostSender } from './post-sender';
import { MAX_RETRIES, PostSteps } from './post-steps';
import { PostsRepository } from './posts.repository';
import { PublishingQueue, PUBLISH_STEP, PublishStepJob, PUBLISHING_QUEUE } from './publishing.queue';
import { POST_OPEN, TikTokPost } from './tiktok-post.entity';

/**
 * Consumes the `publishing` queue: each job is one step of one post, chosen by the row's status
 * (queued/waiting → admission and init; initiating → recovery after a crash; sending → status poll).
 * A job older than the row's `jobSeq` is superseded and does nothing.
 */
@Injectable()
export class PublishingProcessor implements OnApplicationBootstrap {
  private readonly logger = new Logger(PublishingProcessor.name);

  constructor(
    @InjectQueue(PUBLISHING_QUEUE) private readonly queue: Queue<PublishStepJob>,
    @InjectConfig() private readonly config: AppConfig,
    private readonly lifecycle: WorkerLifecycle,
    private readonly posts: PostsRepository,
    private readonly steps: PostSteps,
    private readonly producer: PublishingQueue,
    private readonly sender: PostSender,
    private readonly poller: PostPoller,
  ) {}

  onApplicationBootstrap(): void {
    consume(this.queue, PUBLISH_STEP, { config: this.config, lifecycle: this.lifecycle }, (job) => this.handle(job));
  }

  async handle(job: Job<PublishStepJob>): Promise<void> {
    const post = await this.posts.get(job.data.postId);
    if (!post || job.data.seq < post.jobSeq || !POST_OPEN.includes(post.status)) return;
    if (job.data.seq > post.jobSeq) {
      // A crash between queueing this step and recording it: this step owns the row now.
      await this.posts.repo
        .createQueryBuilder()
        .update()
        .set({ jobSeq: job.data.seq })
        .where('id = :id AND "jobSeq" < :seq', { id: post.id, seq: job.data.seq })
        .execute();
      post.jobSeq = job.data.seq;
    }
    try {
      await this.step(post);
    } catch (e) {
      await this.unexpected(post, e as Error);
    }
  }

  private step(post: TikTokPost): Promise<void> {
    switch (post.status) {
      case 'queued':
      case 'waiting':
        return this.sender.admitAndSend(post);
      case 'initiating':
        return this.sender.recover(post);
      case 'sending':
        return this.poller.poll(post);
      default:
        return Promise.resolve();
    }
  }

  /** A bug or an outage (database, Redis) mid-step: retried with backoff, then the post fails with the reason. */
  private async unexpected(post: TikTokPost, e: Error): Promise<void> {
    this.logger.error(`${this.steps.label(post)}: ${e.stack ?? e.message}`);
    const fresh = await this.posts.get(post.id);
    if (!fresh || !POST_OPEN.includes(fresh.status)) return;
    // `initiating` is left to recover(): whether the call went out is exactly what is not known here.
    if (fresh.status === 'initiating') return this.producer.next(fresh, 1000);
    if (fresh.retries + 1 >= MAX_RETRIES)
      return this.steps.fail(fresh, [fresh.status], 'error', `internal error: ${e.message}`);
    await this.posts.transition(fresh.id, [fresh.status], { retries: fresh.retries + 1 });
    await this.producer.next(fresh, this.steps.backoffMs(fresh.retries));
  }
}
