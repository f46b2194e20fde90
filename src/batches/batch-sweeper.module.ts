import { Module } from '@nestjs/common';
import { DriveModule } from '../drive/drive.module';
import { PipelineModule } from '../pipeline/pipeline.module';
import { BatchSweeperService } from './batch-sweeper.service';
import { BatchesModule } from './batches.module';

/** The periodic sweeper for work whose job was lost (runs in worker processes only). */
@Module({
  imports: [PipelineModule, BatchesModule, DriveModule],
  providers: [BatchSweeperService],
  exports: [BatchSweeperService],
})
export class BatchSweeperModule {}
