import { Module } from '@nestjs/common';
import { MulterModule } from '@nestjs/platform-express';
import { registerQueue } from '../common/queueing';
import { DatabaseModule } from '../database/database.module';
import { DriveModule } from '../drive/drive.module';
import { GenerationModule } from '../generation/generation.module';
import { LinksModule } from '../links/links.module';
import { multerOptions } from '../products/products.module';
import { ProductsModule } from '../products/products.module';
import { BatchProgressModule } from './batch-progress.module';
import { BatchQueryService } from './batch-query.service';
import { BatchesController } from './batches.controller';
import { BatchesProcessor } from './batches.processor';
import { BATCHES_QUEUE, BatchesQueue } from './batches.queue';
import { BatchesService } from './batches.service';

/** Home of the `batches` queue (process-batch) and the batch API. */
@Module({
  imports: [
    ...registerQueue(BATCHES_QUEUE),
    MulterModule.registerAsync(multerOptions),
    DatabaseModule,
    DriveModule,
    GenerationModule,
    LinksModule,
    ProductsModule,
    BatchProgressModule,
  ],
  controllers: [BatchesController],
  providers: [BatchesQueue, BatchesService, BatchQueryService, BatchesProcessor],
  exports: [BatchesQueue, BatchQueryService],
})
export class BatchesModule {}
