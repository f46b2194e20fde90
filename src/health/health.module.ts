import { Module } from '@nestjs/common';
import { WorkerHeartbeatService } from './worker-heartbeat.service';

/** Worker heartbeats (Redis and config are global); GET /api/health is the API's (api.module.ts). */
@Module({
  providers: [WorkerHeartbeatService],
  exports: [WorkerHeartbeatService],
})
export class HealthModule {}
