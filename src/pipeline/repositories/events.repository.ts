import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager, Repository } from 'typeorm';
import { BatchEvent } from '../entities/batch-event.entity';

/** The activity log (`batch_events`): appended by the state machine and the batch API, read by status. */
@Injectable()
export class EventsRepository {
  readonly repo: Repository<BatchEvent>;

  constructor(@InjectDataSource() ds: DataSource) {
    this.repo = ds.getRepository(BatchEvent);
  }

  /** Appends one entry; inside `em` when it must commit with a state change. */
  async add(
    entry: { batchId: string; event: string; linkId?: string | null; variationId?: string | null },
    em?: EntityManager,
  ): Promise<void> {
    const repo = em ? em.getRepository(BatchEvent) : this.repo;
    await repo.insert({
      batchId: entry.batchId,
      event: entry.event.slice(0, 500),
      linkId: entry.linkId ?? null,
      variationId: entry.variationId ?? null,
    });
  }

  /** The newest `take` entries of a batch, newest first (the (batchId, id) index). */
  recent(batchId: string, take = 10): Promise<BatchEvent[]> {
    return this.repo.find({ where: { batchId }, order: { id: 'DESC' }, take });
  }
}
