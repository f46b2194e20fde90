import type { SelectQueryBuilder } from 'typeorm';

/** Rows per status, e.g. `{completed: 12, failed: 1}`; absent statuses are absent. */
export type StatusCounts = Record<string, number>;

/** Runs a `GROUP BY status` query (its select names `status` and `n`) into a StatusCounts. */
export async function statusCounts<T extends object>(qb: SelectQueryBuilder<T>): Promise<StatusCounts> {
  const rows: { status: string; n: string | number }[] = await qb.getRawMany();
  return Object.fromEntries(rows.map((r) => [r.status, Number(r.n)]));
}
