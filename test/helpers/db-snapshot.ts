import { DataSource } from 'typeorm';

/** Row counts of every table of the app (migrations bookkeeping excluded), SQLite or PostgreSQL. */
export async function rowCounts(ds: DataSource): Promise<Record<string, number>> {
  const tables: { name: string }[] =
    ds.options.type === 'sqlite'
      ? await ds.query(`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'`)
      : await ds.query(
          `SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'`,
        );
  const out: Record<string, number> = {};
  for (const { name } of tables.sort((a, b) => a.name.localeCompare(b.name))) {
    if (name === 'migrations' || name === 'typeorm_metadata') continue;
    out[name] = Number((await ds.query(`SELECT COUNT(*) AS n FROM "${name}"`))[0].n);
  }
  return out;
}
