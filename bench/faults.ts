/**
 * Fault run (issue 20): one deployment (API process, 2 worker processes, a private redis-server without
 * persistence, SQLite or PostgreSQL, the offline generator, fake TikTok), then per repetition a small batch
 * (4 links × 2×1) and one fault at a random moment in it, the kinds in turn: SIGKILL a worker, restart
 * Redis empty (kill, start a fresh server: every job, lock and limiter slot gone), SIGTERM a worker. A
 * killed or stopped worker is replaced at once. When the batch has ended it counts:
 *
 * - lost events: ended variations, links and the batch without exactly one ended activity entry (and open
 *   rows with one), the crash-safety spec's check (test/helpers/crash-checks.ts);
 * - stray files: a temporary file under the output tree or left in the temp folder, a file in a variation's
 *   folder it did not record, a recorded file missing, a cut-short JPEG;
 * - repeated work: delivered files of completed variations written again after the variation was recorded
 *   complete (a finished variation rendered a second time: a duplicate job, or two workers on one row), and,
 *   after a Redis restart (when no worker stopped), any delivered file written twice (a path seen with a
 *   second inode: every delivery lands by a rename; polled every 100 ms);
 * - recovery: seconds from the fault to the batch's end.
 *
 * Also shown, not counted as repeated: extra file writes (every write goes through the temp folder, which is
 * watched; writes beyond one per delivered file). A variation in flight on a killed or stopped worker is
 * redone whole by design, so after SIGKILL/SIGTERM these are bounded by its variations × their files.
 *
 *   npx ts-node --transpile-only bench/faults.ts [--runs 20] [--database sqlite|postgres] [--seed 1]
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DataSource } from 'typeorm';
import { loadConfig } from '../src/config/config.schema';
import { dataSourceOptions } from '../src/database/data-source-options';
import { Batch } from '../src/pipeline/entities/batch.entity';
import { BatchEvent } from '../src/pipeline/entities/batch-event.entity';
import { BatchLink } from '../src/pipeline/entities/link.entity';
import { BatchVariation } from '../src/pipeline/entities/variation.entity';
import { endedEntryMismatches, filesUnder, rewrittenAfterCompletion, strayFiles } from '../test/helpers/crash-checks';
import { Child } from '../test/helpers/processes';
import { RedisServer } from '../test/helpers/redis-server';
import { BenchCluster } from './lib/cluster';
import { BenchRow, runAlone } from './lib/report';
import { fmt, percentile } from './lib/stats';

export type FaultKind = 'SIGKILL' | 'Redis restart' | 'SIGTERM';
const KINDS: FaultKind[] = ['SIGKILL', 'Redis restart', 'SIGTERM'];
const LINKS = 4;
const P = 2;
const T = 1;
const TOTAL = LINKS * P * T;

export interface FaultOptions {
  runs: number;
  database: 'sqlite' | 'postgres';
  seed: number;
}

export interface Repetition {
  n: number;
  kind: FaultKind;
  /** Variations completed when the fault came. */
  at: number;
  lostEvents: number;
  strayFiles: number;
  repeated: number;
  extraWrites: number;
  recoveryS: number;
  status: string;
  details: string[];
}

/** A small seeded generator, so a run's fault moments can be repeated (--seed). */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function runFaults(o: FaultOptions): Promise<{ reps: Repetition[]; rows: BenchRow[] }> {
  const rnd = random(o.seed);
  const redis = new RedisServer(false);
  await redis.start();
  const cluster = await BenchCluster.start({
    label: `faults-${o.database}`,
    workers: 2,
    concurrency: 2,
    database: o.database,
    env: {
      REDIS_URL: redis.url,
      VARIATION_RATE_LIMIT: '100000/s',
      JOB_LOCK_MS: '2000',
      JOB_STALLED_INTERVAL_MS: '1000',
      JOB_ATTEMPTS: '10',
      SWEEP_INTERVAL_MS: '1000',
      LOG_LEVEL: 'log',
    },
  }).catch(async (e: unknown) => {
    await redis.stop();
    throw e;
  });
  const config = loadConfig({ ...cluster.env });
  const ds = new DataSource({
    ...dataSourceOptions(config, [path.join(__dirname, '..', 'src', '**', '*.entity.{ts,js}')]),
    migrationsRun: false,
  });
  const output = path.join(cluster.dataDir, 'output');
  const tmp = path.join(cluster.dataDir, 'tmp', 'output');
  fs.mkdirSync(tmp, { recursive: true });
  // Every delivered file is written under a unique temp name first: the names seen count the writes.
  const writes = new Set<string>();
  const watcher = fs.watch(tmp, (_e, name) => {
    if (name && /\.tmp$/.test(name)) writes.add(name);
  });
  // Every delivered file lands by a rename, so a rewrite gives its path a new inode: polled every 100 ms.
  const inodes = new Map<string, Set<number>>();
  const poll = setInterval(() => {
    for (const f of filesUnder(output)) {
      const ino = fs.statSync(path.join(output, f), { throwIfNoEntry: false })?.ino;
      if (ino !== undefined) inodes.set(f, (inodes.get(f) ?? new Set()).add(ino));
    }
  }, 100);
  const reps: Repetition[] = [];
  try {
    await ds.initialize();
    const productId = await cluster.product();
    for (let n = 1; n <= o.runs; n++) {
      const kind = KINDS[(n - 1) % KINDS.length];
      writes.clear();
      inodes.clear();
      const batchId = await cluster.submit(cluster.addPosts(LINKS, 2), productId, P, T);
      // A random moment mid-batch: after 0..TOTAL-2 variations completed, plus up to 400 ms.
      const target = Math.floor(rnd() * (TOTAL - 1));
      let at = 0;
      for (;;) {
        const s = await cluster.status(batchId);
        at = s.variations.completed;
        if (at >= target) break;
        await sleep(50);
      }
      await sleep(Math.floor(rnd() * 400));
      const before = await cluster.status(batchId);
      at = before.variations.completed;
      const late = before.status !== 'processing' && before.status !== 'queued';
      const faultAt = Date.now();
      let replacement: Promise<Child> | undefined;
      if (kind === 'Redis restart') {
        await redis.kill();
        await sleep(500 + Math.floor(rnd() * 1500));
        await redis.start();
      } else {
        const alive = cluster.workers();
        const victim = alive[Math.floor(rnd() * alive.length)];
        victim.proc.kill(kind);
        replacement = cluster.startWorker();
      }
      const end = await cluster.waitForEnd(batchId, 300_000, 100);
      await replacement;
      // A duplicate render that lost the race still writes its files after the end: give it time to show.
      await sleep(3000);
      const rewrites = [...inodes].filter(([, set]) => set.size > 1).map(([f, set]) => `${f} (${set.size}×)`);
      const rep = await check(ds, batchId, output, tmp, writes.size);
      // After a Redis restart no worker stopped: a file delivered twice is a variation rendered twice (the
      // sweeper re-queued a row whose worker was still on it). After SIGKILL/SIGTERM the stopped worker's
      // variations are redone whole by design, so there a second delivery is not counted.
      if (kind === 'Redis restart') rep.repeated += rewrites.length;
      const why = kind === 'Redis restart' ? 'rendered twice' : 'in flight on the stopped worker, redone whole';
      rep.details.push(...rewrites.map((f) => `delivered twice (${why}): ${f}`));
      if (late) rep.details.unshift(`the fault came after the batch had ended (${before.status}): not mid-batch`);
      reps.push({ n, kind, at, ...rep, recoveryS: (end.endedAt - faultAt) / 1000, status: end.status.status });
      const r = reps[reps.length - 1];
      console.log(
        `[faults] ${n}/${o.runs} ${kind} after ${at}/${TOTAL}: lost events ${r.lostEvents}, stray files ${r.strayFiles}, repeated ${r.repeated}, extra writes ${r.extraWrites}, recovery ${fmt(r.recoveryS, 1)} s, ${r.status}${r.details.length ? `\n  ${r.details.join('\n  ')}` : ''}`,
      );
    }
  } finally {
    watcher.close();
    clearInterval(poll);
    if (ds.isInitialized) await ds.destroy();
    await cluster.stop();
    await redis.stop();
  }
  return { reps, rows: rowsOf(reps, o) };
}

async function check(
  ds: DataSource,
  batchId: string,
  output: string,
  tmp: string,
  writes: number,
): Promise<Omit<Repetition, 'n' | 'kind' | 'at' | 'recoveryS' | 'status'>> {
  const batch = await ds.getRepository(Batch).findOneByOrFail({ id: batchId });
  const links = await ds.getRepository(BatchLink).find({ where: { batchId } });
  const variations = await ds.getRepository(BatchVariation).find({ where: { batchId } });
  const events = await ds.getRepository(BatchEvent).find({ where: { batchId } });
  const lost = endedEntryMismatches({ batch, links, variations, events });
  const stray = [...strayFiles(output, variations), ...filesUnder(tmp).map((f) => `temp file left: ${f}`)];
  const repeated = rewrittenAfterCompletion(output, variations);
  const delivered = variations.reduce((sum, v) => sum + (v.status === 'completed' ? (v.files?.length ?? 0) : 0), 0);
  const notCompleted = variations.filter((v) => v.status !== 'completed');
  return {
    lostEvents: lost.length,
    strayFiles: stray.length,
    repeated: repeated.length,
    extraWrites: Math.max(0, writes - delivered),
    details: [
      ...lost.map((m) => `lost event: ${m.kind} ${m.id} is ${m.status} with ${m.entries} ended entries`),
      ...stray.map((s) => `stray: ${s}`),
      ...repeated.map((s) => `repeated: ${s}`),
      ...notCompleted.map((v) => `variation ${v.id} ${v.status}${v.error ? `: ${v.error}` : ''}`),
    ],
  };
}

function rowsOf(reps: Repetition[], o: FaultOptions): BenchRow[] {
  const sum = (k: 'lostEvents' | 'strayFiles' | 'repeated' | 'extraWrites') => reps.reduce((s, r) => s + r[k], 0);
  const rec = reps.map((r) => r.recoveryS).sort((a, b) => a - b);
  const notCompleted = reps.filter((r) => r.status !== 'completed').length;
  const zero = sum('lostEvents') + sum('strayFiles') + sum('repeated') === 0 && notCompleted === 0;
  const kinds = KINDS.map((k) => {
    const of = reps.filter((r) => r.kind === k).map((r) => r.recoveryS);
    return `${of.length}× ${k} (recovery median ${fmt(percentile(of, 50), 1)} s)`;
  }).join(', ');
  return [
    {
      measurement: `Faults mid-batch (${o.database === 'sqlite' ? 'SQLite' : 'PostgreSQL'})`,
      figure: `${reps.length} runs: lost events ${sum('lostEvents')}, stray files ${sum('strayFiles')}, repeated work ${sum('repeated')}; recovery median ${fmt(percentile(rec, 50), 1)} s, max ${fmt(rec[rec.length - 1] ?? Number.NaN, 1)} s`,
      target: 'all counts 0, every batch completed',
      ok: zero,
      notes: `${kinds}; ${LINKS} links × ${P}×${T}, 2 workers × concurrency 2, private Redis without persistence; recovery is fault → batch end, so it includes the batch's remaining work; batches not completed: ${notCompleted}; extra file writes (variations in flight on a stopped worker redone whole, by design; after a Redis restart counted as repeated): ${sum('extraWrites')} (bench/faults.ts)`,
    },
  ];
}

export function printTable(reps: Repetition[]): void {
  console.log('\n| # | fault | after | lost events | stray files | repeated | extra writes | recovery s | batch |');
  console.log('|---|---|---|---|---|---|---|---|---|');
  for (const r of reps)
    console.log(
      `| ${r.n} | ${r.kind} | ${r.at}/${TOTAL} | ${r.lostEvents} | ${r.strayFiles} | ${r.repeated} | ${r.extraWrites} | ${fmt(r.recoveryS, 1)} | ${r.status} |`,
    );
}

export async function run(options: Partial<FaultOptions> = {}): Promise<BenchRow[]> {
  const o: FaultOptions = {
    runs: Number(process.env.BENCH_FAULT_RUNS || 20),
    database: 'postgres',
    seed: Date.now() % 1_000_000,
    ...options,
  };
  console.log(`[faults] ${o.runs} runs on ${o.database}, seed ${o.seed}`);
  const { reps, rows } = await runFaults(o);
  printTable(reps);
  if (rows.some((r) => r.ok === false)) process.exitCode = 1;
  return rows;
}

if (require.main === module) {
  const arg = (name: string) => {
    const i = process.argv.indexOf(`--${name}`);
    return i > 0 ? process.argv[i + 1] : undefined;
  };
  runAlone(() =>
    run({
      ...(arg('runs') ? { runs: Number(arg('runs')) } : {}),
      ...(arg('database') ? { database: arg('database') as FaultOptions['database'] } : {}),
      ...(arg('seed') ? { seed: Number(arg('seed')) } : {}),
    }),
  );
}
