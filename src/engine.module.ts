import { DynamicModule, Module } from '@nestjs/common';
import { BullModule } from '@nestjs/bull';
import { BatchSweeperModule } from './batches/batch-sweeper.module';
import { BatchesModule } from './batches/batches.module';
import { CommonModule } from './common/common.module';
import { RedisModule } from './common/redis.module';
import { AppConfig } from './config/config.schema';
import { APP_CONFIG, AppConfigModule } from './config/config.module';
import { DatabaseModule } from './database/database.module';
import { DriveModule } from './drive/drive.module';
import { GenerationModule } from './generation/generation.module';
import { HealthModule } from './health/health.module';
import { LinksModule } from './links/links.module';
import { SourceModule } from './links/source.module';
import { MetricsModule } from './metrics/metrics.module';
import { ProductsModule } from './products/products.module';
import { PublishingModule } from './publishing/publishing.module';

/** The domain modules, in boot order; the API imports them too, for the services its controllers use. */
export const DOMAIN_MODULES = [
  ProductsModule,
  DriveModule,
  GenerationModule,
  LinksModule,
  BatchesModule,
  PublishingModule,
  HealthModule,
  MetricsModule,
];

/**
 * The engine for one validated configuration: config, Redis, the queues, the database and the domain modules
 * with their processors (which consume only where WORKERS=true). A worker process (worker.ts) boots this alone;
 * AppModule adds the HTTP API on top. Nothing here imports a controller, so a worker never loads Swagger,
 * class-validator, Bull Board, multer or Express.
 */
@Module({})
export class EngineModule {
  static register(config: AppConfig): DynamicModule {
    return {
      module: EngineModule,
      imports: [
        AppConfigModule.forRoot(config),
        CommonModule,
        RedisModule,
        BullModule.forRootAsync({
          inject: [APP_CONFIG],
          useFactory: (c: AppConfig) => ({ url: c.redisUrl, prefix: c.queuePrefix }),
        }),
        DatabaseModule,
        SourceModule,
        ...DOMAIN_MODULES,
        BatchSweeperModule,
      ],
    };
  }
}
