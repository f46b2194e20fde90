/**
 * Status at 10,000 variations, before and after side by side in one run: two API processes on the same
 * seeded database, both pinned to CPU 0 (taskset) and loaded in turn (A, B, A, B), no worker. "B" is this
 * checkout (bench/lib/cluster.ts builds it); "A" is another build of the app given by BENCH_BASE_DIST (the
 * folder holding src/main.js, e.g. main's code compiled with `tsc -p tsconfig.build.json --outDir ...` in a
 * worktree with node_modules). Also the 304 path: B with If-None-Match set to the ETag it sent.
 *
 *   BENCH_BASE_DIST=/tmp/base/dist-bench npx ts-node bench/status-ab.ts     (BENCH_DB=postgres)
 */
import { execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import autocannon from 'autocannon';
import { BenchCluster } from './lib/cluster';
import { POLLERS } from './lib/pollers';
import { cpuSeconds } from './lib/proc';
import { seedBatch } from './status-load';

const SECONDS = Number(process.env.BENCH_STATUS_SECONDS || 10);

function load(url: string, seconds: number, headers: Record<string, string> = {}) {
  return new Promise<autocannon.Result>((resolve, reject) =>
    autocannon({ url, connections: POLLERS, duration: seconds, timeout: 30, headers }, (e, r) =>
      e ? reject(e) : resolve(r),
    ),
  );
}

async function main(): Promise<void> {
  const base = process.env.BENCH_BASE_DIST;
  if (!base || !fs.existsSync(path.join(base, 'src', 'main.js')))
    throw new Error('BENCH_BASE_DIST: no src/main.js there');
  const database = (process.env.BENCH_DB as 'sqlite' | 'postgres' | undefined) ?? 'sqlite';
  const cluster = await BenchCluster.start({ label: `status-ab-${database}`, workers: 0, concurrency: 1, database });
  const port = 20000 + Math.floor(Math.random() * 20000);
  const a = spawn(process.execPath, [path.join(base, 'src', 'main.js')], {
    cwd: path.resolve(base, '..'),
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      UV_THREADPOOL_SIZE: '16',
      ...cluster.env,
      PORT: String(port),
      HOST: '127.0.0.1',
      WORKERS: 'false',
    },
    stdio: 'ignore',
  });
  try {
    const batchId = await seedBatch(cluster.dbEnv());
    const b = cluster.children.find((c) => c.name === 'api')!;
    for (let i = 0; ; i++) {
      const ok = await fetch(`http://127.0.0.1:${port}/api/health`).then(
        (r) => r.ok,
        () => false,
      );
      if (ok) break;
      if (i > 300) throw new Error('the base API did not start');
      await new Promise((r) => setTimeout(r, 200));
    }
    for (const pid of [a.pid!, b.proc.pid!])
      execFileSync('taskset', ['-a', '-pc', '0', String(pid)], { stdio: 'ignore' });
    const urls = {
      A: `http://127.0.0.1:${port}/api/batch/${batchId}/status`,
      B: `${cluster.api}/api/batch/${batchId}/status`,
    };
    const pids = { A: a.pid!, B: b.proc.pid! };
    const etag = (await fetch(urls.B)).headers.get('etag') ?? '';
    console.log(`| run | req/s | p50 ms | p99 ms | core-ms/req | non-2xx/304 | errors | load before → after |`);
    console.log(`|---|---|---|---|---|---|---|---|`);
    const runs: [string, 'A' | 'B', Record<string, string>][] = [
      ['A (base)', 'A', {}],
      ['B (this checkout)', 'B', {}],
      ['A (base)', 'A', {}],
      ['B (this checkout)', 'B', {}],
      ['B, If-None-Match (304)', 'B', { 'if-none-match': etag }],
    ];
    for (const [label, which, headers] of runs) {
      await load(urls[which], 2, headers); // warm-up
      const before = os.loadavg()[0].toFixed(2);
      const cpu0 = cpuSeconds(pids[which]);
      const r = await load(urls[which], SECONDS, headers);
      const cpuMs = ((cpuSeconds(pids[which]) - cpu0) * 1000) / r.requests.total;
      console.log(
        `| ${label} | ${r.requests.average.toFixed(0)} | ${r.latency.p50} | ${r.latency.p99} | ${cpuMs.toFixed(2)} | ${r.non2xx} | ${r.errors + r.timeouts} | ${before} → ${os.loadavg()[0].toFixed(2)} |`,
      );
    }
    console.log(
      `\n${database}; ${os.cpus()[0].model}, ${os.cpus().length} cores, node ${process.version}; ${POLLERS} connections × ${SECONDS} s each`,
    );
  } finally {
    a.kill('SIGKILL');
    await cluster.stop();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
