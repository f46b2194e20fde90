import { Injectable } from '@nestjs/common';
import { InjectQueue } from '@nestjs/bull';
import type { Queue } from 'bull';
import { enqueueOnce, removeQueued } from '../common/queueing';
import { LINKS_QUEUE, PROCESS_LINK, ProcessLinkJob, processLinkJobId } from '../pipeline/queues';

/** Enqueues `process-link`, one job per link under its deterministic id. */
@Injectable()
export class LinksQueue {
  constructor(@InjectQueue(LINKS_QUEUE) readonly queue: Queue<ProcessLinkJob>) {}

  async add(batchId: string, linkIds: string[]): Promise<void> {
    for (const linkId of linkIds)
      await enqueueOnce(this.queue, PROCESS_LINK, processLinkJobId(linkId), { batchId, linkId });
  }

  /**
   * Queues approved links again. Their analysis job may still be finishing (it has just stopped the link for
   * review) and enqueueOnce leaves a running job alone, so each waits (bounded) for it to end first; should
   * it not, the link is pending without a job and the sweeper queues it.
   */
  async addAfterRunning(batchId: string, linkIds: string[], waitMs = 5000): Promise<void> {
    for (const linkId of linkIds) {
      const until = Date.now() + waitMs;
      while ((await (await this.queue.getJob(processLinkJobId(linkId)))?.getState()) === 'active' && Date.now() < until)
        await new Promise((r) => setTimeout(r, 50));
    }
    await this.add(batchId, linkIds);
  }

  remove(linkIds: string[]): Promise<number> {
    return removeQueued(this.queue, linkIds.map(processLinkJobId));
  }
}
