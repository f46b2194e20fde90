import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import Redis from 'ioredis';
import sharp from 'sharp';
import { FakeGemini } from '../../test/fakes/fake-gemini';
import { FakeTikTok } from '../../test/fakes/fake-tiktok';
import {
  buildForChildren,
  Child,
  deleteRedisPrefix,
  freePort,
  freshPostgres,
  GeminiLatencyProxy,
  httpGet,
  killAll,
  startChild,
  tail,
  waitFor,
} from '../../test/helpers/processes';
import { allProcs } from './proc';

/**
 * One benchmark deployment: the compiled app as an API process (WORKERS=false) and N worker processes,
 * sharing Redis (a private key prefix), a database (SQLite in DATA_DIR or a fresh PostgreSQL database)
 * and DATA_DIR, with TikTok (and optionally Gemini behind a latency proxy) as the loopback fakes.
 */

export const PG_BASE =
  process.env.BENCH_DATABASE_URL || process.env.TEST_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test';
export const REDIS_URL = process.env.REDIS_URL || 'redis://127.0.0.1:6379';
const ENDED = ['completed', 'completed_with_errors', 'failed', 'cancelled'];

export interface ClusterOptions {
  label: string;
  workers: number;
  concurrency: number;
  database: 'sqlite' | 'postgres';
  /** Image-call latency of the fake Gemini; when set, GENERATOR=gemini through the proxy, else local. */
  geminiLatencyMs?: number;
  env?: Record<string, string>;
}

export interface BatchStatus {
  id: string;
  status: string;
  variations: { total: number; completed: number; failed: number; cancelled: number; processing: number };
  [key: string]: unknown;
}

let seq = 0;

export class BenchCluster {
  readonly children: Child[] = [];
  api = '';
  gemini?: FakeGemini;
  proxy?: GeminiLatencyProxy;
  private db?: { url: string; drop: () => Promise<void> };
  private postSeq = 0;
  private readerPeak = 0;
  /** Highest VmRSS of a worker plus its text reader child at the same instant, bytes. */
  private togetherPeak = 0;
  private readerTimer?: NodeJS.Timeout;
  private dist = '';
  /** Every child's environment (the workers add WORKER_HEALTH_PORT). */
  env: Record<string, string> = {};
  private workerSeq = 0;

  private constructor(
    readonly options: ClusterOptions,
    readonly tiktok: FakeTikTok,
    readonly dataDir: string,
    readonly prefix: string,
  ) {}

  static async start(options: ClusterOptions): Promise<BenchCluster> {
    const dist = buildForChildren();
    const tag = `${process.pid}_${++seq}_${Math.random().toString(36).slice(2, 6)}`;
    const cluster = new BenchCluster(
      options,
      await FakeTikTok.start(),
      fs.mkdtempSync(path.join(os.tmpdir(), 'studio-bench-')),
      `bench${tag}`,
    );
    try {
      await cluster.boot(dist, tag);
    } catch (e) {
      await cluster.stop();
      throw e;
    }
    return cluster;
  }

  private async boot(dist: string, tag: string): Promise<void> {
    const o = this.options;
    this.dist = dist;
    if (o.database === 'postgres') this.db = await freshPostgres(PG_BASE, `bench_${tag}`);
    const env: Record<string, string> = {
      DATA_DIR: this.dataDir,
      QUEUE_PREFIX: this.prefix,
      REDIS_URL,
      TIKTOK_BASE_URL: this.tiktok.baseUrl,
      WORKER_CONCURRENCY: String(o.concurrency),
      JOB_BACKOFF_MS: '50',
      LOG_LEVEL: process.env.BENCH_LOG_LEVEL || 'warn',
      GENERATOR: 'local',
      // As the Dockerfile, studio.env.example and the npm start scripts set it (README: memory).
      MALLOC_ARENA_MAX: '2',
      ...(this.db ? { DATABASE_URL: this.db.url } : {}),
    };
    if (o.geminiLatencyMs !== undefined) {
      this.gemini = await FakeGemini.start();
      this.proxy = await GeminiLatencyProxy.start(this.gemini.baseUrl, o.geminiLatencyMs);
      Object.assign(env, {
        GENERATOR: 'gemini',
        GEMINI_API_KEYS: 'AIzaSyBENCH-key-000000000000000000001',
        GEMINI_BASE_URL: this.proxy.baseUrl,
      });
    }
    Object.assign(env, o.env ?? {});
    this.env = env;
    const withLogs = (e: Error) => {
      throw new Error(`${o.label}: ${e.message}\n${this.children.map((c) => tail(c, 20)).join('\n')}`);
    };
    // The API first: it runs the migrations, so the workers boot on a ready schema.
    const port = await freePort();
    this.api = `http://127.0.0.1:${port}`;
    this.children.push(
      startChild(dist, 'api', 'main', { ...env, PORT: String(port), HOST: '127.0.0.1', WORKERS: 'false' }),
    );
    await waitFor(
      'the API process',
      async () => (await httpGet(`${this.api}/api/health`)).status === 200,
      90_000,
      250,
    ).catch(withLogs);
    await Promise.all(Array.from({ length: o.workers }, () => this.startWorker())).catch(withLogs);
    if (o.workers) this.readerTimer = setInterval(() => this.sampleReaders(), 200);
  }

  /** One more worker process; resolves once its health endpoint answers 200. */
  async startWorker(): Promise<Child> {
    const port = await freePort();
    const child = startChild(this.dist, `worker-${++this.workerSeq}`, 'worker', {
      ...this.env,
      WORKER_HEALTH_PORT: String(port),
    });
    this.children.push(child);
    await waitFor(
      `${child.name} on ${port}`,
      async () => (await httpGet(`http://127.0.0.1:${port}/health`)).status === 200,
      90_000,
      250,
    );
    return child;
  }

  /** Worker processes still running. */
  workers(): Child[] {
    return this.children.filter((c) => c.name.startsWith('worker-') && c.alive());
  }

  /** The variables that point a process at this deployment's database (to seed rows directly). */
  dbEnv(): Record<string, string> {
    return { DATA_DIR: this.dataDir, ...(this.db ? { DATABASE_URL: this.db.url } : {}) };
  }

  /** `count` fake slideshows of `slides` small slides each; returns their URLs. */
  addPosts(count: number, slides: number, width = 240, height = 320): string[] {
    return Array.from({ length: count }, () => {
      const id = String(7500000000000000000n + BigInt(++this.postSeq));
      return this.tiktok.addPost({ id, slides, width, height });
    });
  }

  async product(): Promise<string> {
    const photo = await sharp({
      create: { width: 400, height: 400, channels: 3, background: { r: 30, g: 120, b: 200 } },
    })
      .jpeg()
      .toBuffer();
    const form = new FormData();
    form.append('description', 'GlowDrop Vitamin C Serum. Brightens dull skin in two weeks.');
    form.append('photo', new Blob([new Uint8Array(photo)], { type: 'image/jpeg' }), 'product.jpg');
    const res = await fetch(`${this.api}/api/products`, { method: 'POST', body: form });
    if (res.status !== 201) throw new Error(`POST /api/products: ${res.status} ${await res.text()}`);
    return ((await res.json()) as { id: string }).id;
  }

  async submit(urls: string[], productId: string, photoVariations: number, textVariations: number): Promise<string> {
    const res = await fetch(`${this.api}/api/batch`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      // review: false: the bench measures the pipeline, not a person approving plans (on by default with Gemini).
      body: JSON.stringify({ links: urls.join('\n'), productId, photoVariations, textVariations, review: false }),
    });
    if (res.status !== 201) throw new Error(`POST /api/batch: ${res.status} ${await res.text()}`);
    return ((await res.json()) as { id: string }).id;
  }

  async status(batchId: string): Promise<BatchStatus> {
    const res = await httpGet(`${this.api}/api/batch/${batchId}/status`);
    if (res.status !== 200) throw new Error(`status ${res.status}: ${res.body.slice(0, 200)}`);
    return JSON.parse(res.body) as BatchStatus;
  }

  /** Polls until the batch ends; resolves with its last status and the time the end was seen. */
  async waitForEnd(
    batchId: string,
    timeoutMs: number,
    everyMs = 100,
  ): Promise<{ status: BatchStatus; endedAt: number }> {
    let last: BatchStatus | undefined;
    try {
      await waitFor(
        `batch ${batchId} to end`,
        async () => {
          last = await this.status(batchId);
          return ENDED.includes(last.status);
        },
        timeoutMs,
        everyMs,
      );
    } catch (e) {
      throw new Error(
        `${this.options.label}: ${(e as Error).message}\n${JSON.stringify(last?.variations)}\n${this.children.map((c) => tail(c, 10)).join('\n')}`,
        { cause: e },
      );
    }
    return { status: last!, endedAt: Date.now() };
  }

  /** Peak resident set (VmHWM) of each child so far, in bytes. */
  peakRss(): { name: string; bytes: number }[] {
    this.sampleReaders();
    const own = this.children.map((c) => ({ name: c.name, bytes: vmHwm(c.proc.pid) }));
    return this.readerPeak
      ? [...own, { name: 'text-reader', bytes: this.readerPeak }, { name: 'together', bytes: this.togetherPeak }]
      : own;
  }

  /**
   * The worker processes' own children are their text readers (forked per process, stopped when idle) and
   * ffmpeg exports; the readers' peak is sampled every 200 ms while the cluster runs (ffmpeg is left out:
   * it is named by its executable, not node), and with it the worker and its reader's resident sets added at
   * the same instant: the memory the worker's work takes on the machine.
   */
  private sampleReaders(): void {
    const now = new Map(this.workers().map((w) => [w.proc.pid, vmRss(w.proc.pid)]));
    for (const p of allProcs())
      if (now.has(p.ppid) && p.name === 'node') {
        this.readerPeak = Math.max(this.readerPeak, vmHwm(p.pid));
        now.set(p.ppid, now.get(p.ppid)! + vmRss(p.pid));
      }
    this.togetherPeak = Math.max(this.togetherPeak, ...now.values());
  }

  redis(): Redis {
    return new Redis(REDIS_URL);
  }

  async stop(): Promise<void> {
    clearInterval(this.readerTimer);
    await killAll(this.children);
    // BENCH_LOG_DIR keeps every child's output for a post-mortem.
    if (process.env.BENCH_LOG_DIR) {
      fs.mkdirSync(process.env.BENCH_LOG_DIR, { recursive: true });
      for (const c of this.children)
        fs.writeFileSync(
          path.join(process.env.BENCH_LOG_DIR, `${this.options.label}-${c.name}.log`),
          c.lines.join('\n'),
        );
    }
    await this.tiktok.close();
    await this.proxy?.close();
    await this.gemini?.close();
    await deleteRedisPrefix(this.env.REDIS_URL ?? REDIS_URL, this.prefix).catch(() => undefined);
    await this.db?.drop();
    fs.rmSync(this.dataDir, { recursive: true, force: true });
  }
}

export const vmHwm = (pid: number | undefined): number => procStatus(pid, 'VmHWM');
/** Resident set now (VmRSS), bytes; 0 once the process is gone. */
export const vmRss = (pid: number | undefined): number => procStatus(pid, 'VmRSS');

function procStatus(pid: number | undefined, field: 'VmHWM' | 'VmRSS'): number {
  if (!pid) return 0;
  try {
    const m = new RegExp(`${field}:\\s+(\\d+)\\s+kB`).exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/**
 * Collects Bull's processedOn/finishedOn of every completed generate-variation job while a batch runs
 * (Bull keeps only the newest 1000 completed jobs, so the set is read every second, not at the end).
 */
export class JobTimes {
  readonly durations = new Map<string, { processedOn: number; finishedOn: number }>();
  private timer?: NodeJS.Timeout;
  private busy = false;
  private stopped = false;
  private readonly redis: Redis;

  constructor(
    private readonly prefix: string,
    private readonly queue = 'variations',
  ) {
    this.redis = new Redis(REDIS_URL);
  }

  start(): void {
    this.timer = setInterval(() => void this.collect(), 1000);
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    clearInterval(this.timer);
    while (this.busy) await new Promise((r) => setTimeout(r, 20));
    await this.collect();
    this.redis.disconnect();
  }

  private async collect(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      const ids = (await this.redis.zrange(`${this.prefix}:${this.queue}:completed`, 0, -1)).filter(
        (id) => !this.durations.has(id),
      );
      const pipe = this.redis.pipeline();
      for (const id of ids) pipe.hmget(`${this.prefix}:${this.queue}:${id}`, 'processedOn', 'finishedOn');
      const results = (await pipe.exec()) ?? [];
      results.forEach(([err, v], i) => {
        const [p, f] = (v as (string | null)[] | null) ?? [];
        if (!err && p && f) this.durations.set(ids[i], { processedOn: Number(p), finishedOn: Number(f) });
      });
    } finally {
      this.busy = false;
    }
  }

  values(): number[] {
    return [...this.durations.values()].map((d) => d.finishedOn - d.processedOn);
  }
}

/**
 * Every slot a shared limiter grants while a batch runs: its log in Redis (a sorted set trimmed to the last
 * window) is read every 200 ms and the members, stamped with Redis time, are kept.
 */
export class SlotLog {
  private readonly slots = new Map<string, number>();
  private timer?: NodeJS.Timeout;
  private readonly redis = new Redis(REDIS_URL);

  constructor(private readonly key: string) {}

  start(): void {
    this.timer = setInterval(() => void this.collect().catch(() => undefined), 200);
  }

  async stop(): Promise<number[]> {
    if (this.timer) {
      clearInterval(this.timer);
      this.timer = undefined;
      await this.collect().catch(() => undefined);
      this.redis.disconnect();
    }
    return [...this.slots.values()].sort((a, b) => a - b);
  }

  private async collect(): Promise<void> {
    const log = await this.redis.zrange(this.key, 0, -1, 'WITHSCORES');
    for (let i = 0; i < log.length; i += 2) this.slots.set(log[i], Number(log[i + 1]));
  }
}
