import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { InjectQueue } from '@nestjs/bull';
import { InjectRepository } from '@nestjs/typeorm';
import type { Job, Queue } from 'bull';
import { Repository } from 'typeorm';
import { consume, runJob } from '../common/job-runner';
import { WorkerLifecycle } from '../common/worker-lifecycle';
import { AppConfig } from '../config/config.schema';
import { InjectConfig } from '../config/config.module';
import { batchFolderName } from '../drive/output-tree';
import { STORAGE, Storage } from '../drive/storage.interface';
import { BatchLink } from '../pipeline/entities/link.entity';
import { LinksQueue } from '../links/links.queue';
import { Batch } from '../pipeline/entities/batch.entity';
import { BatchProgressService } from '../pipeline/batch-progress.service';
import { BATCHES_QUEUE, PROCESS_BATCH, ProcessBatchJob } from '../pipeline/queues';

/** process-batch: makes the batch's output folder and queues one process-link per pending link. */
@Injectable()
export class BatchesProcessor implements OnApplicationBootstrap {
  private readonly logger = new Logger(BatchesProcessor.name);

  constructor(
    @InjectQueue(BATCHES_QUEUE) private readonly queue: Queue<ProcessBatchJob>,
    @InjectRepository(Batch) private readonly batches: Repository<Batch>,
    @InjectRepository(BatchLink) private readonly links: Repository<BatchLink>,
    @Inject(STORAGE) private readonly storage: Storage,
    @InjectConfig() private readonly config: AppConfig,
    private readonly progress: BatchProgressService,
    private readonly linksQueue: LinksQueue,
    private readonly lifecycle: WorkerLifecycle,
  ) {}

  onApplicationBootstrap(): void {
    consume(this.queue, PROCESS_BATCH, { config: this.config, lifecycle: this.lifecycle, concurrency: 2 }, (job) =>
      this.handle(job),
    );
  }

  async handle(job: Job<ProcessBatchJob>): Promise<void> {
    const { batchId } = job.data;
    const batch = await this.batches.findOne({ where: { id: batchId } });
    if (!batch || !['queued', 'processing'].includes(batch.status)) return;
    await runJob(
      job,
      this.logger,
      `batch ${batchId}`,
      {
        step: 'upload',
        fail: (step, reason) => this.failBatch(batch, step, reason),
        cancel: async () => undefined,
        release: async () => undefined,
      },
      async () => {
        this.lifecycle.assertRunning();
        const folder = await this.storage.ensureFolder(null, batchFolderName(batch));
        const outputUrl = this.storage.name === 'local' ? `/api/batch/${batchId}/download` : folder.url;
        if (!(await this.progress.startBatch(batchId, { outputFolderId: folder.id, outputUrl }))) return;
        const pending = await this.links.find({
          where: { batchId, status: 'pending' },
          select: ['id'],
          order: { position: 'ASC' },
        });
        this.logger.log(`batch ${batchId}: started, ${pending.length} links queued, output ${folder.id}`);
        await this.progress.event(batchId, `batch started: ${pending.length} links queued`);
        await this.linksQueue.add(
          batchId,
          pending.map((l) => l.id),
        );
      },
    );
  }

  /** Without its output folder no link can deliver: every link fails with the reason. */
  private async failBatch(
    batch: Batch,
    step: 'fetch' | 'analysis' | 'generation' | 'upload',
    reason: string,
  ): Promise<void> {
    await this.progress.startBatch(batch.id, { outputFolderId: '', outputUrl: '' });
    const open = await this.links.find({
      where: [
        { batchId: batch.id, status: 'pending' },
        { batchId: batch.id, status: 'processing' },
      ],
    });
    for (const link of open) {
      await this.progress.endLink(link, {
        status: 'failed',
        step,
        error: `could not create the batch folder: ${reason}`,
      });
    }
  }
}
