import { DataSource } from 'typeorm';
import { loadConfig } from './src/config/config.schema';
import { dataSourceOptions } from './src/database/data-source-options';
import { PIPELINE_ENTITIES } from './src/pipeline/entities';
import { Product } from './src/products/product.entity';
import { TikTokAccount } from './src/publishing/tiktok-account.entity';
import { TikTokPost } from './src/publishing/tiktok-post.entity';

/**
 * The DataSource the TypeORM CLI uses (`npm run typeorm -- migration:generate src/database/migrations/x`),
 * built from the same configuration as the app, so `DATABASE_URL` picks SQLite or PostgreSQL.
 */
export default new DataSource({
  ...dataSourceOptions(loadConfig(), [...PIPELINE_ENTITIES, Product, TikTokAccount, TikTokPost]),
  migrationsRun: false,
});
