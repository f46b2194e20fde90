import { Module } from '@nestjs/common';
import { PipelineModule } from '../pipeline/pipeline.module';
import { registerQueue } from '../common/queueing';
import { DatabaseModule } from '../database/database.module';
import { DriveModule } from '../drive/drive.module';
import { GenerationModule } from '../generation/generation.module';
import { ProductsModule } from '../products/products.module';
import { LinkPlanner } from './link-planner.service';
import { LinksProcessor } from './links.processor';
import { LinksQueue } from './links.queue';
import { SourceModule } from './source.module';
import { LINKS_QUEUE } from '../pipeline/queues';

/** Home of the `links` queue (process-link: fetch, analysis, variation rows); the preview route is the API's. */
@Module({
  imports: [
    registerQueue(LINKS_QUEUE),
    DatabaseModule,
    DriveModule,
    GenerationModule,
    SourceModule,
    PipelineModule,
    ProductsModule,
  ],
  providers: [LinksQueue, LinkPlanner, LinksProcessor],
  exports: [LinksQueue],
})
export class LinksModule {}
