import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { InjectQueue } from '@nestjs/bull';
import type { Job, Queue } from 'bull';
import { BatchVariation } from '../pipeline/entities/variation.entity';
import { InjectConfig } from '../config/config.module';
import type { AppConfig } from '../config/config.schema';
import { collectPixelGarbage } from '../common/pixel-garbage';
import { ProcessorKit, StepTracker } from '../pipeline/processor-kit';
import { GENERATE_VARIATION, GenerateVariationJob, VARIATIONS_QUEUE } from '../pipeline/queues';
import { PipelineRows } from '../pipeline/repositories';
import { variationCoreSeconds } from './estimate';
import { MachineSpeed } from './machine-speed';
import { PlannedLink, SlideMaker } from './slide-maker.service';
import { VariationDelivery } from './variation-delivery.service';
import { VariationStarts } from './variation-starts';

/**
 * generate-variation: waits for a start slot, makes the slides of photo variant p with text variant t
 * (SlideMaker), delivers them (VariationDelivery). Checks for cancel before each paid call and before
 * uploading.
 */
@Injectable()
export class VariationsProcessor implements OnApplicationBootstrap {
  private readonly logger = new Logger(VariationsProcessor.name);

  constructor(
    @InjectConfig() private readonly config: AppConfig,
    @InjectQueue(VARIATIONS_QUEUE) private readonly queue: Queue<GenerateVariationJob>,
    private readonly kit: ProcessorKit,
    private readonly rows: PipelineRows,
    private readonly starts: VariationStarts,
    private readonly slides: SlideMaker,
    private readonly delivery: VariationDelivery,
    private readonly speed: MachineSpeed,
  ) {}

  onApplicationBootstrap(): void {
    const progress = this.kit.progress;
    this.kit.consume(this.queue, GENERATE_VARIATION, this.logger, {
      load: (data) => this.rows.variations.find(data.variationId),
      open: (v) => v.status === 'pending' || v.status === 'processing',
      label: (data) => `batch ${data.batchId} variation ${data.variationId}`,
      firstStep: 'generation',
      outcomes: (v) => ({
        fail: async (step, reason, retryable) =>
          void (await progress.endVariation(v, { status: 'failed', step, error: reason, retryable })),
        cancel: async () => void (await progress.endVariation(v, { status: 'cancelled' })),
        release: () => progress.release(BatchVariation, v.id),
      }),
      run: (job, v, step) => this.run(job, v, step),
    });
  }

  private async run(job: Job<GenerateVariationJob>, v: BatchVariation, step: StepTracker): Promise<void> {
    const progress = this.kit.progress;
    const checkpoint = () => progress.checkpoint(v.batchId);
    await checkpoint();
    await this.starts.acquire(checkpoint);
    if (!(await progress.claimVariation(v.id, new Date()))) return;
    await checkpoint();

    // From here the work is the time model's (estimate.ts): its CPU teaches MachineSpeed this machine's pace.
    // Offline only: with Gemini the images are made elsewhere and the model's render core-seconds do not apply.
    const measured = this.config.generator === 'local';
    let made = 0;
    if (measured) this.speed.begin();
    try {
      const link = await this.rows.links.find(v.linkId);
      const batch = await this.rows.batches.find(v.batchId);
      if (!link?.plan || !link.slideshow || !link.outputFolderId || !batch) {
        throw new Error('link has no plan or folder yet');
      }
      const { slides, slideshow, warnings } = await this.slides.make(link as PlannedLink, v, checkpoint, batch.speed);

      await checkpoint();
      step.current = 'upload';
      const done = await this.delivery.deliver(
        { link: { ...(link as PlannedLink), outputFolderId: link.outputFolderId }, variation: v, video: batch.video },
        slides,
        slideshow,
        (pct) => job.progress(pct),
      );
      if (warnings.length) this.logger.log(`batch ${v.batchId} variation ${v.id}: ${warnings.join('; ')}`);
      await progress.endVariation(v, { ...done, warnings });
      made = variationCoreSeconds(this.config, slides.length, batch.video);
    } finally {
      if (measured) this.speed.end(made);
    }
    collectPixelGarbage();
  }
}
