import { Injectable } from '@nestjs/common';
import { BatchesRepository } from './batches.repository';
import { EventsRepository } from './events.repository';
import { LinksRepository } from './links.repository';
import { VariationsRepository } from './variations.repository';

export { BatchesRepository, EventsRepository, LinksRepository, VariationsRepository };
export type { StatusCounts } from './status-counts';

/** The three work tables together, for the callers that read all of them (the variation job, the sweeper). */
@Injectable()
export class PipelineRows {
  constructor(
    readonly batches: BatchesRepository,
    readonly links: LinksRepository,
    readonly variations: VariationsRepository,
  ) {}
}

export const PIPELINE_REPOSITORIES = [
  BatchesRepository,
  LinksRepository,
  VariationsRepository,
  EventsRepository,
  PipelineRows,
];
