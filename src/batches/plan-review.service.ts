import { BadRequestException, ConflictException, Injectable, Logger, NotFoundException } from '@nestjs/common';
import { LinksQueue } from '../links/links.queue';
import { BatchProgressService } from '../pipeline/batch-progress.service';
import { Batch } from '../pipeline/entities/batch.entity';
import { BatchLink } from '../pipeline/entities/link.entity';
import { SlideshowPlan } from '../pipeline/plan';
import { checkEditedPlan } from '../pipeline/plan-edit';
import { PipelineRows } from '../pipeline/repositories';
import { SourceSlide } from '../pipeline/slideshow';
import { PLAN_EDITABLE } from '../pipeline/statuses';

/**
 * Review before paying: a link's plan read and replaced while nothing has been made from it, and the
 * approval that lets its variations be made. Approving is one conditional UPDATE per link (the state
 * machine's), so concurrent approvals queue a link's work once.
 */
@Injectable()
export class PlanReviewService {
  private readonly logger = new Logger(PlanReviewService.name);

  constructor(
    private readonly rows: PipelineRows,
    private readonly progress: BatchProgressService,
    private readonly linksQueue: LinksQueue,
  ) {}

  private async find(batchId: string, linkId: string): Promise<{ batch: Batch; link: BatchLink }> {
    const batch = await this.rows.batches.find(batchId);
    if (!batch) throw new NotFoundException(`batch ${batchId} not found`);
    const link = await this.rows.links.findInBatch(batchId, linkId);
    if (!link) throw new NotFoundException(`link ${linkId} is not in batch ${batchId}`);
    return { batch, link };
  }

  async plan(batchId: string, linkId: string): Promise<SlideshowPlan> {
    const { link } = await this.find(batchId, linkId);
    if (!link.plan)
      throw new NotFoundException(`link ${link.position} has no plan yet (${link.status}): it is made by the analysis`);
    return link.plan;
  }

  /** The source slide a plan slide re-makes (its thumbnail in the review). */
  async sourceSlide(batchId: string, linkId: string, index: number): Promise<SourceSlide> {
    const { link } = await this.find(batchId, linkId);
    const slide = link.slideshow?.slides.find((s) => s.index === index);
    if (!slide) throw new NotFoundException(`link ${link.position} has no source slide ${index}`);
    return slide;
  }

  /** Replaces the plan, all or nothing: 409 once anything is being made from it, 400 naming each bad field. */
  async replacePlan(batchId: string, linkId: string, candidate: unknown): Promise<SlideshowPlan> {
    const { batch, link } = await this.find(batchId, linkId);
    this.assertEditable(link);
    const check = checkEditedPlan(candidate, {
      p: batch.photoVariations,
      t: batch.textVariations,
      sourceSlides: link.slideshow?.slides.length ?? 0,
    });
    if (!check.ok || !check.plan) throw new BadRequestException(check.errors);
    if (!(await this.rows.links.replacePlanWhileEditable(link.id, check.plan))) {
      this.assertEditable((await this.rows.links.find(link.id)) ?? link);
      throw new ConflictException(`link ${link.position} changed while saving; reload its plan and try again`);
    }
    await this.progress.event(
      batchId,
      `link ${link.position} plan edited: ${check.plan.slides.length} slides`,
      link.id,
    );
    this.logger.log(`batch ${batchId} link ${link.id}: plan replaced`);
    return check.plan;
  }

  private assertEditable(link: BatchLink): void {
    if (!link.plan)
      throw new ConflictException(`link ${link.position} has no plan yet (${link.status}); wait for its analysis`);
    if (link.variationsCreated)
      throw new ConflictException(
        `link ${link.position} already has its variations (${link.status}): a plan can only be changed before images are made`,
      );
    if (!PLAN_EDITABLE.includes(link.status))
      throw new ConflictException(
        `link ${link.position} is ${link.status}: its plan can be changed while it awaits review (or after it failed)`,
      );
  }

  async approveLink(batchId: string, linkId: string): Promise<{ batchId: string; approved: string[] }> {
    const { batch, link } = await this.find(batchId, linkId);
    if (!(await this.progress.approve(link))) {
      const now = (await this.rows.links.find(link.id)) ?? link;
      const why =
        batch.status !== 'processing'
          ? `batch ${batchId} is ${batch.status}`
          : now.approvedAt
            ? `link ${link.position} was approved already (${now.status})`
            : `link ${link.position} is ${now.status}, not awaiting review`;
      throw new ConflictException(`nothing to approve: ${why}`);
    }
    await this.linksQueue.addAfterRunning(batchId, [link.id]);
    return { batchId, approved: [link.id] };
  }

  /** Approves every link of the batch that awaits review; each is queued by the caller that approved it. */
  async approveAll(batchId: string): Promise<{ batchId: string; approved: string[] }> {
    const batch = await this.rows.batches.find(batchId);
    if (!batch) throw new NotFoundException(`batch ${batchId} not found`);
    const waiting = await this.rows.links.withStatus(batchId, ['awaiting_review'], {
      id: true,
      batchId: true,
      position: true,
    });
    const approved: string[] = [];
    for (const link of waiting) if (await this.progress.approve(link)) approved.push(link.id);
    if (!approved.length)
      throw new ConflictException(`nothing to approve: no link of batch ${batchId} awaits review (${batch.status})`);
    await this.linksQueue.addAfterRunning(batchId, approved);
    this.logger.log(`batch ${batchId}: ${approved.length} links approved`);
    return { batchId, approved };
  }
}
