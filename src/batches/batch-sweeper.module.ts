import { Module } from '@nestjs/common';
import { DatabaseModule } from '../database/database.module';
import { GenerationModule } from '../generation/generation.module';
import { LinksModule } from '../links/links.module';
import { BatchProgressModule } from './batch-progress.module';
import { BatchSweeperService } from './batch-sweeper.service';
import { BatchesModule } from './batches.module';

/** The periodic sweeper for work whose job was lost (runs in worker processes only). */
@Module({
  imports: [DatabaseModule, BatchProgressModule, BatchesModule, LinksModule, GenerationModule],
  providers: [BatchSweeperService],
  exports: [BatchSweeperService],
})
export class BatchSweeperModule {}
