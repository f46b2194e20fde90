import { Module } from '@nestjs/common';
import { BatchesModule } from '../batches/batches.module';
import { DatabaseModule } from '../database/database.module';
import { DriveModule } from '../drive/drive.module';
import { GenerationModule } from '../generation/generation.module';
import { PublishingModule } from '../publishing/publishing.module';
import { WorkerHeartbeatService } from './worker-heartbeat.service';

@Module({
  imports: [DatabaseModule, DriveModule, GenerationModule, BatchesModule, PublishingModule],
  providers: [WorkerHeartbeatService],
  exports: [WorkerHeartbeatService],
})
export class HealthModule {}
