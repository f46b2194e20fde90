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

  remove(linkIds: string[]): Promise<number> {
    return removeQueued(this.queue, linkIds.map(processLinkJobId));
  }
}
