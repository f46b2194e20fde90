import * as fs from 'node:fs';
import * as path from 'node:path';
import { DataSourceOptions } from 'typeorm';
import { AppConfig } from '../config/config.schema';
import { migrations } from './migrations';

/**
 * One DataSource description for the app, the workers and the TypeORM CLI (ormconfig.ts). The database
 * layer knows no feature: the app registers its entities through each module's `forFeature`
 * (`autoLoadEntities`), the CLI passes them in. Migrations, never `synchronize`, and they run at boot.
 * SQLite runs in WAL mode with a busy timeout so an API process and worker processes on one machine can
 * share the file.
 */
export function dataSourceOptions(config: AppConfig, entities: DataSourceOptions['entities'] = []): DataSourceOptions {
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
