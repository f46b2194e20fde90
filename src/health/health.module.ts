import { Module } from '@nestjs/common';
import { BatchesModule } from '../batches/batches.module';
import { DatabaseModule } from '../database/database.module';
import { DriveModule } from '../drive/drive.module';
import { GenerationModule } from '../generation/generation.module';
import { HealthController } from './health.controller';
import { WorkerHeartbeatService } from './worker-heartbeat.service';

@Module({
  imports: [DatabaseModule, DriveModule, GenerationModule, BatchesModule],
  controllers: [HealthController],
  providers: [WorkerHeartbeatService],
  exports: [WorkerHeartbeatService],
})
export class HealthModule {}
