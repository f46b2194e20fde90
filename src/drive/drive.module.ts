import * as path from 'node:path';
import { Logger, Module } from '@nestjs/common';
import { AppConfig } from '../config/config.schema';
import { APP_CONFIG } from '../config/config.module';
import { PipelineModule } from '../pipeline/pipeline.module';
import { DownloadsController } from './downloads.controller';
import { DriveStorage } from './drive-storage';
import { LocalStorage } from './local-storage';
import { STORAGE, Storage } from './storage.interface';

/** Delivery: Google Drive or the local folder, chosen here and nowhere else (STORAGE). */
export function createStorage(config: AppConfig): Storage {
  if (config.storage === 'drive') return new DriveStorage(config);
  return new LocalStorage(path.join(config.dataDir, 'output'));
}

@Module({
  imports: [PipelineModule],
  controllers: [DownloadsController],
  providers: [
    {
      provide: STORAGE,
      inject: [APP_CONFIG],
      useFactory: async (config: AppConfig) => {
        const storage = createStorage(config);
        // A Drive misconfiguration is reported at boot, not at the first upload of a batch.
        await storage
          .check()
          .catch((e: Error) => new Logger('DriveModule').error(`storage check failed: ${e.message}`));
        return storage;
      },
    },
  ],
  exports: [STORAGE],
})
export class DriveModule {}
