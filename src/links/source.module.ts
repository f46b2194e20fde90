import { Module } from '@nestjs/common';
import { AppConfig } from '../config/config.schema';
import { APP_CONFIG } from '../config/config.module';
import { SLIDESHOW_SOURCE } from './slideshow-source.interface';
import { createSlideshowSource } from './tiktok/source.factory';

/** The slideshow source (TikTok page, with the tikwm-style API as fallback when configured). */
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
