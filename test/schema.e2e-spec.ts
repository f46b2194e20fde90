import { DataSource } from 'typeorm';
import { dataSourceOptions } from '../src/database/data-source-options';
import { PIPELINE_ENTITIES } from '../src/pipeline/entities';
import { Product } from '../src/products/product.entity';
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
    ds = new DataSource({ ...dataSourceOptions(config, [...PIPELINE_ENTITIES, Product]), migrationsRun: false });
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
      ['batch_events', 'batch_links', 'batch_variations', 'batches', 'products'].sort(),
    );
  });
});
