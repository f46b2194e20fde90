import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { InjectQueue } from '@nestjs/bull';
import type { Queue } from 'bull';
import { FailureStep } from '../common/errors';
import { batchFolderName } from '../drive/output-tree';
import { STORAGE, Storage } from '../drive/storage.interface';
import { LinksQueue } from '../links/links.queue';
import { Batch } from '../pipeline/entities/batch.entity';
import { ProcessorKit } from '../pipeline/processor-kit';
import { BATCHES_QUEUE, PROCESS_BATCH, ProcessBatchJob } from '../pipeline/queues';
import { BatchesRepository, LinksRepository } from '../pipeline/repositories';

/** process-batch: makes the batch's output folder and queues one process-link per pending link. */
@Injectable()
export class BatchesProcessor implements OnApplicationBootstrap {
  private readonly logger = new Logger(BatchesProcessor.name);

  constructor(
    @InjectQueue(BATCHES_QUEUE) private readonly queue: Queue<ProcessBatchJob>,
    private readonly kit: ProcessorKit,
    private readonly batches: BatchesRepository,
    private readonly links: LinksRepository,
    @Inject(STORAGE) private readonly storage: Storage,
    private readonly linksQueue: LinksQueue,
  ) {}

  onApplicationBootstrap(): void {
    this.kit.consume(this.queue, PROCESS_BATCH, this.logger, {
      concurrency: 2,
      load: (data) => this.batches.find(data.batchId),
      open: (batch) => batch.status === 'queued' || batch.status === 'processing',
      label: (data) => `batch ${data.batchId}`,
      firstStep: 'upload',
      outcomes: (batch) => ({
        fail: (step, reason, retryable) => this.failBatch(batch, step, reason, retryable),
        cancel: async () => undefined,
        release: async () => undefined,
      }),
      run: (_job, batch) => this.start(batch),
    });
  }

  private async start(batch: Batch): Promise<void> {
    this.kit.assertRunning();
    const folder = await this.storage.ensureFolder(null, batchFolderName(batch));
    const outputUrl = this.storage.downloadUrl({ batchId: batch.id }, folder);
    if (!(await this.kit.progress.startBatch(batch.id, { outputFolderId: folder.id, outputUrl }))) return;
    const pending = await this.links.idsWithStatus(batch.id, 'pending');
    this.logger.log(`batch ${batch.id}: started, ${pending.length} links queued, output ${folder.id}`);
    await this.kit.progress.event(batch.id, `batch started: ${pending.length} links queued`);
    await this.linksQueue.add(batch.id, pending);
  }

  /** Without its output folder no link can deliver: every link fails with the reason. */
  private async failBatch(batch: Batch, step: FailureStep, reason: string, retryable: boolean): Promise<void> {
    await this.kit.progress.startBatch(batch.id, { outputFolderId: '', outputUrl: '' });
    for (const link of await this.links.withStatus(batch.id, ['pending', 'processing'])) {
      await this.kit.progress.endLink(link, {
        status: 'failed',
        step,
        error: `could not create the batch folder: ${reason}`,
        retryable,
      });
    }
  }
}
