import { Injectable } from '@nestjs/common';
import { InjectQueue } from '@nestjs/bull';
import type { Queue } from 'bull';
import { enqueueOnce, removeQueued } from '../common/queueing';
import { GENERATE_VARIATION, GenerateVariationJob, VARIATIONS_QUEUE, variationJobId } from '../pipeline/queues';

/** Enqueues `generate-variation`, one job per variation under its deterministic id. */
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
