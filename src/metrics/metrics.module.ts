import { Module } from '@nestjs/common';
import { BatchesModule } from '../batches/batches.module';
import { GenerationModule } from '../generation/generation.module';
import { HealthModule } from '../health/health.module';
import { PipelineModule } from '../pipeline/pipeline.module';
import { PublishingModule } from '../publishing/publishing.module';
import { MetricsService } from './metrics.service';

/** Prometheus metrics of this process: GET /api/metrics on the API, /metrics on a worker's WORKER_HEALTH_PORT. */
@Module({
  imports: [PipelineModule, BatchesModule, GenerationModule, HealthModule, PublishingModule],
  providers: [MetricsService],
  exports: [MetricsService],
})
export class MetricsModule {}
