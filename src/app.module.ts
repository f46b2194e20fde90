import { DynamicModule, Module } from '@nestjs/common';
import { BullModule } from '@nestjs/bull';
import { ExpressAdapter } from '@bull-board/express';
import { BullBoardModule } from '@bull-board/nestjs';
import { AuthModule } from './auth/auth.module';
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

/**
 * The whole app for one validated configuration. The same module serves `npm start` (API + workers),
 * an API-only process (WORKERS=false) and a worker process (no HTTP listener); the tests build it too.
 */
@Module({})
export class AppModule {
  static register(config: AppConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        AppConfigModule.forRoot(config),
        CommonModule,
        RedisModule,
        BullModule.forRootAsync({
          inject: [APP_CONFIG],
          useFactory: (c: AppConfig) => ({ url: c.redisUrl, prefix: c.queuePrefix }),
        }),
        BullBoardModule.forRoot({ route: '/admin/queues', adapter: ExpressAdapter }),
        DatabaseModule,
        SourceModule,
        ProductsModule,
        DriveModule,
        GenerationModule,
        LinksModule,
        BatchesModule,
        PublishingModule,
        HealthModule,
        MetricsModule,
        BatchSweeperModule,
        AuthModule,
      ],
    };
  }
}
