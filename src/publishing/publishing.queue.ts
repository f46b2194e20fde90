import { Injectable } from '@nestjs/common';
import { InjectQueue } from '@nestjs/bull';
import type { Queue } from 'bull';
import { PostsRepository } from './posts.repository';

export const PUBLISHING_QUEUE = 'publishing';
export const PUBLISH_STEP = 'tiktok-post';

/** One step of one post: admission and init, or a status poll. `seq` orders the steps of a row. */
export interface PublishStepJob {
  postId: string;
  seq: number;
}

export const postJobId = (postId: string, seq: number) => `tiktok-post:${postId}:${seq}`;

/**
 * The producer. A post moves on in steps, each its own job with a deterministic id (`tiktok-post:<id>:<seq>`):
 * a step that must wait (inbox full, rate limit, TikTok still processing) queues the next one with a delay
 * and ends, so no worker slot is held while waiting. The row's `jobSeq` names the step that owns it; an
 * older job (a duplicate, a stalled re-run) sees it is superseded and stops.
 */
@Injectable()
export class PublishingQueue {
  constructor(
    @InjectQueue(PUBLISHING_QUEUE) readonly queue: Queue<PublishStepJob>,
    private readonly posts: PostsRepository,
  ) {}

  /**
   * Queues the next step of `post` (after `delayMs`) and hands the row to it. Job first: a crash in between leaves
   * a job that claims the row.
   */
  async next(post: { id: string; jobSeq: number }, delayMs = 0): Promise<void> {
    const seq = post.jobSeq + 1;
    await this.queue.add(
      PUBLISH_STEP,
      { postId: post.id, seq },
      { jobId: postJobId(post.id, seq), delay: Math.max(0, Math.round(delayMs)), attempts: 3 },
    );
    await this.posts.repo
      .createQueryBuilder()
      .update()
      .set({ jobSeq: seq })
      .where('id = :id AND "jobSeq" < :seq', { id: post.id, seq })
      .execute();
    post.jobSeq = seq;
  }

  /** Removes the waiting step of a cancelled post (a running one stops at its next look at the row). */
  async removeStep(postId: string, seq: number): Promise<void> {
    const job = await this.queue.getJob(postJobId(postId, seq));
    if (job && ['waiting', 'delayed', 'paused'].includes(await job.getState()))
      await job.remove().catch(() => undefined);
  }
}
