import { Injectable } from '@nestjs/common';
import { InjectQueue } from '@nestjs/bull';
import type { Queue } from 'bull';
import { enqueueOnce, removeQueued } from '../common/queueing';

export const VARIATIONS_QUEUE = 'variations';
export const GENERATE_VARIATION = 'generate-variation';

export interface GenerateVariationJob {
  batchId: string;
  linkId: string;
  variationId: string;
}

export const variationJobId = (variationId: string) => `variation:${variationId}`;

@Injectable()
export class VariationsQueue {
  constructor(@InjectQueue(VARIATIONS_QUEUE) readonly queue: Queue<GenerateVariationJob>) {}

  async add(jobs: GenerateVariationJob[]): Promise<void> {
    for (const job of jobs) await enqueueOnce(this.queue, GENERATE_VARIATION, variationJobId(job.variationId), job);
  }

  remove(variationIds: string[]): Promise<number> {
    return removeQueued(this.queue, variationIds.map(variationJobId));
  }
}
