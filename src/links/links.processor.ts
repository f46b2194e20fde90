import * as fs from 'node:fs';
import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { InjectQueue } from '@nestjs/bull';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Job, Queue } from 'bull';
import { DataSource } from 'typeorm';
import { Batch } from '../pipeline/entities/batch.entity';
import { BatchProgressService } from '../pipeline/batch-progress.service';
import { FailureStep } from '../common/errors';
import { TransactionRunner } from '../database/transaction-runner';
import { consume, runJob } from '../common/job-runner';
import { WorkerLifecycle } from '../common/worker-lifecycle';
import { AppConfig } from '../config/config.schema';
import { InjectConfig } from '../config/config.module';
import { linkFolderName } from '../drive/output-tree';
import { STORAGE, Storage } from '../drive/storage.interface';
import { GENERATOR, Generator } from '../generation/generator.interface';
import { BatchVariation } from '../pipeline/entities/variation.entity';
import { VariationsQueue } from '../generation/variations.queue';
import { ProductsService } from '../products/products.service';
import { BatchLink } from '../pipeline/entities/link.entity';

import { FetchedSlideshow, SLIDESHOW_SOURCE, SlideshowSource } from '../pipeline/slideshow';
import { LINKS_QUEUE, PROCESS_LINK, ProcessLinkJob } from '../pipeline/queues';

/**
 * process-link: fetch the slideshow, run the analysis once (its plan is stored: a retry never pays for it
 * again), make the link's output folder and its P×T variation rows, then queue one generate-variation each.
 */
@Injectable()
export class LinksProcessor implements OnApplicationBootstrap {
  private readonly logger = new Logger(LinksProcessor.name);

  constructor(
    @InjectQueue(LINKS_QUEUE) private readonly queue: Queue<ProcessLinkJob>,
    @InjectDataSource() private readonly ds: DataSource,
    @Inject(SLIDESHOW_SOURCE) private readonly source: SlideshowSource,
    @Inject(GENERATOR) private readonly generator: Generator,
    @Inject(STORAGE) private readonly storage: Storage,
    @InjectConfig() private readonly config: AppConfig,
    private readonly progress: BatchProgressService,
    private readonly variationsQueue: VariationsQueue,
    private readonly lifecycle: WorkerLifecycle,
    private readonly products: ProductsService,
    private readonly tx: TransactionRunner,
  ) {}

  onApplicationBootstrap(): void {
    consume(this.queue, PROCESS_LINK, { config: this.config, lifecycle: this.lifecycle }, (job) => this.handle(job));
  }

  async handle(job: Job<ProcessLinkJob>): Promise<void> {
    const { batchId, linkId } = job.data;
    const links = this.ds.getRepository(BatchLink);
    const link = await links.findOne({ where: { id: linkId } });
    if (!link || !['pending', 'processing'].includes(link.status)) return;
    let step: FailureStep = 'fetch';
    await runJob(
      job,
      this.logger,
      `batch ${batchId} link ${linkId}`,
      {
        get step() {
          return step;
        },
        fail: (s, reason) => this.progress.endLink(link, { status: 'failed', step: s, error: reason }),
        cancel: () =>
          link.variationsCreated
            ? this.progress.settleLink(linkId, batchId)
            : this.progress.endLink(link, { status: 'cancelled' }),
        release: () => this.progress.release(BatchLink, linkId),
      },
      async () => {
        await this.progress.checkpoint(batchId);
        if (!(await this.progress.claimLink(linkId))) return;
        if (!link.variationsCreated) {
          const batch = await this.ds.getRepository(Batch).findOneByOrFail({ id: batchId });
          const slideshow = await this.fetch(link);
          await this.progress.checkpoint(batchId);
          step = 'analysis';
          if (!link.plan) {
            const product = await this.products.input(link.productId);
            link.plan = await this.generator.analyse({
              linkId,
              slideshow,
              product,
              photoVariations: batch.photoVariations,
              textVariations: batch.textVariations,
            });
            await links.update({ id: linkId }, { plan: link.plan });
            await this.progress.event(
              batchId,
              `link ${link.position} planned: ${link.plan.slides.length} slides`,
              linkId,
            );
          }
          await this.progress.checkpoint(batchId);
          step = 'upload';
          const folder = await this.storage.ensureFolder(
            batch.outputFolderId || null,
            linkFolderName(link.position, link.postId),
          );
          const outputUrl =
            this.storage.name === 'local' ? `/api/batch/${batchId}/links/${linkId}/download` : folder.url;
          await this.createVariations(link, batch, folder.id, outputUrl);
        }
        const pending = await this.ds
          .getRepository(BatchVariation)
          .find({ where: { linkId, status: 'pending' }, select: ['id'] });
        await this.variationsQueue.add(pending.map((v) => ({ batchId, linkId, variationId: v.id })));
        // A retried link whose variations had all ended already (nothing pending) settles here.
        await this.progress.settleLink(linkId, batchId);
      },
    );
  }

  /** The stored fetch result when its files are still there, else a (cached) fetch from the source. */
  private async fetch(link: BatchLink): Promise<FetchedSlideshow> {
    if (link.slideshow && link.slideshow.slides.every((s) => fs.existsSync(s.path))) return link.slideshow;
    const slideshow = await this.source.fetch(link.slideshow?.url ?? link.url);
    link.slideshow = slideshow;
    link.postId = slideshow.postId;
    await this.ds
      .getRepository(BatchLink)
      .update(
        { id: link.id },
        { slideshow, postId: slideshow.postId, caption: slideshow.caption, slideCount: slideshow.slides.length },
      );
    await this.progress.event(
      link.batchId,
      `link ${link.position} fetched: ${slideshow.slides.length} slides`,
      link.id,
    );
    return slideshow;
  }

  /** P×T rows and the link's folder in one transaction; unique (link, p, t) makes a re-run harmless. */
  private async createVariations(
    link: BatchLink,
    batch: Batch,
    outputFolderId: string,
    outputUrl: string,
  ): Promise<void> {
    await this.tx.run(async (em) => {
      const existing = await em.getRepository(BatchVariation).count({ where: { linkId: link.id } });
      if (existing === 0) {
        const rows: Partial<BatchVariation>[] = [];
        for (let p = 1; p <= batch.photoVariations; p++) {
          for (let t = 1; t <= batch.textVariations; t++) {
            rows.push({ batchId: batch.id, linkId: link.id, photoIndex: p, textIndex: t, status: 'pending' });
          }
        }
        await em.getRepository(BatchVariation).insert(rows);
      }
      await em.getRepository(BatchLink).update({ id: link.id }, { variationsCreated: true, outputFolderId, outputUrl });
    });
    link.variationsCreated = true;
    this.logger.log(`batch ${batch.id} link ${link.id}: ${link.variationsTotal} variations queued`);
  }
}
