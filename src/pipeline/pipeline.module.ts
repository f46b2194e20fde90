import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DatabaseModule } from '../database/database.module';
import { BatchProgressService } from './batch-progress.service';
import { PIPELINE_ENTITIES } from './entities';
import { ProcessorKit } from './processor-kit';
import { PIPELINE_REPOSITORIES } from './repositories';

/**
 * The work model every stage shares: the batch, link, variation and event tables and the state machine
 * over them. batches, links, generation and drive build on it; it knows none of them.
 */
@Module({
  imports: [DatabaseModule, TypeOrmModule.forFeature(PIPELINE_ENTITIES)],
  providers: [BatchProgressService, ProcessorKit, ...PIPELINE_REPOSITORIES],
  exports: [TypeOrmModule, BatchProgressService, ProcessorKit, ...PIPELINE_REPOSITORIES],
})
export class PipelineModule {}
