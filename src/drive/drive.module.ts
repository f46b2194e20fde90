import * as path from 'node:path';
import { Logger, Module } from '@nestjs/common';
import { crashAt } from '../common/crash-point';
import { AppConfig } from '../config/config.schema';
import { APP_CONFIG } from '../config/config.module';
import { PipelineModule } from '../pipeline/pipeline.module';
import { LocalStorage } from './local-storage';
import { STORAGE, Storage } from './storage.interface';

/** Delivery: Google Drive or the local folder, chosen here and nowhere else (STORAGE). */
export function createStorage(config: AppConfig): Storage {
  if (config.storage === 'drive') {
    // Loaded only when chosen: a process delivering to the local folder never pays for the Google client.
    const { DriveStorage } = require('./drive-storage') as typeof import('./drive-storage');
    return new DriveStorage(config);
  }
  const output = path.join(config.dataDir, 'output');
  return new LocalStorage(output, path.join(config.dataDir, 'tmp', 'output'), crashAt(config.crashAt));
}

@Module({
  imports: [PipelineModule],
  providers: [
    {
      provide: STORAGE,
      inject: [APP_CONFIG],
      useFactory: async (config: AppConfig) => {
        const storage = createStorage(config);
        // A Drive misconfiguration is reported at boot, not at the first upload of a batch.
        const logger = new Logger('DriveModule');
        await storage.check().catch((e: Error) => logger.error(`storage check failed: ${e.message}`));
        // What a process killed mid-write left behind (its temp files) goes before anything is served.
        const orphans = await storage.removeOrphans({ tree: true }).catch(() => []);
        if (orphans.length) logger.warn(`removed ${orphans.length} unfinished files left by stopped processes`);
        return storage;
      },
    },
  ],
  exports: [STORAGE],
})
export class DriveModule {}
