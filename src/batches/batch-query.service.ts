import { Injectable, NotFoundException } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, In } from 'typeorm';
import { BATCH_FINAL } from '../common/statuses';
import { AppConfig } from '../config/config.schema';
import { InjectConfig } from '../config/config.module';
import { BatchVariation } from '../generation/variation.entity';
import { BatchLink } from '../links/link.entity';
import { Batch } from './batch.entity';
import { BatchEvent } from './batch-event.entity';
import { BatchDetailDto, BatchPageDto, BatchStatusDto, BatchSummaryDto, CountsDto } from './dto/batch-responses.dto';

type Counts = Record<string, number>;

/**
 * Reads batches for the API. Status is cheap at any size: counts come from GROUP BY on indexed
 * (batchId, status) columns and the activity log from its index; no variation row is loaded.
 */
@Injectable()
export class BatchQueryService {
  constructor(
    @InjectDataSource() private readonly ds: DataSource,
    @InjectConfig() private readonly config: AppConfig,
  ) {}

  private p(n: number): string {
    return this.ds.options.type === 'postgres' ? `$${n}` : '?';
  }

  private async grouped(sql: string, params: unknown[]): Promise<Counts> {
    const rows: { status: string; n: string | number }[] = await this.ds.query(sql, params);
    return Object.fromEntries(rows.map((r) => [r.status, Number(r.n)]));
  }

  private async batchOr404(id: string): Promise<Batch> {
    const batch = await this.ds.getRepository(Batch).findOne({ where: { id } });
    if (!batch) throw new NotFoundException(`batch ${id} not found`);
    return batch;
  }

  async status(id: string, notices: string[] = []): Promise<BatchStatusDto> {
    const batch = await this.batchOr404(id);
    const linkCounts = await this.grouped(
      `SELECT status, COUNT(*) AS n FROM batch_links WHERE "batchId" = ${this.p(1)} GROUP BY status`,
      [id],
    );
    const varCounts = await this.grouped(
      `SELECT status, COUNT(*) AS n FROM batch_variations WHERE "batchId" = ${this.p(1)} GROUP BY status`,
      [id],
    );
    // Variations of links not yet planned have no rows: they count by their link's status.
    const unplanned = await this.grouped(
      `SELECT status, SUM("variationsTotal") AS n FROM batch_links WHERE "batchId" = ${this.p(1)} AND "variationsCreated" = ${this.p(2)} GROUP BY status`,
      [id, false],
    );
    const links = this.counts(batch.linksTotal, linkCounts, {});
    const variations = this.counts(batch.variationsTotal, varCounts, {
      failed: unplanned.failed ?? 0,
      cancelled: unplanned.cancelled ?? 0,
    });
    const ended = variations.completed + variations.failed + variations.cancelled;
    const final = BATCH_FINAL.includes(batch.status);
    const progress = final ? 100 : batch.variationsTotal ? Math.floor((ended / batch.variationsTotal) * 100) : 0;

    const recent = await this.ds
      .getRepository(BatchEvent)
      .find({ where: { batchId: id }, order: { id: 'DESC' }, take: 10 });
    return {
      id: batch.id,
      name: batch.name,
      status: batch.status,
      progress,
      links,
      variations,
      etaSeconds: final || batch.status === 'cancelling' ? null : await this.eta(batch, variations),
      recent: recent.map((e) => ({ at: e.at, linkId: e.linkId, variationId: e.variationId, event: e.event })),
      failures: await this.failures(id),
      outputUrl: batch.outputUrl,
      createdAt: batch.createdAt,
      finishedAt: batch.finishedAt,
      notices,
    };
  }

  private counts(total: number, rows: Counts, extra: Partial<Counts>): CountsDto {
    const completed = rows.completed ?? 0;
    const processing = rows.processing ?? 0;
    const failed = (rows.failed ?? 0) + (extra.failed ?? 0);
    const cancelled = (rows.cancelled ?? 0) + (extra.cancelled ?? 0);
    return {
      total,
      queued: Math.max(0, total - completed - processing - failed - cancelled),
      processing,
      completed,
      failed,
      cancelled,
    };
  }

  /** Remaining variations over the slower of the observed completion rate and the configured rate limit. */
  private async eta(batch: Batch, v: CountsDto): Promise<number> {
    const remaining = v.queued + v.processing;
    if (remaining === 0) return 0;
    const limitRate = (this.config.variationRate.max / this.config.variationRate.durationMs) * 1000;
    let rate = limitRate;
    const done = v.completed + v.failed;
    if (batch.startedAt && done >= 2) {
      const elapsed = (Date.now() - new Date(batch.startedAt).getTime()) / 1000;
      if (elapsed > 0) rate = Math.min(limitRate, done / elapsed);
    }
    return Math.ceil(remaining / rate);
  }

  private async failures(batchId: string) {
    const links = await this.ds.getRepository(BatchLink).find({
      where: { batchId, status: 'failed' },
      select: ['id', 'url', 'errorStep', 'error', 'position'],
      order: { position: 'ASC' },
    });
    const variations = await this.ds.getRepository(BatchVariation).find({
      where: { batchId, status: 'failed' },
      select: ['id', 'linkId', 'errorStep', 'error', 'photoIndex', 'textIndex'],
      take: 100,
    });
    const urls = new Map(links.map((l) => [l.id, l.url]));
    const missing = [...new Set(variations.map((v) => v.linkId).filter((id) => !urls.has(id)))];
    if (missing.length) {
      for (const l of await this.ds
        .getRepository(BatchLink)
        .find({ where: { id: In(missing) }, select: ['id', 'url'] }))
        urls.set(l.id, l.url);
    }
    return [
      ...links.map((l) => ({
        linkId: l.id,
        url: l.url,
        variationId: null,
        step: l.errorStep ?? 'fetch',
        reason: l.error ?? 'failed',
      })),
      ...variations.map((v) => ({
        linkId: v.linkId,
        url: urls.get(v.linkId) ?? '',
        variationId: v.id,
        step: v.errorStep ?? 'generation',
        reason: `v${v.photoIndex}-${v.textIndex}: ${v.error ?? 'failed'}`,
      })),
    ];
  }

  async detail(id: string): Promise<BatchDetailDto> {
    const batch = await this.batchOr404(id);
    const [summary] = await this.summaries([batch]);
    const links = await this.ds.getRepository(BatchLink).find({ where: { batchId: id }, order: { position: 'ASC' } });
    const variations = await this.ds
      .getRepository(BatchVariation)
      .find({ where: { batchId: id }, order: { photoIndex: 'ASC', textIndex: 'ASC' } });
    const byLink = new Map<string, BatchVariation[]>();
    for (const v of variations) byLink.set(v.linkId, [...(byLink.get(v.linkId) ?? []), v]);
    return {
      ...summary,
      error: batch.error,
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
        variations: (byLink.get(l.id) ?? []).map((v) => ({
          id: v.id,
          photoIndex: v.photoIndex,
          textIndex: v.textIndex,
          status: v.status,
          errorStep: v.errorStep,
          error: v.error,
          outputUrl: v.outputUrl,
          videoError: v.videoError,
          files: v.files ?? [],
        })),
      })),
    };
  }

  async list(page = 1, pageSize = 20): Promise<BatchPageDto> {
    const [batches, total] = await this.ds
      .getRepository(Batch)
      .findAndCount({ order: { createdAt: 'DESC' }, skip: (page - 1) * pageSize, take: pageSize });
    return { items: await this.summaries(batches), total, page, pageSize };
  }

  private async summaries(batches: Batch[]): Promise<BatchSummaryDto[]> {
    if (!batches.length) return [];
    const ids = batches.map((b) => b.id);
    const rows: { batchId: string; status: string; n: string | number }[] = await this.ds
      .getRepository(BatchVariation)
      .createQueryBuilder('v')
      .select('v."batchId"', 'batchId')
      .addSelect('v.status', 'status')
      .addSelect('COUNT(*)', 'n')
      .where('v."batchId" IN (:...ids)', { ids })
      .andWhere('v.status IN (:...s)', { s: ['completed', 'failed'] })
      .groupBy('v."batchId"')
      .addGroupBy('v.status')
      .getRawMany();
    const count = (id: string, s: string) => Number(rows.find((r) => r.batchId === id && r.status === s)?.n ?? 0);
    return batches.map((b) => ({
      id: b.id,
      name: b.name,
      status: b.status,
      photoVariations: b.photoVariations,
      textVariations: b.textVariations,
      video: b.video,
      linksTotal: b.linksTotal,
      variationsTotal: b.variationsTotal,
      variationsCompleted: count(b.id, 'completed'),
      variationsFailed: count(b.id, 'failed'),
      generator: b.generator,
      storage: b.storage,
      outputUrl: b.outputUrl,
      createdAt: b.createdAt,
      finishedAt: b.finishedAt,
    }));
  }
}
