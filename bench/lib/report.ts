import * as os from 'node:os';

/** One line of the results table. `ok` undefined: a figure without a target. */
export interface BenchRow {
  measurement: string;
  figure: string;
  target?: string;
  ok?: boolean;
  notes: string;
}

export interface MachineSnapshot {
  cpu: string;
  cores: number;
  memoryGb: number;
  node: string;
  platform: string;
  loadavg: number[];
  date: string;
}

export function machine(): MachineSnapshot {
  return {
    cpu: os.cpus()[0]?.model.trim() ?? 'unknown',
    cores: os.cpus().length,
    memoryGb: Math.round((os.totalmem() / 1024 ** 3) * 10) / 10,
    node: process.version,
    platform: `${os.type()} ${os.release()} ${os.arch()}`,
    loadavg: os.loadavg().map((l) => Math.round(l * 100) / 100),
    date: new Date().toISOString(),
  };
}

const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

export function markdownTable(rows: BenchRow[]): string {
  const verdict = (r: BenchRow) => (r.ok === undefined ? '' : r.ok ? 'met' : '**missed**');
  const lines = ['| measurement | figure | target | verdict | notes |', '|---|---|---|---|---|'];
  for (const r of rows)
    lines.push(
      `| ${cell(r.measurement)} | ${cell(r.figure)} | ${cell(r.target ?? '')} | ${verdict(r)} | ${cell(r.notes)} |`,
    );
  return lines.join('\n');
}

export const WORKER_RSS_TARGET_MB = 300;
export const API_RSS_TARGET_MB = 200;

/** The peak-RSS row of a run: the worst worker and the API against their targets. */
export function rssRow(measurement: string, rss: { name: string; bytes: number }[], extra = ''): BenchRow {
  const toMb = (b: number) => Math.round(b / 1024 / 1024);
  const api = toMb(rss.find((r) => r.name === 'api')?.bytes ?? 0);
  const worker = Math.max(0, ...rss.filter((r) => r.name.startsWith('worker')).map((r) => toMb(r.bytes)));
  const reader = toMb(rss.find((r) => r.name === 'text-reader')?.bytes ?? 0);
  const together = toMb(rss.find((r) => r.name === 'together')?.bytes ?? 0);
  // The issue counts the text reading with the worker: with a reader, the worker's figure is the two together.
  const judged = reader ? together : worker;
  const own = rss.filter((r) => r.name !== 'together');
  return {
    measurement,
    figure:
      `API ${api} MB, worker ${worker} MB` +
      (reader ? `; worker with its text reader child ${together} MB (the child alone ≤ ${reader} MB)` : ''),
    target: `API ≤ ${API_RSS_TARGET_MB} MB, worker ≤ ${WORKER_RSS_TARGET_MB} MB`,
    ok: api > 0 && worker > 0 && api <= API_RSS_TARGET_MB && judged <= WORKER_RSS_TARGET_MB,
    notes:
      `VmHWM of the child processes (${own.map((r) => `${r.name} ${toMb(r.bytes)} MB`).join(', ')})` +
      (reader ? `; a worker and its reader's VmRSS added every 200 ms, highest sum ${together} MB` : '') +
      `${extra}; MALLOC_ARENA_MAX=2 as deployed`,
  };
}

/** For a measurement file run alone: prints its rows as a table, exits non-zero on a crash. */
export function runAlone(fn: () => Promise<BenchRow[]>): void {
  const before = machine();
  fn()
    .then((rows) => {
      console.log(
        `\n${markdownTable(rows)}\n\n${before.cpu}, ${before.cores} cores, node ${before.node}; load ${before.loadavg.join(' ')} → ${machine().loadavg.join(' ')}`,
      );
    })
    .catch((e: unknown) => {
      console.error(e);
      process.exitCode = 1;
    });
}
