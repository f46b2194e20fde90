import { Module } from '@nestjs/common';
import { MulterModule } from '@nestjs/platform-express';
import { BullAdapter } from '@bull-board/api/bullAdapter';
import { ExpressAdapter } from '@bull-board/express';
import { BullBoardModule } from '@bull-board/nestjs';
import { memoryStorage } from 'multer';
import { AuthModule } from './auth/auth.module';
import { BatchesController } from './batches/batches.controller';
import { PlanReviewController } from './batches/plan-review.controller';
import { VariationEditsController } from './batches/variation-edits.controller';
import { AppConfig } from './config/config.schema';
import { APP_CONFIG } from './config/config.module';
import { DownloadsController } from './drive/downloads.controller';
import { DOMAIN_MODULES } from './engine.module';
import { ThumbnailsController } from './generation/thumbnails.controller';
import { HealthController } from './health/health.controller';
import { PreviewController } from './links/preview.controller';
import { MetricsController } from './metrics/metrics.controller';
import { PipelineModule } from './pipeline/pipeline.module';
import { BATCHES_QUEUE, LINKS_QUEUE, VARIATIONS_QUEUE } from './pipeline/queues';
import { ProductsController } from './products/products.controller';
import { UploadLimitFilter } from './products/upload-limit.filter';
import { PUBLISHING_QUEUE } from './publishing/publishing.queue';
import { TikTokAccountsController } from './publishing/tiktok-accounts.controller';
import { TikTokMediaController } from './publishing/tiktok-media.controller';
import { TikTokPostsController } from './publishing/tiktok-posts.controller';

/** Upload limits shared by every multipart route (products and curl-style batches). */
const multerOptions = {
  inject: [APP_CONFIG],
  useFactory: (config: AppConfig) => ({
    storage: memoryStorage(),
    limits: { fileSize: config.uploads.maxBytes, files: 101, fields: 400, fieldSize: 256 * 1024, parts: 600 },
  }),
};

const BOARD_QUEUES = [BATCHES_QUEUE, LINKS_QUEUE, VARIATIONS_QUEUE, PUBLISHING_QUEUE];

/**
 * What only an HTTP process needs, on top of the domain modules: every controller (with its Swagger-decorated,
 * class-validator DTOs), multipart uploads, login, and Bull Board over the four queues. AppModule puts it on top
 * of EngineModule; a worker process boots EngineModule alone, so it never loads those libraries (checked by
 * `npm run lint`: .dependency-cruiser-worker.cjs).
 */
@Module({
  imports: [
    BullBoardModule.forRoot({ route: '/admin/queues', adapter: ExpressAdapter }),
    BullBoardModule.forFeature(...BOARD_QUEUES.map((name) => ({ name, adapter: BullAdapter }))),
    MulterModule.registerAsync(multerOptions),
    AuthModule,
    PipelineModule,
    ...DOMAIN_MODULES,
  ],
  // In the order the routes were registered (and the OpenAPI document listed them) before they moved here.
  controllers: [
    ProductsController,
    DownloadsController,
    ThumbnailsController,
    PreviewController,
    BatchesController,
    PlanReviewController,
    VariationEditsController,
    TikTokAccountsController,
    TikTokPostsController,
    TikTokMediaController,
    HealthController,
    MetricsController,
  ],
  providers: [UploadLimitFilter],
})
export class ApiModule {}
