import { Injectable } from '@nestjs/common';
import { InjectQueue } from '@nestjs/bull';
import type { Queue } from 'bull';
import { enqueueOnce, removeQueued } from '../common/queueing';
import { BATCHES_QUEUE, PROCESS_BATCH, ProcessBatchJob, processBatchJobId } from '../pipeline/queues';

/** Enqueues `process-batch`; the job carries the id only, the database is the truth. */
@Injectable()
export class BatchesQueue {
  constructor(@InjectQueue(BATCHES_QUEUE) readonly queue: Queue<ProcessBatchJob>) {}

  add(batchId: string): Promise<void> {
    return enqueueOnce(this.queue, PROCESS_BATCH, processBatchJobId(batchId), { batchId });
  }

  remove(batchId: string): Promise<number> {
    return removeQueued(this.queue, [processBatchJobId(batchId)]);
  }
}
