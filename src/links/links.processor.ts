import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { InjectQueue } from '@nestjs/bull';
import type { Queue } from 'bull';
import { VariationsQueue } from '../generation/variations.queue';
import { BatchLink } from '../pipeline/entities/link.entity';
import { ProcessorKit, StepTracker } from '../pipeline/processor-kit';
import { LINKS_QUEUE, PROCESS_LINK, ProcessLinkJob } from '../pipeline/queues';
import { PipelineRows } from '../pipeline/repositories';
import { LinkPlanner } from './link-planner.service';

/**
 * process-link: fetch, analysis once, the link's folder and P×T variation rows (LinkPlanner), then one
 * generate-variation per pending variation. Checks for cancel between the steps. In a review batch the
 * link stops after analysis (`awaiting_review`) until its plan is approved.
 */
@Injectable()
export class LinksProcessor implements OnApplicationBootstrap {
  private readonly logger = new Logger(LinksProcessor.name);

  constructor(
    @InjectQueue(LINKS_QUEUE) private readonly queue: Queue<ProcessLinkJob>,
    private readonly kit: ProcessorKit,
    private readonly planner: LinkPlanner,
    private readonly rows: PipelineRows,
    private readonly variationsQueue: VariationsQueue,
  ) {}

  onApplicationBootstrap(): void {
    const progress = this.kit.progress;
    this.kit.consume(this.queue, PROCESS_LINK, this.logger, {
      load: (data) => this.rows.links.find(data.linkId),
      open: (link) => link.status === 'pending' || link.status === 'processing',
      label: (data) => `batch ${data.batchId} link ${data.linkId}`,
      firstStep: 'fetch',
      outcomes: (link) => ({
        fail: (step, reason, retryable) => progress.endLink(link, { status: 'failed', step, error: reason, retryable }),
        cancel: () =>
          link.variationsCreated
            ? progress.settleLink(link.id, link.batchId)
            : progress.endLink(link, { status: 'cancelled' }),
        release: () => progress.release(BatchLink, link.id),
      }),
      run: (_job, link, step) => this.run(link, step),
    });
  }

  private async run(link: BatchLink, step: StepTracker): Promise<void> {
    const progress = this.kit.progress;
    await progress.checkpoint(link.batchId);
    if (!(await progress.claimLink(link.id))) return;
    if (!link.variationsCreated) {
      const batch = await this.rows.batches.find(link.batchId);
      if (!batch) return;
      const slideshow = await this.planner.fetch(link);
      await progress.checkpoint(link.batchId);
      step.current = 'analysis';
      await this.planner.plan(link, batch, slideshow);
      await progress.checkpoint(link.batchId);
      // A review batch stops here until the user approves the plan (POST …/approve queues this job again).
      if (batch.review && !link.approvedAt) {
        await progress.awaitReview(link);
        return;
      }
      step.current = 'upload';
      await this.planner.openVariations(link, batch);
    }
    const pending = await this.rows.variations.idsOfLinkWithStatus(link.id, 'pending');
    await this.variationsQueue.add(
      pending.map((variationId) => ({ batchId: link.batchId, linkId: link.id, variationId })),
    );
    // A retried link whose variations had all ended already (nothing pending) settles here.
    await progress.settleLink(link.id, link.batchId);
  }
}
