import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, FindOptionsSelect, In, Repository } from 'typeorm';
import { BatchLink } from '../entities/link.entity';
import { ItemStatus } from '../statuses';
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

  /** Ids of a batch's links in one status, in position order. */
  async idsWithStatus(batchId: string, status: ItemStatus): Promise<string[]> {
    const rows = await this.repo.find({ where: { batchId, status }, select: ['id'], order: { position: 'ASC' } });
    return rows.map((l) => l.id);
  }

  /** A batch's links in the given statuses, with the columns asked for. */
  withStatus(batchId: string, statuses: ItemStatus[], select?: FindOptionsSelect<BatchLink>): Promise<BatchLink[]> {
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

  /** Failed links of a batch, for the failures list. */
  failed(batchId: string): Promise<BatchLink[]> {
    return this.repo.find({
      where: { batchId, status: 'failed' },
      select: ['id', 'url', 'errorStep', 'error', 'position', 'retryable', 'variationsCreated', 'variationsTotal'],
      order: { position: 'ASC' },
    });
  }

  /** id → url for the given links. */
  async urls(ids: string[]): Promise<Map<string, string>> {
    if (!ids.length) return new Map();
    const rows = await this.repo.find({ where: { id: In(ids) }, select: ['id', 'url'] });
    return new Map(rows.map((l) => [l.id, l.url]));
  }

  async position(id: string): Promise<number | null> {
    return (await this.repo.findOne({ where: { id }, select: ['id', 'position'] }))?.position ?? null;
  }
}
