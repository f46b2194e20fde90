import { Inject, Injectable, NotFoundException } from '@nestjs/common';
import { SerialisedStatus, serialiseStatus } from './status-body';
import { AppConfig } from '../config/config.schema';
import { InjectConfig } from '../config/config.module';
import { GENERATOR, Generator } from '../generation/generator.interface';
import { MachineSpeed } from '../generation/machine-speed';
import { SlideImageStore } from '../generation/slide-image-store';
import { Batch } from '../pipeline/entities/batch.entity';
import { batchWork, refineEstimate } from './batch-estimate';
import { EtaClock } from './eta-clock';
import { BatchVariation } from '../pipeline/entities/variation.entity';
import {
  BatchesRepository,
  EventsRepository,
  LinksRepository,
  StatusCounts,
  VariationsRepository,
} from '../pipeline/repositories';
import { BATCH_FINAL } from '../pipeline/statuses';
import { StatusCache } from './status-cache';
import { variationView } from './variation-view';
import {
  BatchDetailDto,
  BatchPageDto,
  BatchStatusDto,
  BatchSummaryDto,
  CountsDto,
  ResultFailureDto,
} from './dto/batch-responses.dto';

/** A results page holds at most this many variations (10 links of 10×10), whatever pageSize asks. */
export const MAX_PAGE_VARIATIONS = 1000;

/**
 * Links on one results page: `asked`, lowered so the page holds at most MAX_PAGE_VARIATIONS variations
 * (a page of 50 links of 10×10 would be 5,000 rows, and the API's memory is budgeted for one of 1,000).
 */
export function linksPerPage(asked: number, variationsPerLink: number): number {
  return Math.max(1, Math.min(asked, Math.floor(MAX_PAGE_VARIATIONS / Math.max(1, variationsPerLink))));
}

/**
 * Reads batches for the API. Status is cheap at any size: counts come from GROUP BY on indexed
 * (batchId, status) columns and the activity log from its index; no variation row is loaded; and one
 * computation serves every poller of a batch for STATUS_CACHE_MS (status-cache.ts).
 */
@Injectable()
export class BatchQueryService {
  private readonly statusCache: StatusCache<SerialisedStatus<BatchStatusDto>>;
  private readonly etaClock = new EtaClock();

  constructor(
    @InjectConfig() private readonly config: AppConfig,
    @Inject(GENERATOR) private readonly generator: Generator,
    private readonly batches: BatchesRepository,
    private readonly links: LinksRepository,
    private readonly variations: VariationsRepository,
    private readonly events: EventsRepository,
    private readonly images: SlideImageStore,
    private readonly speed: MachineSpeed,
  ) {
    this.statusCache = new StatusCache(config.statusCacheMs);
  }

  /** Drops the cached status of a batch this process has just changed (cancel, retry, delete). */
  forgetStatus(id: string): void {
    this.statusCache.forget(id);
    this.etaClock.forget(id);
  }

  private async batchOr404(id: string): Promise<Batch> {
    const batch = await this.batches.find(id);
    if (!batch) throw new NotFoundException(`batch ${id} not found`);
    return batch;
  }

  async status(id: string): Promise<BatchStatusDto> {
    return (await this.statusBody(id)).value;
  }

  /** The status with its JSON body and strong ETag, made once per computation and shared by every poller. */
  statusBody(id: string): Promise<SerialisedStatus<BatchStatusDto>> {
    return this.statusCache.get(id, async () => serialiseStatus(await this.computeStatus(id)));
  }

  private async computeStatus(id: string): Promise<BatchStatusDto> {
    const batch = await this.batchOr404(id);
    // The provider's own states (a key resting until its daily reset) explain a pause the counts cannot.
    const { notices } = await this.generator.status().catch(() => ({ notices: [] as string[] }));
    const linkCounts = await this.links.countByStatus(id);
    const varCounts = await this.variations.countByStatus(id);
    // Variations of links not yet planned have no rows: they count by their link's status.
    const unplanned = await this.links.unplannedVariationsByStatus(id);
    const links = this.counts(batch.linksTotal, linkCounts, {});
    const variations = this.counts(batch.variationsTotal, varCounts, {
      failed: unplanned.failed ?? 0,
      cancelled: unplanned.cancelled ?? 0,
      awaiting_review: unplanned.awaiting_review ?? 0,
    });
    const ended = variations.completed + variations.failed + variations.cancelled;
    const final = BATCH_FINAL.includes(batch.status);
    const progress = final ? 100 : batch.variationsTotal ? Math.floor((ended / batch.variationsTotal) * 100) : 0;

    const recent = await this.events.recent(id, 10);
    const failures = await this.failures(id);
    return {
      id: batch.id,
      name: batch.name,
      status: batch.status,
      review: batch.review,
      progress,
      links,
      variations,
      etaSeconds: this.etaClock.next(
        batch.id,
        final || batch.status === 'cancelling' ? null : await this.eta(batch, variations),
        variations.queued + variations.processing,
      ),
      recent: recent.map((e) => ({ at: e.at, linkId: e.linkId, variationId: e.variationId, event: e.event })),
      failures: failures.list,
      retryableVariations: failures.retryableVariations,
      permanentVariations: failures.permanentVariations,
      outputUrl: batch.outputUrl,
      createdAt: batch.createdAt,
      finishedAt: batch.finishedAt,
      notices,
      estimate: await this.refinedEstimate(batch),
    };
  }

  /** The estimate with every fetched link's real slide count and the images already made subtracted. */
  private async refinedEstimate(batch: Batch) {
    const links = await this.links.slideCounts(batch.id);
    const made = await Promise.all(links.map((l) => this.images.countMade(l.id)));
    return refineEstimate(this.config, {
      p: batch.photoVariations,
      t: batch.textVariations,
      links: links.map((l, i) => ({
        slides: l.planSlides ?? (l.sourceSlides === null ? null : l.sourceSlides + 1),
        planned: l.planSlides !== null,
        imagesMade: made[i],
      })),
    });
  }

  private counts(total: number, rows: StatusCounts, extra: Partial<StatusCounts>): CountsDto {
    const completed = rows.completed ?? 0;
    const processing = rows.processing ?? 0;
    const failed = (rows.failed ?? 0) + (extra.failed ?? 0);
    const cancelled = (rows.cancelled ?? 0) + (extra.cancelled ?? 0);
    const awaitingReview = (rows.awaiting_review ?? 0) + (extra.awaiting_review ?? 0);
    return {
      total,
      queued: Math.max(0, total - completed - processing - failed - cancelled - awaitingReview),
      processing,
      completed,
      failed,
      cancelled,
      awaitingReview,
    };
  }

  /**
   * The work model (`batchWork`: links still to fetch, read and plan, variations still to render and export,
   * on the configured worker CPU, spaced by the start rate) for what is left, or the observed completion
   * rate if that is slower. Work waiting for review is not counted: the clock stops for it (null when nothing
   * else is left). `EtaClock` keeps it from rising between completions.
   */
  private async eta(batch: Batch, v: CountsDto): Promise<number | null> {
    const remaining = v.queued + v.processing;
    if (remaining === 0) return v.awaitingReview ? null : 0;
    const links = await this.links.slideCounts(batch.id);
    // A fetched link has its text read too (the fetch step reads it before storing the count).
    const { seconds } = batchWork(
      this.config,
      {
        p: batch.photoVariations,
        t: batch.textVariations,
        video: batch.video,
        variations: remaining,
        links: links.map((l) => ({
          sourceSlides: l.sourceSlides,
          slidesRead: l.sourceSlides ?? 0,
          planSlides: l.planSlides,
        })),
      },
      this.speed.factor(),
    );
    let eta = seconds;
    const done = v.completed + v.failed;
    // A review batch makes nothing until a plan is approved: its clock starts then, not at the batch start.
    const since = batch.review ? await this.links.firstApprovedAt(batch.id) : batch.startedAt;
    if (since && done >= 2) {
      const elapsed = (Date.now() - new Date(since).getTime()) / 1000;
      if (elapsed > 0) eta = Math.max(eta, remaining / (done / elapsed));
    }
    return Math.ceil(eta);
  }

  /**
   * Every failure with whether retry-failed would queue it again, and the variation counts the retry
   * button names: a failed link that had no variations yet stands for all of its variations.
   */
  private async failures(batchId: string) {
    const links = await this.links.failed(batchId);
    const variations = await this.variations.failed(batchId, 100);
    const counts = await this.variations.failedByRetryable(batchId);
    const urls = new Map(links.map((l) => [l.id, l.url]));
    const missing = [...new Set(variations.map((v) => v.linkId).filter((id) => !urls.has(id)))];
    for (const [id, url] of await this.links.urls(missing)) urls.set(id, url);
    let retryableVariations = counts.retryable;
    let permanentVariations = counts.permanent;
    const linkRetryable = (l: (typeof links)[number]) => (l.variationsCreated ? counts.linkIds.has(l.id) : l.retryable);
    for (const l of links.filter((x) => !x.variationsCreated)) {
      if (l.retryable) retryableVariations += l.variationsTotal;
      else permanentVariations += l.variationsTotal;
    }
    const list = [
      ...links.map((l) => ({
        linkId: l.id,
        url: l.url,
        variationId: null,
        step: l.errorStep ?? 'fetch',
        reason: l.error ?? 'failed',
        retryable: linkRetryable(l),
      })),
      ...variations.map((v) => ({
        linkId: v.linkId,
        url: urls.get(v.linkId) ?? '',
        variationId: v.id,
        step: v.errorStep ?? 'generation',
        reason: `v${v.photoIndex}-${v.textIndex}: ${v.error ?? 'failed'}`,
        retryable: v.retryable,
      })),
    ];
    return { list, retryableVariations, permanentVariations };
  }

  /**
   * One page of results: `pageSize` links in position order with their variations (≤ 10×10 each), and the
   * batch's failures (at most 100 links and 100 variations); never the whole batch's rows.
   */
  async detail(id: string, page = 1, asked = 10): Promise<BatchDetailDto> {
    const batch = await this.batchOr404(id);
    const pageSize = linksPerPage(asked, batch.photoVariations * batch.textVariations);
    const [summary] = await this.summaries([batch]);
    const links = await this.links.pageOfBatch(id, (page - 1) * pageSize, pageSize);
    const variations = await this.variations.ofLinks(links.map((l) => l.id));
    const byLink = new Map<string, BatchVariation[]>();
    for (const v of variations) {
      const list = byLink.get(v.linkId);
      if (list) list.push(v);
      else byLink.set(v.linkId, [v]);
    }
    return {
      ...summary,
      error: batch.error,
      page,
      pageSize,
      failures: await this.resultFailures(id),
      links: links.map((l) => ({
        id: l.id,
        position: l.position,
        url: l.url,
        postId: l.postId,
        productId: l.productId,
        status: l.status,
        errorStep: l.errorStep,
        error: l.error,
        caption: l.caption,
        slideCount: l.slideCount,
        outputUrl: l.outputUrl,
        variations: (byLink.get(l.id) ?? []).map((v) => variationView(v, l.plan)),
      })),
    };
  }

  private async resultFailures(batchId: string): Promise<ResultFailureDto[]> {
    const links = await this.links.failed(batchId, 100);
    const variations = await this.variations.failed(batchId, 100);
    const where = await this.links.positions([...new Set(variations.map((v) => v.linkId))]);
    return [
      ...links.map((l) => ({ linkId: l.id, position: l.position, url: l.url, errorStep: l.errorStep, error: l.error })),
      ...variations
        .map((v) => ({
          linkId: v.linkId,
          position: where.get(v.linkId)?.position ?? 0,
          url: where.get(v.linkId)?.url ?? '',
          variationId: v.id,
          photoIndex: v.photoIndex,
          textIndex: v.textIndex,
          errorStep: v.errorStep,
          error: v.error,
        }))
        .sort((a, b) => a.position - b.position || a.photoIndex - b.photoIndex || a.textIndex - b.textIndex),
    ];
  }

  async list(page = 1, pageSize = 20): Promise<BatchPageDto> {
    const [batches, total] = await this.batches.page(page, pageSize);
    return { items: await this.summaries(batches), total, page, pageSize };
  }

  private async summaries(batches: Batch[]): Promise<BatchSummaryDto[]> {
    if (!batches.length) return [];
    const ended = await this.variations.endedCountsOfBatches(batches.map((b) => b.id));
    return batches.map((b) => ({
      id: b.id,
      name: b.name,
      status: b.status,
      photoVariations: b.photoVariations,
      textVariations: b.textVariations,
      video: b.video,
      speed: b.speed,
      review: b.review,
      linksTotal: b.linksTotal,
      variationsTotal: b.variationsTotal,
      variationsCompleted: ended.get(b.id)?.completed ?? 0,
      variationsFailed: ended.get(b.id)?.failed ?? 0,
      generator: b.generator,
      storage: b.storage,
      outputUrl: b.outputUrl,
      createdAt: b.createdAt,
      finishedAt: b.finishedAt,
    }));
  }
}
