import * as fs from 'node:fs';
import * as path from 'node:path';
import { DataSourceOptions } from 'typeorm';
import { AppConfig } from '../config/config.schema';
import { Batch } from '../batches/batch.entity';
import { BatchEvent } from '../batches/batch-event.entity';
import { BatchVariation } from '../generation/variation.entity';
import { BatchLink } from '../links/link.entity';
import { Product } from '../products/product.entity';
import { migrations } from './migrations';

export const entities = [Batch, BatchLink, BatchVariation, Product, BatchEvent];

/**
 * One DataSource description for the app, the workers and the TypeORM CLI (ormconfig.ts). Migrations,
 * never `synchronize`, and they run at boot. SQLite runs in WAL mode with a busy timeout so an API process
 * and worker processes on one machine can share the file.
 */
export function dataSourceOptions(config: AppConfig): DataSourceOptions {
  const common = { entities, migrations, migrationsRun: true, synchronize: false, logging: ['error' as const] };
  if (config.database.type === 'postgres') {
    return { ...common, type: 'postgres', url: config.database.url, extra: { max: 10 } };
  }
  fs.mkdirSync(path.dirname(path.resolve(config.database.path)), { recursive: true });
  return {
    ...common,
    type: 'sqlite',
    database: config.database.path,
    enableWAL: true,
    busyTimeout: 10_000,
    busyErrorRetry: 100,
  };
}
