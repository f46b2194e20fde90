import { Module } from '@nestjs/common';
import { DatabaseModule } from '../database/database.module';
import { BatchProgressService } from './batch-progress.service';

/** State transitions of batches, links and variations, shared by the three processors and the API. */
@Module({ imports: [DatabaseModule], providers: [BatchProgressService], exports: [BatchProgressService] })
export class BatchProgressModule {}
