import { ConflictException, Inject, Injectable, Logger, NotFoundException } from '@nestjs/common';
import { STORAGE, Storage } from '../drive/storage.interface';
import { SlideImageStore } from '../generation/slide-image-store';
import { SlideThumbnails } from '../generation/slide-thumbnails';
import { BatchProgressService } from '../pipeline/batch-progress.service';
import { Batch } from '../pipeline/entities/batch.entity';
import { PipelineRows } from '../pipeline/repositories';
import { BATCH_FINAL } from '../pipeline/statuses';
import { WorkQueues } from './work-queues';

/** Steering started batches: cancel, resume, retry what failed, delete. */
@Injectable()
export class BatchControlService {
  private readonly logger = new Logger(BatchControlService.name);

  constructor(
    @Inject(STORAGE) private readonly storage: Storage,
    private readonly progress: BatchProgressService,
    private readonly queues: WorkQueues,
    private readonly rows: PipelineRows,
    private readonly images: SlideImageStore,
    private readonly thumbs: SlideThumbnails,
  ) {}

  async get(id: string): Promise<Batch> {
    const batch = await this.rows.batches.find(id);
    if (!batch) throw new NotFoundException(`batch ${id} not found`);
    return batch;
  }

  /**
   * Queued jobs are removed; running ones stop at their next step boundary (before the next paid call
   * and before any upload). The batch stays `cancelling` until nothing runs, then becomes `cancelled`.
   */
  async cancel(id: string): Promise<{ id: string; status: string }> {
    const batch = await this.get(id);
    if (BATCH_FINAL.includes(batch.status))
      throw new ConflictException(`batch ${id} has already ended (${batch.status}); there is nothing to cancel`);
    // A queued batch (process-batch not run yet) ends at once below: it has nothing running.
    // Parallel cancels: only the one whose conditional update made the change writes the entry and the log.
    const requested = await this.progress.requestCancel(id);
    await this.queues.batches.remove(id);
    await this.queues.links.remove(await this.rows.links.idsWithStatus(id, 'pending'));
    await this.queues.variations.remove((await this.rows.variations.ofBatchWithStatus(id, 'pending')).map((v) => v.id));
    await this.progress.cancelPending(id);
    for (const linkId of await this.rows.links.processingPlannedIds(id)) await this.progress.settleLink(linkId, id);
    await this.progress.settleBatch(id);
    if (requested) this.logger.log(`batch ${id}: cancel requested`);
    return { id, status: (await this.get(id)).status };
  }

  /**
   * Failed links and variations that a retry can help (not private, deleted or region-locked posts or
   * videos) go back to pending, the batch back to processing; what succeeded (fetched
   * slides, stored plans, made images, finished variations) is reused, not redone.
   */
  async retryFailed(id: string): Promise<{ id: string; status: string; links: number; variations: number }> {
    const batch = await this.get(id);
    if (batch.status === 'cancelling' || batch.status === 'queued')
      throw new ConflictException(`batch ${id} is ${batch.status}; retry once it has ended or started`);
    const reopened = await this.progress.reopenFailed(id);
    if (!reopened) {
      const permanent = await this.rows.variations.failedByRetryable(id);
      const links = await this.rows.links.withStatus(id, ['failed'], { id: true });
      if (permanent.permanent || links.length)
        throw new ConflictException(
          `batch ${id} has nothing a retry can fix: its failures are permanent (see failures[].reason)`,
        );
      throw new ConflictException(`batch ${id} has nothing that failed to retry`);
    }
    const { links, variations } = reopened;
    await this.progress.event(id, `retry: ${links} links and ${variations} variations queued again`);
    await this.requeuePending(id);
    this.logger.log(`batch ${id}: retry of ${links} links and ${variations} variations`);
    return { id, status: 'processing', links, variations };
  }

  /**
   * Resume of a cancelled batch: its cancelled links and variations are queued again; completed variations,
   * fetched slides, stored plans and made images are reused. A batch cancelled before it started starts over.
   */
  async resume(id: string): Promise<{ id: string; status: string; links: number; variations: number }> {
    const batch = await this.get(id);
    if (batch.status !== 'cancelled')
      throw new ConflictException(`batch ${id} is ${batch.status}; only a cancelled batch can be resumed`);
    const reopened = await this.progress.reopenCancelled(id);
    if (!reopened) throw new ConflictException(`batch ${id} has nothing cancelled to resume`);
    const { links, variations, restart } = reopened;
    await this.progress.event(id, `resumed: ${links} links and ${variations} variations queued again`);
    if (restart) await this.queues.batches.add(id);
    else await this.requeuePending(id);
    this.logger.log(`batch ${id}: resumed ${links} links and ${variations} variations`);
    return { id, status: restart ? 'queued' : 'processing', links, variations };
  }

  /** Pending links and variations of a started batch back on their queues (ids are deterministic: no duplicates). */
  private async requeuePending(id: string): Promise<void> {
    await this.queues.links.add(id, await this.rows.links.idsWithStatus(id, 'pending'));
    const pendingVariations = await this.rows.variations.ofBatchWithStatus(id, 'pending');
    await this.queues.variations.add(
      pendingVariations.map((v) => ({ batchId: id, linkId: v.linkId, variationId: v.id })),
    );
  }

  /**
   * Deletes an ended batch: rows, its local output, its working images and thumbnails. A batch whose only
   * open work waits for review (nothing runs) is cancelled first.
   */
  async remove(id: string): Promise<void> {
    let batch = await this.get(id);
    if (batch.status === 'processing' && !(await this.rows.links.anyRunning(id))) {
      await this.cancel(id);
      batch = await this.get(id);
    }
    if (!BATCH_FINAL.includes(batch.status))
      throw new ConflictException(`batch ${id} is ${batch.status}; cancel it before deleting`);
    const links = await this.rows.links.ofBatch(id);
    await this.rows.batches.deleteWithRows(id);
    for (const link of links) await this.images.removeLink(link.id);
    await this.thumbs.removeBatch(id);
    if (batch.outputFolderId) await this.storage.removeOutput(batch.outputFolderId);
    this.logger.log(`batch ${id}: deleted`);
  }
}
