import { BeforeApplicationShutdown, Injectable, Logger } from '@nestjs/common';

/** Thrown at a step boundary while this worker shuts down: the work goes back to pending for another worker. */
export class ShuttingDownError extends Error {
  constructor() {
    super('worker shutting down');
    this.name = 'ShuttingDownError';
  }
}

/**
 * Knows whether this process is stopping. Processors check it at every step boundary (with the cancel
 * check), so SIGTERM lets running jobs stop cleanly instead of being cut mid-upload.
 */
@Injectable()
export class WorkerLifecycle implements BeforeApplicationShutdown {
  private readonly logger = new Logger(WorkerLifecycle.name);
  private stopping = false;
  private readonly drains: (() => Promise<void>)[] = [];

  assertRunning(): void {
    if (this.stopping) throw new ShuttingDownError();
  }

  /** Processors register how to stop taking jobs and wait for the running ones. */
  onDrain(fn: () => Promise<void>): void {
    this.drains.push(fn);
  }

  async beforeApplicationShutdown(signal?: string): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    if (!this.drains.length) return;
    this.logger.log(`shutting down (${signal ?? 'close'}): waiting for running jobs to reach a step boundary`);
    await Promise.all(
      this.drains.map((d) => d().catch((e) => this.logger.warn(`drain failed: ${(e as Error).message}`))),
    );
  }
}
