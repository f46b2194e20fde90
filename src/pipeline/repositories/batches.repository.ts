import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager, In, Repository } from 'typeorm';
import { TransactionRunner } from '../../database/transaction-runner';
import { BatchEvent } from '../entities/batch-event.entity';
import { Batch } from '../entities/batch.entity';
import { BatchLink } from '../entities/link.entity';
import { BatchVariation } from '../entities/variation.entity';
import { BatchStatus } from '../statuses';
import { StatusCounts, statusCounts } from './status-counts';

/** Named queries of the `batches` table. State changes are BatchProgressService's (the state machine). */
@Injectable()
export class BatchesRepository {
  readonly repo: Repository<Batch>;

  constructor(
    @InjectDataSource() ds: DataSource,
    private readonly tx: TransactionRunner,
  ) {
    this.repo = ds.getRepository(Batch);
  }

  /** Removes a batch with its events, links and variations in one transaction (or inside `em`'s). */
  async deleteWithRows(id: string, em?: EntityManager): Promise<void> {
    const work = async (m: EntityManager) => {
      await m.getRepository(BatchEvent).delete({ batchId: id });
      await m.getRepository(BatchVariation).delete({ batchId: id });
      await m.getRepository(BatchLink).delete({ batchId: id });
      await m.getRepository(Batch).delete({ id });
    };
    await (em ? work(em) : this.tx.run(work));
  }

  find(id: string): Promise<Batch | null> {
    return this.repo.findOne({ where: { id } });
  }

  async status(id: string): Promise<BatchStatus | null> {
    return (await this.repo.findOne({ where: { id }, select: ['id', 'status'] }))?.status ?? null;
  }

  /** The history page: newest first. */
  page(page: number, pageSize: number): Promise<[Batch[], number]> {
    return this.repo.findAndCount({ order: { createdAt: 'DESC' }, skip: (page - 1) * pageSize, take: pageSize });
  }

  /** Ids of batches in the given statuses (the sweeper's starting point). */
  async idsWithStatus(statuses: BatchStatus[]): Promise<string[]> {
    return (await this.repo.find({ where: { status: In(statuses) }, select: ['id'] })).map((b) => b.id);
  }

  /** Batches by status over the whole table (metrics). */
  countByStatus(): Promise<StatusCounts> {
    return statusCounts(
      this.repo.createQueryBuilder('b').select('b.status', 'status').addSelect('COUNT(*)', 'n').groupBy('b.status'),
    );
  }
}
