export { BatchesRepository } from './batches.repository';
export { EventsRepository } from './events.repository';
export { LinksRepository } from './links.repository';
export type { StatusCounts } from './status-counts';
export { VariationsRepository } from './variations.repository';

import { BatchesRepository } from './batches.repository';
import { EventsRepository } from './events.repository';
import { LinksRepository } from './links.repository';
import { VariationsRepository } from './variations.repository';

export const PIPELINE_REPOSITORIES = [BatchesRepository, LinksRepository, VariationsRepository, EventsRepository];
