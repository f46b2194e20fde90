import { Injectable } from '@nestjs/common';
import { InjectQueue } from '@nestjs/bull';
import type { Queue } from 'bull';
import { enqueueOnce, removeQueued } from '../common/queueing';

export const LINKS_QUEUE = 'links';
export const PROCESS_LINK = 'process-link';

export interface ProcessLinkJob {
  batchId: string;
  linkId: string;
}

export const processLinkJobId = (linkId: string) => `link:${linkId}`;

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
