import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { tryRedisLock } from '../common/redis-lock';
import { AppConfig } from '../config/config.schema';
import { InjectConfig } from '../config/config.module';
import { PostSteps } from './post-steps';
import { PostsRepository } from './posts.repository';
import { postJobId, PublishingQueue } from './publishing.queue';

const ALIVE = new Set(['waiting', 'active', 'delayed', 'paused']);

/**
 * The safety net under the step jobs: an open post whose step job is gone (a crash between the database
 * write and the queue, Redis data lost, a job failed for good) gets its next step queued. A worker that
 * died mid-step needs nothing from here: Bull's stalled check hands that job to another worker.
 */
@Injectable()
export class PublishingSweeperService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(PublishingSweeperService.name);
  private timer?: NodeJS.Timeout;
  private running?: Promise<unknown>;

  constructor(
    @InjectConfig() private readonly config: AppConfig,
    private readonly posts: PostsRepository,
    private readonly queue: PublishingQueue,
    private readonly steps: PostSteps,
  ) {}

  onApplicationBootstrap(): void {
    if (!this.config.workers.enabled) return;
    this.timer = setInterval(() => {
      if (this.running) return;
      this.running = this.sweepOnce()
        .catch((e: Error) => this.logger.warn(`publishing sweep failed: ${e.message}`))
        .finally(() => (this.running = undefined));
    }, this.config.jobs.sweepIntervalMs);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.running;
  }

  /** Returns the ids of the posts whose step was queued again (undefined when another process swept). */
  async sweepOnce(): Promise<string[] | undefined> {
    const interval = this.config.jobs.sweepIntervalMs;
    return tryRedisLock(this.steps.redis, this.steps.key('sweep'), Math.max(10_000, interval), async () => {
      const requeued: string[] = [];
      // Rows written a moment ago may not have their job yet: only older ones are looked at.
      const before = new Date(Date.now() - Math.max(2 * interval, 5000));
      for (const post of await this.posts.staleOpen(before)) {
        const job = await this.queue.queue.getJob(postJobId(post.id, post.jobSeq));
        if (job && ALIVE.has(await job.getState())) continue;
        await this.queue.next(post, 0);
        requeued.push(post.id);
        this.logger.warn(`${this.steps.label(post)} had no live step job (${post.status}): queued again`);
      }
      return requeued;
    });
  }
}
