/**
 * Machinery overhead: a batch through the whole engine (API process, worker processes, Redis, the database,
 * local storage) with the offline generator on a tiny source (2 small slides, so 3 plan slides with the
 * appended product slide) and no effective rate limit. Reports variations/s end to end (POST /api/batch to
 * the batch's end), p50/p99 job time (Bull processedOn→finishedOn of generate-variation), peak RSS, and,
 * with 50 pollers on the status endpoint, its latency (bench/status-latency.ts). SQLite and PostgreSQL.
 *
 *   npx ts-node bench/overhead.ts            (BENCH_OVERHEAD_P / BENCH_OVERHEAD_T change the size)
 */
import { BenchCluster, JobTimes } from './lib/cluster';
import { BenchRow, rssRow, runAlone } from './lib/report';
import { fmt, percentile } from './lib/stats';
import { POLLERS, PollResult, startPollers, statusRow } from './lib/pollers';

export const OVERHEAD_LINKS = 100;
/**
 * 10×10 per link (10,000 variations) would take about half an hour here: every variation still renders and encodes
 * three 1080×1440 JPEGs (~40 ms each per core), so the run is scaled to what fits the bench's time budget.
 */
export const OVERHEAD_P = Number(process.env.BENCH_OVERHEAD_P || 2);
export const OVERHEAD_T = Number(process.env.BENCH_OVERHEAD_T || 2);
const WORKERS = 2;
const CONCURRENCY = 4;
const SOURCE_SLIDES = 2;

export interface OverheadOptions {
  database: 'sqlite' | 'postgres';
  links?: number;
  p?: number;
  t?: number;
  pollers?: boolean;
}

export interface OverheadResult {
  rows: BenchRow[];
  variationsPerSecond: number;
}

export async function measureOverhead(o: OverheadOptions): Promise<OverheadResult> {
  const links = o.links ?? OVERHEAD_LINKS;
  const p = o.p ?? OVERHEAD_P;
  const t = o.t ?? OVERHEAD_T;
  const label = o.database === 'sqlite' ? 'SQLite' : 'PostgreSQL';
  const cluster = await BenchCluster.start({
    label: `overhead-${o.database}`,
    workers: WORKERS,
    concurrency: CONCURRENCY,
    database: o.database,
    env: { VARIATION_RATE_LIMIT: '100000/s' },
  });
  const jobs = new JobTimes(cluster.prefix);
  try {
    const urls = cluster.addPosts(links, SOURCE_SLIDES);
    const productId = await cluster.product();
    const started = Date.now();
    const batchId = await cluster.submit(urls, productId, p, t);
    jobs.start();
    const pollers = o.pollers ? startPollers(`${cluster.api}/api/batch/${batchId}/status`) : undefined;
    let polled: PollResult | undefined;
    let end: Awaited<ReturnType<BenchCluster['waitForEnd']>>;
    try {
      end = await cluster.waitForEnd(batchId, Number(process.env.BENCH_TIMEOUT_S || 300) * 1000, 250);
    } finally {
      polled = await pollers?.stop();
    }
    await jobs.stop();
    const total = links * p * t;
    const wall = (end.endedAt - started) / 1000;
    const v = end.status.variations;
    const rate = v.completed / wall;
    const times = jobs.values();
    const rss = cluster.peakRss();
    const rows: BenchRow[] = [
      {
        measurement: `Machinery overhead, ${label}`,
        figure: `${fmt(rate, 1)} variations/s`,
        notes:
          `${links} links × ${p}×${t} = ${total} variations (scaled down from 100 × 10×10, see RESULTS.md) in ${fmt(wall, 1)} s, ${v.completed} completed, ${v.failed} failed; ` +
          `job time p50 ${fmt(percentile(times, 50), 0)} ms, p99 ${fmt(percentile(times, 99), 0)} ms (${times.length} jobs, ` +
          `${WORKERS} workers × concurrency ${CONCURRENCY}, each job renders 3 slides at 1080×1440)${o.pollers ? `; ${50} status pollers running` : ''}`,
      },
      rssRow(
        `Peak RSS through ${links} links × ${p}×${t}, ${label}`,
        rss,
        `, ${WORKERS} workers × concurrency ${CONCURRENCY}${o.pollers ? `, ${POLLERS} status pollers` : ''}`,
      ),
    ];
    if (polled) rows.push(statusRow(label, polled));
    if (v.completed !== total) rows[0].notes += ` — NOT all variations completed (${end.status.status})`;
    return { rows, variationsPerSecond: rate };
  } finally {
    await jobs.stop().catch(() => undefined);
    await cluster.stop();
  }
}

export async function run(): Promise<BenchRow[]> {
  const sqlite = await measureOverhead({ database: 'sqlite', pollers: true });
  const pg = await measureOverhead({ database: 'postgres', pollers: true });
  return [...sqlite.rows, ...pg.rows];
}

if (require.main === module) {
  runAlone(async () => {
    const links = Number(process.env.BENCH_OVERHEAD_LINKS || OVERHEAD_LINKS);
    const db = (process.env.BENCH_DB as 'sqlite' | 'postgres' | undefined) ?? undefined;
    if (db) return (await measureOverhead({ database: db, links, pollers: process.env.BENCH_POLLERS !== '0' })).rows;
    return run();
  });
}
