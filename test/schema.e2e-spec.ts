import { DataSource } from 'typeorm';
import { dataSourceOptions } from '../src/database/data-source-options';
import { migrations } from '../src/database/migrations';
import { validatePlan } from '../src/pipeline/plan';
import { PIPELINE_ENTITIES } from '../src/pipeline/entities';
import { Product } from '../src/products/product.entity';
import { TikTokAccount } from '../src/publishing/tiktok-account.entity';
import { TikTokPost } from '../src/publishing/tiktok-post.entity';
import { testConfig } from './helpers/test-config';

/**
 * The migrations and the entities describe the same schema: after every migration has run on a fresh database,
 * each entity's table has exactly the entity's columns (with its nullability and type family) and its indexes.
 * Runs on SQLite here and on PostgreSQL in the second pass, so a column added to an entity without a migration,
 * or a migration that drifts from its entity, fails on either driver. (TypeORM's own schema diff is not used:
 * on SQLite it rebuilds every table over spellings of the same default, such as datetime('now') for
 * CURRENT_TIMESTAMP.)
 */
const family = (type: string): string => {
  const t = type.toLowerCase();
  if (/char|text|uuid|simple-json|json/.test(t)) return 'text';
  if (/int|serial/.test(t)) return 'integer';
  if (/bool/.test(t)) return 'boolean';
  if (/date|time/.test(t)) return 'time';
  if (/real|double|float|numeric|decimal/.test(t)) return 'number';
  return t;
};

describe('schema', () => {
  let ds: DataSource;

  afterEach(async () => {
    if (ds?.isInitialized) await ds.destroy();
  });

  it('after the migrations, every table matches its entity (columns, nullability, types, indexes)', async () => {
    const config = await testConfig();
    ds = new DataSource({
      ...dataSourceOptions(config, [...PIPELINE_ENTITIES, Product, TikTokAccount, TikTokPost]),
      migrationsRun: false,
    });
    await ds.initialize();
    await ds.runMigrations();
    const qr = ds.createQueryRunner();
    const drift: string[] = [];
    try {
      for (const meta of ds.entityMetadatas) {
        const table = await qr.getTable(meta.tableName);
        if (!table) {
          drift.push(`${meta.tableName}: no such table`);
          continue;
        }
        const want = new Map(meta.columns.map((c) => [c.databaseName, c]));
        const have = new Map(table.columns.map((c) => [c.name, c]));
        for (const name of want.keys()) if (!have.has(name)) drift.push(`${meta.tableName}.${name}: missing`);
        for (const name of have.keys()) if (!want.has(name)) drift.push(`${meta.tableName}.${name}: not in the entity`);
        for (const [name, col] of want) {
          const got = have.get(name);
          if (!got) continue;
          if (col.isNullable !== got.isNullable) drift.push(`${meta.tableName}.${name}: nullable ${got.isNullable}`);
          const wanted = family(ds.driver.normalizeType(col));
          if (!col.isPrimary && wanted !== family(got.type)) drift.push(`${meta.tableName}.${name}: type ${got.type}`);
        }
        const key = (cols: string[], unique: boolean) => `${[...cols].sort().join(',')}${unique ? ' unique' : ''}`;
        const wantIdx = new Set(
          meta.indices.map((i) =>
            key(
              i.columns.map((c) => c.databaseName),
              i.isUnique,
            ),
          ),
        );
        const haveIdx = new Set(table.indices.map((i) => key(i.columnNames, !!i.isUnique)));
        for (const i of wantIdx) if (!haveIdx.has(i)) drift.push(`${meta.tableName}: index (${i}) missing`);
        for (const i of haveIdx) if (!wantIdx.has(i)) drift.push(`${meta.tableName}: index (${i}) not in the entity`);
      }
    } finally {
      await qr.release();
    }
    expect(drift).toEqual([]);
    expect(ds.entityMetadatas.map((m) => m.tableName).sort()).toEqual(
      [
        'batch_events',
        'batch_links',
        'batch_variations',
        'batches',
        'products',
        'tiktok_accounts',
        'tiktok_posts',
      ].sort(),
    );
  });

  it('moves plans stored in the first format to per-slide styles, captions and source text', async () => {
    const config = await testConfig();
    const entities = [...PIPELINE_ENTITIES, Product];
    const before = migrations.filter((m) => m.name !== 'PlansPerSlideStyle1764500000000');
    ds = new DataSource({ ...dataSourceOptions(config, entities), migrations: before, migrationsRun: false });
    await ds.initialize();
    await ds.runMigrations();
    const v1 = {
      version: 1,
      photoVariations: 1,
      textVariations: 2,
      aspect: '3:4',
      productPlacement: 'append',
      style: { sizeClass: 'small', fill: '#FFFFFF', treatment: 'shadow', accent: '#000000', position: 'middle' },
      slides: [
        { role: 'hook', sourceIndex: 0, scenes: ['a'], texts: ['First hook', 'Second hook'] },
        { role: 'product', sourceIndex: null, scenes: ['b'], texts: ['Meet it', 'Get it'] },
      ],
    };
    const batchId = '00000000-0000-4000-8000-000000000001';
    const p = (n: number) => (ds.options.type === 'postgres' ? `$${n}` : '?');
    await ds.query(
      `INSERT INTO batches (id, status, "photoVariations", "textVariations", "linksTotal", "variationsTotal", generator, storage) ` +
        `VALUES (${p(1)}, 'completed', 1, 2, 1, 2, 'local', 'local')`,
      [batchId],
    );
    await ds.query(
      `INSERT INTO batch_links (id, "batchId", position, url, "productId", "variationsTotal", plan) ` +
        `VALUES (${p(1)}, ${p(2)}, 1, 'https://www.tiktok.com/@a/photo/1', 'x', 2, ${p(3)})`,
      ['00000000-0000-4000-8000-000000000002', batchId, JSON.stringify(v1)],
    );
    await ds.destroy();

    ds = new DataSource({ ...dataSourceOptions(config, entities), migrationsRun: false });
    await ds.initialize();
    expect((await ds.runMigrations()).map((m) => m.name)).toEqual(['PlansPerSlideStyle1764500000000']);
    const [row] = await ds.query(`SELECT plan FROM batch_links`);
    const stored = JSON.parse(row.plan);
    expect(stored.version).toBe(2);
    const check = validatePlan(stored, { p: 1, t: 2, sourceSlides: 1 });
    expect(check.errors).toEqual([]);
    expect(check.plan!.slides[0].style).toMatchObject({ size: 0.045, treatment: 'shadow', align: 'center' });
    expect(check.plan!.captions.map((c) => c.title)).toEqual(['First hook', 'Second hook']);
  });
});
