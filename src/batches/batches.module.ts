import { Module } from '@nestjs/common';
import { registerQueue } from '../common/queueing';
import { DatabaseModule } from '../database/database.module';
import { DriveModule } from '../drive/drive.module';
import { GenerationModule } from '../generation/generation.module';
import { LinksModule } from '../links/links.module';
import { ProductsModule } from '../products/products.module';
import { PipelineModule } from '../pipeline/pipeline.module';
import { BatchQueryService } from './batch-query.service';
import { BatchesProcessor } from './batches.processor';
import { BatchesQueue } from './batches.queue';
import { BatchesService } from './batches.service';
import { BatchControlService } from './batch-control.service';
import { WorkQueues } from './work-queues';
import { PlanReviewService } from './plan-review.service';
import { BATCHES_QUEUE } from '../pipeline/queues';

/** Home of the `batches` queue (process-batch) and the services behind the batch API (routes: api.module.ts). */
@Module({
  imports: [
    registerQueue(BATCHES_QUEUE),
    DatabaseModule,
    DriveModule,
    GenerationModule,
    LinksModule,
    ProductsModule,
    PipelineModule,
  ],
  providers: [
    BatchesQueue,
    WorkQueues,
    BatchesService,
    BatchControlService,
    BatchQueryService,
    BatchesProcessor,
    PlanReviewService,
  ],
  exports: [BatchesQueue, WorkQueues, BatchesService, BatchControlService, BatchQueryService, PlanReviewService],
})
export class BatchesModule {}
