import { Module } from '@nestjs/common';
import { BatchesModule } from '../batches/batches.module';
import { DatabaseModule } from '../database/database.module';
import { GenerationModule } from '../generation/generation.module';
import { HealthModule } from '../health/health.module';
import { LinksModule } from '../links/links.module';
import { MetricsController } from './metrics.controller';
import { MetricsService } from './metrics.service';

/** Prometheus metrics of this process at GET /api/metrics (workers: /metrics on WORKER_HEALTH_PORT). */
@Module({
  imports: [DatabaseModule, BatchesModule, LinksModule, GenerationModule, HealthModule],
  controllers: [MetricsController],
  providers: [MetricsService],
  exports: [MetricsService],
})
export class MetricsModule {}
