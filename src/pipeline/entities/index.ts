import { BatchEvent } from './batch-event.entity';
import { Batch } from './batch.entity';
import { BatchLink } from './link.entity';
import { BatchVariation } from './variation.entity';

export { Batch, BatchEvent, BatchLink, BatchVariation };

/** The work model's tables: registered by PipelineModule (the app) and listed by ormconfig.ts (the CLI). */
export const PIPELINE_ENTITIES = [Batch, BatchLink, BatchVariation, BatchEvent];
