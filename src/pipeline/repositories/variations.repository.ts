import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager, In, Repository } from 'typeorm';
import { BatchVariation } from '../entities/variation.entity';
import { ItemStatus } from '../statuses';
import { StatusCounts, statusCounts } from './status-counts';

/** Named queries of the `batch_variations` table. */
@Injectable()
export class VariationsRepository {
  readonly repo: Repository<BatchVariation>;

  constructor(@InjectDataSource() ds: DataSource) {
    this.repo = ds.getRepository(BatchVariation);
  }

  find(id: string): Promise<BatchVariation | null> {
    return this.repo.findOne({ where: { id } });
  }

  /** A link's variations in (p, t) order. */
  ofLink(linkId: string): Promise<BatchVariation[]> {
    return this.repo.find({ where: { linkId }, order: { photoIndex: 'ASC', textIndex: 'ASC' } });
  }

  /** The given variations in (p, t) order. */
  byIds(ids: string[]): Promise<BatchVariation[]> {
    return this.repo.find({ where: { id: In(ids) }, order: { photoIndex: 'ASC', textIndex: 'ASC' } });
  }

  /** Stores an edit made after delivery: the new texts or caption, the re-delivered files and the history. */
  async saveEdit(
    id: string,
    set: Partial<Pick<BatchVariation, 'texts' | 'caption' | 'files' | 'videoError' | 'edits'>>,
  ): Promise<void> {
    await this.repo.update({ id }, set);
  }

  /** A batch's variations in (p, t) order. */
  ofBatch(batchId: string): Promise<BatchVariation[]> {
    return this.repo.find({ where: { batchId }, order: { photoIndex: 'ASC', textIndex: 'ASC' } });
  }

  /** The variations of the given links (a page of results) in (link, p, t) order. */
  ofLinks(linkIds: string[]): Promise<BatchVariation[]> {
    if (!linkIds.length) return Promise.resolve([]);
    return this.repo.find({
      where: { linkId: In(linkIds) },
      order: { linkId: 'ASC', photoIndex: 'ASC', textIndex: 'ASC' },
    });
  }

  /** Variations of a batch by status: one GROUP BY on the (batchId, status) index, no row loaded. */
  countByStatus(batchId: string): Promise<StatusCounts> {
    return statusCounts(
      this.repo
        .createQueryBuilder('v')
        .select('v.status', 'status')
        .addSelect('COUNT(*)', 'n')
        .where('v."batchId" = :batchId', { batchId })
        .groupBy('v.status'),
    );
  }

  /** Variations of a link by status (inside `em` when read in a transaction). */
  countByStatusOfLink(linkId: string, em?: EntityManager): Promise<StatusCounts> {
    return statusCounts(
      (em ? em.getRepository(BatchVariation) : this.repo)
        .createQueryBuilder('v')
        .select('v.status', 'status')
        .addSelect('COUNT(*)', 'n')
        .where('v."linkId" = :linkId', { linkId })
        .groupBy('v.status'),
    );
  }

  /** Completed and failed counts per batch for a page of the history. */
  async endedCountsOfBatches(batchIds: string[]): Promise<Map<string, { completed: number; failed: number }>> {
    const out = new Map(batchIds.map((id) => [id, { completed: 0, failed: 0 }]));
    if (!batchIds.length) return out;
    const rows: { batchId: string; status: string; n: string | number }[] = await this.repo
      .createQueryBuilder('v')
      .select('v."batchId"', 'batchId')
      .addSelect('v.status', 'status')
      .addSelect('COUNT(*)', 'n')
      .where('v."batchId" IN (:...batchIds)', { batchIds })
      .andWhere('v.status IN (:...s)', { s: ['completed', 'failed'] })
      .groupBy('v."batchId"')
      .addGroupBy('v.status')
      .getRawMany();
    for (const r of rows) {
      const c = out.get(r.batchId);
      if (c && (r.status === 'completed' || r.status === 'failed')) c[r.status] = Number(r.n);
    }
    return out;
  }

  /** Ids of a batch's variations in one status. */
  async ofBatchWithStatus(batchId: string, status: ItemStatus): Promise<Pick<BatchVariation, 'id' | 'linkId'>[]> {
    return this.repo.find({ where: { batchId, status }, select: ['id', 'linkId'] });
  }

  /** Ids of a link's variations in one status. */
  async idsOfLinkWithStatus(linkId: string, status: ItemStatus): Promise<string[]> {
    return (await this.repo.find({ where: { linkId, status }, select: ['id'] })).map((v) => v.id);
  }

  /** Failed variations of a batch, for the failures list (at most `take`). */
  failed(batchId: string, take = 100): Promise<BatchVariation[]> {
    return this.repo.find({
      where: { batchId, status: 'failed' },
      select: ['id', 'linkId', 'errorStep', 'error', 'photoIndex', 'textIndex', 'retryable'],
      order: { photoIndex: 'ASC', textIndex: 'ASC' },
      take,
    });
  }

  /** Failed variations of a batch a retry can help (retryable) and those it cannot, counted by row. */
  async failedByRetryable(batchId: string): Promise<{ retryable: number; permanent: number; linkIds: Set<string> }> {
    const rows: { linkId: string; retryable: boolean | number; n: string | number }[] = await this.repo
      .createQueryBuilder('v')
      .select('v."linkId"', 'linkId')
      .addSelect('v.retryable', 'retryable')
      .addSelect('COUNT(*)', 'n')
      .where('v."batchId" = :batchId AND v.status = :s', { batchId, s: 'failed' })
      .groupBy('v."linkId"')
      .addGroupBy('v.retryable')
      .getRawMany();
    const out = { retryable: 0, permanent: 0, linkIds: new Set<string>() };
    for (const r of rows) {
      // SQLite returns booleans as 0/1.
      if (r.retryable === true || Number(r.retryable) === 1) {
        out.retryable += Number(r.n);
        out.linkIds.add(r.linkId);
      } else out.permanent += Number(r.n);
    }
    return out;
  }

  /** The first failed variation of a link, for the link's own error line. */
  firstFailedOfLink(linkId: string, em?: EntityManager): Promise<BatchVariation | null> {
    return (em ? em.getRepository(BatchVariation) : this.repo).findOne({
      where: { linkId, status: 'failed' },
      order: { photoIndex: 'ASC', textIndex: 'ASC' },
    });
  }

  /** The files of a batch's (or one link's) completed variations: all a download may hold. */
  async deliveredFiles(scope: { batchId: string; linkId?: string }): Promise<{ folderId: string; name: string }[]> {
    const rows = await this.repo.find({
      where: { batchId: scope.batchId, ...(scope.linkId ? { linkId: scope.linkId } : {}), status: 'completed' },
      select: ['id', 'outputFolderId', 'files'],
    });
    return rows.flatMap((v) =>
      v.outputFolderId ? (v.files ?? []).map((f) => ({ folderId: v.outputFolderId as string, name: f.name })) : [],
    );
  }

  /** Open variations of the given batches (the sweeper's lost-variation suspects). */
  open(batchIds: string[]): Promise<BatchVariation[]> {
    if (!batchIds.length) return Promise.resolve([]);
    return this.repo.find({
      where: { batchId: In(batchIds), status: In(['pending', 'processing']) },
      select: ['id', 'batchId', 'linkId', 'photoIndex', 'textIndex', 'status'],
    });
  }
}
