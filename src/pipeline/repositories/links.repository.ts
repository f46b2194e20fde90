import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager, FindOptionsSelect, In, Repository } from 'typeorm';
import { BatchLink } from '../entities/link.entity';
import { SlideshowPlan } from '../plan';
import { LINK_OPEN, LinkStatus, PLAN_EDITABLE } from '../statuses';
import { StatusCounts, statusCounts } from './status-counts';

/** Named queries of the `batch_links` table. */
@Injectable()
export class LinksRepository {
  readonly repo: Repository<BatchLink>;

  constructor(@InjectDataSource() ds: DataSource) {
    this.repo = ds.getRepository(BatchLink);
  }

  find(id: string): Promise<BatchLink | null> {
    return this.repo.findOne({ where: { id } });
  }

  findInBatch(batchId: string, linkId: string): Promise<BatchLink | null> {
    return this.repo.findOne({ where: { id: linkId, batchId } });
  }

  /** A batch's links in position order. */
  ofBatch(batchId: string): Promise<BatchLink[]> {
    return this.repo.find({ where: { batchId }, order: { position: 'ASC' } });
  }

  /** One page of a batch's links in position order (the (batchId, position) index). */
  pageOfBatch(batchId: string, skip: number, take: number): Promise<BatchLink[]> {
    return this.repo.find({ where: { batchId }, order: { position: 'ASC' }, skip, take });
  }

  /** Ids of a batch's links in one status, in position order. */
  async idsWithStatus(batchId: string, status: LinkStatus): Promise<string[]> {
    const rows = await this.repo.find({ where: { batchId, status }, select: ['id'], order: { position: 'ASC' } });
    return rows.map((l) => l.id);
  }

  /** A batch's links in the given statuses, with the columns asked for. */
  withStatus(batchId: string, statuses: LinkStatus[], select?: FindOptionsSelect<BatchLink>): Promise<BatchLink[]> {
    return this.repo.find({ where: { batchId, status: In(statuses) }, select, order: { position: 'ASC' } });
  }

  /** Links of a batch by status. */
  countByStatus(batchId: string): Promise<StatusCounts> {
    return statusCounts(
      this.repo
        .createQueryBuilder('l')
        .select('l.status', 'status')
        .addSelect('COUNT(*)', 'n')
        .where('l."batchId" = :batchId', { batchId })
        .groupBy('l.status'),
    );
  }

  /** Variations of links that have no variation rows yet (not planned), by their link's status. */
  unplannedVariationsByStatus(batchId: string): Promise<StatusCounts> {
    return statusCounts(
      this.repo
        .createQueryBuilder('l')
        .select('l.status', 'status')
        .addSelect('SUM(l."variationsTotal")', 'n')
        .where('l."batchId" = :batchId AND l."variationsCreated" = :no', { batchId, no: false })
        .groupBy('l.status'),
    );
  }

  /** Open links of the given batches whose variation rows do not exist yet (the sweeper's lost-link suspects). */
  openUnplanned(batchIds: string[]): Promise<BatchLink[]> {
    if (!batchIds.length) return Promise.resolve([]);
    return this.repo.find({
      where: { batchId: In(batchIds), status: In(['pending', 'processing']), variationsCreated: false },
      select: ['id', 'batchId', 'position', 'status', 'slideshow', 'plan'],
    });
  }

  /** Ids of a batch's processing links that have their variation rows (they end when those do). */
  async processingPlannedIds(batchId: string): Promise<string[]> {
    const rows = await this.repo.find({
      where: { batchId, status: 'processing', variationsCreated: true },
      select: ['id'],
    });
    return rows.map((l) => l.id);
  }

  /** Stores an edited plan if the link's plan is still editable (no variations, awaiting review or failed). */
  async replacePlanWhileEditable(id: string, plan: SlideshowPlan): Promise<boolean> {
    const res = await this.repo
      .createQueryBuilder()
      .update()
      .set({ plan })
      .where('id = :id AND "variationsCreated" = :no AND status IN (:...editable)', {
        id,
        no: false,
        editable: PLAN_EDITABLE,
      })
      .execute();
    return !!res.affected;
  }

  /** True while a link of the batch is fetched, analysed or waiting to be (anything but awaiting review or ended). */
  async anyRunning(batchId: string): Promise<boolean> {
    const running = LINK_OPEN.filter((s) => s !== 'awaiting_review');
    return (await this.repo.count({ where: { batchId, status: In(running) } })) > 0;
  }

  /** When the first link of a review batch was approved (its variations started then), or null. */
  async firstApprovedAt(batchId: string): Promise<Date | null> {
    const row: { first: string | Date | null } | undefined = await this.repo
      .createQueryBuilder('l')
      .select('MIN(l."approvedAt")', 'first')
      .where('l."batchId" = :batchId', { batchId })
      .getRawOne();
    const first = row?.first;
    if (!first) return null;
    // SQLite hands a raw MIN() back as text in UTC without a zone ("2026-01-01 10:00:00"); PostgreSQL a Date.
    return typeof first === 'string' && !/[zZ]|[+-]\d\d:?\d\d$/.test(first)
      ? new Date(`${first.replace(' ', 'T')}Z`)
      : new Date(first);
  }

  /** Failed links of a batch, for the failures list (at most `take` when given). */
  failed(batchId: string, take?: number): Promise<BatchLink[]> {
    return this.repo.find({
      where: { batchId, status: 'failed' },
      select: ['id', 'url', 'errorStep', 'error', 'position', 'retryable', 'variationsCreated', 'variationsTotal'],
      order: { position: 'ASC' },
      take,
    });
  }

  /** Per link of a batch: its plan's slide count, or the fetched source's, or null before the fetch. */
  async slideCounts(
    batchId: string,
  ): Promise<Array<{ id: string; planSlides: number | null; sourceSlides: number | null }>> {
    const rows = await this.repo.find({ where: { batchId }, select: ['id', 'slideCount', 'plan'] });
    return rows.map((l) => ({ id: l.id, planSlides: l.plan?.slides.length ?? null, sourceSlides: l.slideCount }));
  }

  /** id → position and url for the given links. */
  async positions(ids: string[]): Promise<Map<string, { position: number; url: string }>> {
    if (!ids.length) return new Map();
    const rows = await this.repo.find({ where: { id: In(ids) }, select: ['id', 'position', 'url'] });
    return new Map(rows.map((l) => [l.id, { position: l.position, url: l.url }]));
  }

  /** id → url for the given links. */
  async urls(ids: string[]): Promise<Map<string, string>> {
    if (!ids.length) return new Map();
    const rows = await this.repo.find({ where: { id: In(ids) }, select: ['id', 'url'] });
    return new Map(rows.map((l) => [l.id, l.url]));
  }

  async position(id: string, em?: EntityManager): Promise<number | null> {
    const repo = em ? em.getRepository(BatchLink) : this.repo;
    return (await repo.findOne({ where: { id }, select: ['id', 'position'] }))?.position ?? null;
  }
}
