import * as fs from 'node:fs';
import * as os from 'node:os';
import { Inject, Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import type Redis from 'ioredis';
import { REDIS } from '../common/redis.module';
import { AppConfig } from '../config/config.schema';
import { InjectConfig } from '../config/config.module';

/** The factor is used once this many of the model's core-seconds are on record (all processes together). */
const MIN_MODEL_S = 20;
/** Evidence older than this is dropped (a machine resized, a new CPU). */
const MAX_AGE_MS = 7 * 24 * 3600 * 1000;
/** Written at most this often (the last work of a burst is written when the interval is up). */
const WRITE_EVERY_MS = 2000;
const REFRESH_MS = 15_000;
/** The factor stays within these bounds whatever a process reports. */
const MIN_FACTOR = 0.25;
const MAX_FACTOR = 4;

/** What one worker process has measured so far (cumulative since it started). */
interface Evidence {
  /** CPU seconds it spent while it did modelled work. */
  cpuS: number;
  /** Core-seconds the time model gives that work. */
  modelS: number;
  at: number;
}

/** CPU seconds of this process's reaped children (ffmpeg exports, finished text readers): Linux's cutime + cstime. */
function reapedCpuSeconds(): number {
  try {
    const stat = fs.readFileSync('/proc/self/stat', 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // After the name: state(3) ppid(4) … cutime(16) cstime(17), in clock ticks of 1/100 s.
    return (Number(fields[13]) + Number(fields[14])) / 100;
  } catch {
    return 0;
  }
}

/**
 * How fast this deployment's workers do the work the time model counts (estimate.ts: its per-slide
 * core-seconds were measured on one machine), learnt from the work itself. Each worker process adds up the
 * CPU it spends while it reads slides or makes variations (its own threads, its ffmpeg exports once reaped,
 * its text reader child's as the child reports it) and the model's core-seconds for the same work, and keeps
 * both in Redis. The estimate multiplies its core-seconds by Σ CPU ÷ Σ model over every process that
 * reported in the last week (so the busiest weigh most); 1, the constants as measured, until 20 core-seconds
 * of work are on record.
 */
@Injectable()
export class MachineSpeed implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(MachineSpeed.name);
  private readonly key: string;
  private readonly field = `${os.hostname()}:${process.pid}`;
  private active = 0;
  private mark = 0;
  private cpuS = 0;
  private modelS = 0;
  private writtenModelS = 0;
  private writtenAt = 0;
  private writing: Promise<unknown> = Promise.resolve();
  private current = 1;
  private timer?: NodeJS.Timeout;
  private trailing?: NodeJS.Timeout;
  /** CPU of children this process's own counters do not show yet (the text reader's): see `countChildCpu`. */
  private childCpu: () => number = () => 0;

  constructor(
    @InjectConfig() config: AppConfig,
    @Inject(REDIS) private readonly redis: Redis,
  ) {
    this.key = `${config.queuePrefix}:estimate:speed`;
  }

  onModuleInit(): void {
    void this.refresh();
    this.timer = setInterval(() => void this.refresh(), REFRESH_MS);
    this.timer.unref();
  }

  async onModuleDestroy(): Promise<void> {
    clearInterval(this.timer);
    if (this.trailing) {
      clearTimeout(this.trailing);
      this.trailing = undefined;
      this.write();
    }
    await this.writing;
  }

  /**
   * Counts the CPU of children still running, as they last reported it (`TextReaderClient.unreapedCpuSeconds`):
   * once a child exits its whole CPU is in the reaped-children figure instead.
   */
  countChildCpu(cpu: () => number): void {
    this.childCpu = cpu;
  }

  /** The factor the estimate's core-seconds are multiplied by (1 until enough work is on record). */
  factor(): number {
    return this.current;
  }

  /** Modelled work starts: CPU from now on counts, until the last piece of work running ends. */
  begin(): void {
    if (this.active++ === 0) this.mark = this.cpuNow();
  }

  /** Modelled work ends; `modelS` is what the time model gives it (0 when it failed). */
  end(modelS: number): void {
    const now = this.cpuNow();
    this.cpuS += now - this.mark;
    this.mark = now;
    this.active = Math.max(0, this.active - 1);
    this.modelS += modelS;
    if (this.modelS === this.writtenModelS || this.trailing) return;
    const wait = this.writtenAt + WRITE_EVERY_MS - Date.now();
    if (wait <= 0) return this.write();
    this.trailing = setTimeout(() => {
      this.trailing = undefined;
      this.write();
    }, wait);
    this.trailing.unref();
  }

  /** Reads every process's evidence and recomputes the factor (every 15 s; specs call it directly). */
  async refresh(): Promise<number> {
    try {
      const all = await this.redis.hgetall(this.key);
      let cpuS = 0;
      let modelS = 0;
      const stale: string[] = [];
      for (const [field, raw] of Object.entries(all)) {
        const e = JSON.parse(raw) as Evidence;
        if (Date.now() - e.at > MAX_AGE_MS) stale.push(field);
        else if (e.cpuS > 0 && e.modelS > 0) {
          cpuS += e.cpuS;
          modelS += e.modelS;
        }
      }
      if (stale.length) await this.redis.hdel(this.key, ...stale);
      this.current = modelS >= MIN_MODEL_S ? Math.min(MAX_FACTOR, Math.max(MIN_FACTOR, cpuS / modelS)) : 1;
    } catch (e) {
      this.logger.debug(`machine speed not read: ${(e as Error).message}`);
    }
    return this.current;
  }

  private cpuNow(): number {
    const own = process.cpuUsage();
    return (own.user + own.system) / 1e6 + reapedCpuSeconds() + this.childCpu();
  }

  private write(): void {
    this.writtenModelS = this.modelS;
    this.writtenAt = Date.now();
    const e: Evidence = { cpuS: this.cpuS, modelS: this.modelS, at: this.writtenAt };
    this.writing = this.redis
      .hset(this.key, this.field, JSON.stringify(e))
      .catch((err: Error) => this.logger.debug(`machine speed not written: ${err.message}`));
  }
}
