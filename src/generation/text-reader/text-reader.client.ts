import { ChildProcess, fork } from 'node:child_process';
import * as path from 'node:path';
import { Logger } from '@nestjs/common';
import { FailureStep, TransientError } from '../../common/errors';
import type { ReaderReply, ReaderRequest, ReadResult, ScrubResult } from './protocol';

export interface TextReaderOptions {
  /** The child exits after this long without a request (its OCR engine costs ~100 MB while loaded). */
  idleMs: number;
  /** A request not answered in this time kills the child (a hung engine) and fails transiently. */
  requestTimeoutMs?: number;
}

type Pending = {
  resolve: (r: ReadResult | ScrubResult) => void;
  reject: (e: Error) => void;
  step: FailureStep;
  timer: NodeJS.Timeout;
};

type Request = { op: 'read'; input: string; cleanOut: string } | { op: 'scrub'; bytes: Buffer };

/**
 * The parent side of the text reader: one child process (child.ts) per process that needs it, forked on
 * first use, models loaded once there, stopped after `idleMs` without work and forked again on the next
 * request. A child that dies or hangs fails its requests with a TransientError (the job is retried) and
 * the next request starts a fresh one. Works from the compiled dist and under ts-jest (ts-node in the child).
 */
export class TextReaderClient {
  private readonly logger = new Logger(TextReaderClient.name);
  private child: ChildProcess | undefined;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private idleTimer: NodeJS.Timeout | undefined;
  private stderrTail: string[] = [];
  /** Children started so far (specs check reuse and restarts). */
  starts = 0;
  /** Highest resident memory the child reported, bytes (benchmarks). */
  peakRss = 0;
  /** CPU each child still running last reported, seconds. */
  private readonly liveCpuS = new Map<ChildProcess, number>();

  constructor(private readonly options: TextReaderOptions) {}

  get pid(): number | undefined {
    return this.child?.pid;
  }

  /**
   * The children's CPU that this process's own counters do not show yet: what the children still running have
   * reported. Once a child exits its whole CPU is in this process's reaped-children figure (/proc/self/stat's
   * cutime) instead; the two added give the CPU of the reading so far.
   */
  unreapedCpuSeconds(): number {
    let sum = 0;
    for (const s of this.liveCpuS.values()) sum += s;
    return sum;
  }

  read(input: string, cleanOut: string, step: FailureStep = 'analysis'): Promise<ReadResult> {
    return this.request({ op: 'read', input, cleanOut }, step) as Promise<ReadResult>;
  }

  scrub(bytes: Buffer, step: FailureStep = 'generation'): Promise<ScrubResult> {
    return this.request({ op: 'scrub', bytes }, step) as Promise<ScrubResult>;
  }

  /** Stops the child now (shutdown, specs). */
  async close(): Promise<void> {
    clearTimeout(this.idleTimer);
    const child = this.child;
    if (!child) return;
    this.child = undefined;
    await new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    });
  }

  private request(body: Request, step: FailureStep): Promise<ReadResult | ScrubResult> {
    clearTimeout(this.idleTimer);
    const child = this.child ?? this.start();
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timeoutMs = this.options.requestTimeoutMs ?? 180_000;
      const timer = setTimeout(() => {
        this.logger.warn(`text reader: no answer in ${timeoutMs} ms; stopping child ${child.pid}`);
        child.kill('SIGKILL');
      }, timeoutMs);
      this.pending.set(id, { resolve, reject, step, timer });
      child.send({ id, ...body } as ReaderRequest, (e) => {
        if (e) this.settle(id, new TransientError(step, `text reader unreachable: ${e.message}`));
      });
    });
  }

  private start(): ChildProcess {
    const ts = __filename.endsWith('.ts');
    const entry = path.join(__dirname, ts ? 'child.ts' : 'child.js');
    const child = fork(entry, [], {
      // Under ts-jest / ts-node the child compiles itself; from dist it is plain JavaScript. The child collects
      // its garbage after each slide (child.ts).
      execArgv: ['--expose-gc', ...(ts ? ['-r', require.resolve('ts-node/register/transpile-only')] : [])],
      // Fewer glibc arenas: the engine allocates from one thread, extra arenas only hold freed memory.
      env: { ...process.env, MALLOC_ARENA_MAX: '2' },
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
      serialization: 'advanced',
    });
    this.child = child;
    this.starts++;
    this.stderrTail = [];
    child.stderr?.on('data', (chunk: Buffer) => {
      const lines = chunk.toString('utf8').split('\n').filter(Boolean);
      this.stderrTail = [...this.stderrTail, ...lines].slice(-10);
    });
    child.on('message', (m: ReaderReply) => {
      if ('ready' in m) return;
      if (m.ok) {
        this.peakRss = Math.max(this.peakRss, m.rss);
        this.liveCpuS.set(child, m.cpuS);
        this.settle(m.id, null, m.result);
      } else {
        // The engine refused this image (undecodable bytes…): retrying the same bytes would not help.
        this.settle(m.id, new Error(`text reader: ${m.error}`));
      }
    });
    child.once('exit', (code, signal) => {
      if (this.child === child) this.child = undefined;
      this.liveCpuS.delete(child);
      clearTimeout(this.idleTimer);
      if (!this.pending.size) return;
      const why = `text reader process ended (${signal ?? `exit ${code}`})${
        this.stderrTail.length ? `: ${this.stderrTail.slice(-3).join(' | ')}` : ''
      }`;
      this.logger.warn(why);
      for (const [id, p] of [...this.pending]) this.settle(id, new TransientError(p.step, why));
    });
    return child;
  }

  private settle(id: number, error: Error | null, result?: ReadResult | ScrubResult): void {
    const p = this.pending.get(id);
    if (!p) return;
    this.pending.delete(id);
    clearTimeout(p.timer);
    if (error) p.reject(error);
    else p.resolve(result as ReadResult | ScrubResult);
    if (!this.pending.size && this.child) {
      const child = this.child;
      this.idleTimer = setTimeout(() => {
        if (this.child !== child || this.pending.size) return;
        this.child = undefined;
        child.kill('SIGTERM');
      }, this.options.idleMs);
      this.idleTimer.unref();
    }
  }
}
