import { Global, Module } from '@nestjs/common';
import { AppConfig } from '../config/config.schema';
import { APP_CONFIG } from '../config/config.module';
import { SLIDESHOW_SOURCE } from '../pipeline/slideshow';
import { createSlideshowSource } from './tiktok/source.factory';

/**
 * The slideshow source (TikTok page, with the tikwm-style API as fallback when configured). Global: the
 * contract (SLIDESHOW_SOURCE) lives in the pipeline, so generation can re-fetch slides a cleared cache
 * lost without importing the links module above it.
 */
@Global()
@Module({
  providers: [
    {
      provide: SLIDESHOW_SOURCE,
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig) => createSlideshowSource(config),
    },
  ],
  exports: [SLIDESHOW_SOURCE],
})
export class SourceModule {}
