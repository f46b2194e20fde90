/**
 * Status at 10,000 variations: GET /api/batch/:id/status under autocannon (50 connections) against an API
 * process pinned to one core (taskset), with no worker running. The batch is seeded directly in the database
 * (100 links × 10×10, a running batch with a mix of statuses, failures and an activity log), so the figure is
 * the endpoint's own cost at that size, not the engine's. Also the results page (GET /api/batch/:id, one page).
 *
 *   npx ts-node bench/status-load.ts          (BENCH_DB=postgres, BENCH_STATUS_SECONDS=10)
 */
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import * as os from 'node:os';
import autocannon from 'autocannon';
import { DataSource } from 'typeorm';
import { loadConfig } from '../src/config/config.schema';
import { dataSourceOptions } from '../src/database/data-source-options';
import { Batch, BatchEvent, BatchLink, BatchVariation, PIPELINE_ENTITIES } from '../src/pipeline/entities';
import { BenchCluster } from './lib/cluster';
import { POLLERS } from './lib/pollers';
import { cpuSeconds } from './lib/proc';
import { API_RSS_TARGET_MB, BenchRow, runAlone } from './lib/report';
import { API_NODE_FLAGS } from '../test/helpers/processes';
import { fmt, mb } from './lib/stats';

export const STATUS_RPS_TARGET = 1000;
export const STATUS_P99_TARGET_MS = 50;
const LINKS = 100;
const PER_SIDE = 10;

/** Seeds one running batch of LINKS × 10×10 variations; returns its id. */
export async function seedBatch(env: Record<string, string>): Promise<string> {
  const ds = new DataSource({
    ...dataSourceOptions(loadConfig({ ...process.env, ...env }), PIPELINE_ENTITIES),
    migrationsRun: false,
  });
  await ds.initialize();
  try {
    const batchId = randomUUID();
    const total = LINKS * PER_SIDE * PER_SIDE;
    await ds.getRepository(Batch).insert({
      id: batchId,
      name: 'status bench',
      status: 'processing',
      photoVariations: PER_SIDE,
      textVariations: PER_SIDE,
      linksTotal: LINKS,
      variationsTotal: total,
      generator: 'local',
      storage: 'local',
      startedAt: new Date(Date.now() - 600_000),
    });
    const links = Array.from({ length: LINKS }, (_, i) => ({
      id: randomUUID(),
      batchId,
      position: i + 1,
      url: `https://www.tiktok.com/@bench/photo/${7500000000000000000n + BigInt(i)}`,
      productId: randomUUID(),
      status: (i < 60 ? 'completed' : i < 62 ? 'failed' : 'processing') as BatchLink['status'],
      variationsTotal: PER_SIDE * PER_SIDE,
      variationsCreated: true,
      slideCount: 6,
      caption: 'A caption of ordinary length for the bench #skincare #glow',
    }));
    await ds.getRepository(BatchLink).insert(links);
    const variations: Partial<BatchVariation>[] = [];
    let n = 0;
    for (const l of links)
      for (let p = 1; p <= PER_SIDE; p++)
        for (let t = 1; t <= PER_SIDE; t++) {
          const k = n++;
          const status = k < 6000 ? 'completed' : k < 6040 ? 'failed' : k < 6048 ? 'processing' : 'pending';
          variations.push({
            id: randomUUID(),
            batchId,
            linkId: l.id,
            photoIndex: p,
            textIndex: t,
            status,
            error: status === 'failed' ? 'generation: the provider refused the image' : null,
            errorStep: status === 'failed' ? 'generation' : null,
            files:
              status === 'completed'
                ? [1, 2, 3].map((s) => ({
                    name: `slide_${s}.jpg`,
                    url: `/files/${batchId}/${l.id}/${p}-${t}/slide_${s}.jpg`,
                  }))
                : null,
          } as Partial<BatchVariation>);
        }
    // Chunks small enough for SQLite's bound-parameter limit.
    for (let i = 0; i < variations.length; i += 50)
      await ds.getRepository(BatchVariation).insert(variations.slice(i, i + 50));
    const events = Array.from({ length: 2000 }, (_, i) => ({
      batchId,
      linkId: links[i % LINKS].id,
      event: `variation ${i} completed`,
    }));
    for (let i = 0; i < events.length; i += 100) await ds.getRepository(BatchEvent).insert(events.slice(i, i + 100));
    return batchId;
  } finally {
    await ds.destroy();
  }
}

interface Load {
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  non2xx: number;
  requests: number;
}

function load(url: string, seconds: number, connections = POLLERS): Promise<Load> {
  return new Promise((resolve, reject) => {
    autocannon({ url, connections, duration: seconds, timeout: 30 }, (err, r) => {
      if (err) return reject(err);
      resolve({
        rps: r.requests.average,
        p50: r.latency.p50,
        p99: r.latency.p99,
        errors: r.errors + r.timeouts,
        non2xx: r.non2xx,
        requests: r.requests.total,
      });
    });
  });
}

const loadavg = () =>
  os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');

export async function run(database: 'sqlite' | 'postgres' = 'sqlite'): Promise<BenchRow[]> {
  const seconds = Number(process.env.BENCH_STATUS_SECONDS || 10);
  const cluster = await BenchCluster.start({ label: `status-${database}`, workers: 0, concurrency: 1, database });
  try {
    const api = cluster.children.find((c) => c.name === 'api')!;
    const batchId = await seedBatch(cluster.dbEnv());
    // One core for the API process and every thread of it (libuv pool, V8 helpers), as the target says.
    let pinned = 'pinned to CPU 0 (taskset)';
    try {
      execFileSync('taskset', ['-a', '-pc', '0', String(api.proc.pid)], { stdio: 'ignore' });
    } catch {
      pinned = 'NOT pinned (taskset unavailable)';
    }
    const url = `${cluster.api}/api/batch/${batchId}/status`;
    await load(url, 2); // warm-up: JIT, connection pools, caches
    const before = loadavg();
    const cpu0 = cpuSeconds(api.proc.pid);
    const r = await load(url, seconds);
    const cpuMs = ((cpuSeconds(api.proc.pid) - cpu0) * 1000) / r.requests;
    const after = loadavg();
    // A person paging results, not 50 pollers: 5 connections.
    const page = await load(`${cluster.api}/api/batch/${batchId}?page=1&pageSize=50`, Math.max(5, seconds / 2), 5);
    const rss = cluster.peakRss().find((c) => c.name === 'api')?.bytes ?? 0;
    const label = database === 'sqlite' ? 'SQLite' : 'PostgreSQL';
    const clean = r.errors === 0 && r.non2xx === 0;
    return [
      {
        measurement: `Status at 10,000 variations, one core (${label})`,
        figure: `${fmt(r.rps, 0)} req/s, p99 ${fmt(r.p99, 0)} ms`,
        target: `≥ ${STATUS_RPS_TARGET} req/s, p99 ≤ ${STATUS_P99_TARGET_MS} ms`,
        ok: clean && r.rps >= STATUS_RPS_TARGET && r.p99 <= STATUS_P99_TARGET_MS,
        notes:
          `autocannon ${POLLERS} connections × ${seconds} s on GET /api/batch/:id/status, API ${pinned}, no worker; ` +
          `${LINKS} links × ${PER_SIDE}×${PER_SIDE} seeded in the database (running: 6,000 completed, 40 failed, 8 processing); ` +
          `p50 ${fmt(r.p50, 0)} ms, ${r.requests} requests, ${r.errors} errors, ${r.non2xx} non-2xx; ` +
          `the API used ${fmt(cpuMs, 2)} core-ms per request (${fmt(1000 / cpuMs, 0)} req/s if it had its core to itself); load ${before} → ${after}`,
      },
      {
        measurement: `Results page at 10,000 variations, one core (${label}); API peak RSS`,
        figure: `${fmt(page.rps, 0)} req/s, p99 ${fmt(page.p99, 0)} ms; API peak **${mb(rss)}**`,
        target: `API ≤ ${API_RSS_TARGET_MB} MB`,
        ok: page.errors === 0 && page.non2xx === 0 && rss > 0 && rss <= API_RSS_TARGET_MB * 1024 * 1024,
        notes: `GET /api/batch/:id?page=1&pageSize=50 (lowered to 10 links, their 1,000 variations), 5 connections, same API process; p50 ${fmt(page.p50, 0)} ms, ${page.requests} requests, ${page.errors} errors, ${page.non2xx} non-2xx; API peak RSS (VmHWM) over the status load and the pages: ${mb(rss)}, started as every launcher starts it (${API_NODE_FLAGS.join(' ')})`,
      },
    ];
  } finally {
    await cluster.stop();
  }
}

if (require.main === module)
  runAlone(() => run((process.env.BENCH_DB as 'sqlite' | 'postgres' | undefined) ?? 'sqlite'));
