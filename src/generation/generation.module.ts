import { Module } from '@nestjs/common';
import type Redis from 'ioredis';
import { PipelineModule } from '../pipeline/pipeline.module';
import { RedisRateLimiter } from '../common/rate-limiter';
import { REDIS } from '../common/redis.module';
import { registerQueue } from '../common/queueing';
import { AppConfig } from '../config/config.schema';
import { APP_CONFIG } from '../config/config.module';
import { DatabaseModule } from '../database/database.module';
import { DriveModule } from '../drive/drive.module';
import { ProductsModule } from '../products/products.module';
import { GENERATOR, Generator } from './generator.interface';
import { LocalGenerator } from './local/local-generator';
import { MachineSpeed } from './machine-speed';
import { SlideImageStore } from './slide-image-store';
import { SlideMaker } from './slide-maker.service';
import { SourceTextService } from './text-reader/source-text.service';
import { SlideThumbnails } from './slide-thumbnails';
import { VariationDelivery } from './variation-delivery.service';
import { VariationEdits } from './variation-edits.service';
import { VariationStarts } from './variation-starts';
import { VariationsProcessor } from './variations.processor';
import { VariationsQueue } from './variations.queue';
import { VideoService } from './video/video.service';
import { VARIATIONS_QUEUE } from '../pipeline/queues';

/** The generator, chosen here and nowhere else: Gemini when a key is set (or GENERATOR=gemini), else offline. */
export function createGenerator(
  config: AppConfig,
  limiter: RedisRateLimiter,
  redis: Redis,
  reader?: SourceTextService,
): Generator {
  if (config.generator !== 'gemini') return new LocalGenerator(config);
  // Loaded only when chosen: @google/genai (~19 MB of RSS, measured) is not needed by the offline generator.
  const { GeminiGenerator } = require('./gemini/gemini-generator') as typeof import('./gemini/gemini-generator');
  return new GeminiGenerator(config, limiter, redis, config.textReader.enabled ? reader : undefined);
}

/**
 * Home of the `variations` queue (VARIATION_RATE_LIMIT is kept by the processor's start gate, a sliding window
 * in Redis shared by every worker: variation-starts.ts), the generator and the slide image store. The queue has
 * no Bull limiter on top: its fixed windows delayed jobs the gate would have started, and cost 7% of the
 * quota-bound makespan (bench/makespan.ts: 1.11 with it, 1.03 without).
 */
@Module({
  imports: [registerQueue(VARIATIONS_QUEUE), DatabaseModule, DriveModule, PipelineModule, ProductsModule],
  providers: [
    MachineSpeed,
    VariationsQueue,
    VariationsProcessor,
    VariationStarts,
    SlideMaker,
    SourceTextService,
    VariationDelivery,
    VariationEdits,
    VideoService,
    {
      provide: GENERATOR,
      inject: [APP_CONFIG, RedisRateLimiter, REDIS, SourceTextService],
      useFactory: createGenerator,
    },
    {
      provide: SlideImageStore,
      inject: [APP_CONFIG, REDIS],
      useFactory: (config: AppConfig, redis: Redis) =>
        new SlideImageStore(config.dataDir, redis, config.queuePrefix, config.jobs.lockMs),
    },
    {
      provide: SlideThumbnails,
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig) => new SlideThumbnails(config.dataDir),
    },
  ],
  exports: [
    MachineSpeed,
    VariationsQueue,
    GENERATOR,
    SlideImageStore,
    SourceTextService,
    VariationEdits,
    SlideThumbnails,
  ],
})
export class GenerationModule {}
