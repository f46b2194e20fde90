import { Logger } from '@nestjs/common';
import type { Job, Queue } from 'bull';
import { AppConfig } from '../config/config.schema';
import { CancelledError, FailureStep, isPermanent, isTransient, retryCanHelp, TransientError } from './errors';
import { isLastAttempt } from './queueing';
import { ShuttingDownError, WorkerLifecycle } from './worker-lifecycle';

export interface JobOutcomeHandlers {
  /** The step a failure of an unknown kind is charged to (read when it happens: a getter may track progress). */
  readonly step: FailureStep;
  /**
   * Stores the failure on the row (permanent error, or the last try of a transient one); `retryable` is
   * false for a permanent error of the post itself (retryCanHelp), which retry-failed must not queue again.
   */
  fail: (step: FailureStep, reason: string, retryable: boolean) => Promise<void>;
  /** The batch was cancelled: the row ends `cancelled`. */
  cancel: () => Promise<void>;
  /** This worker is stopping: the row goes back to `pending` and the job is retried elsewhere. */
  release: () => Promise<void>;
}

/**
 * The one place where an error becomes a job outcome (STYLE 5): permanent → fail at once with its reason;
 * transient → rethrown so Bull retries with backoff, until the last try, which fails with the reason;
 * cancelled → ends quietly; shutdown → released for another worker. Unknown errors count as transient.
 */
export async function runJob(
  job: Job,
  logger: Logger,
  label: string,
  handlers: JobOutcomeHandlers,
  work: () => Promise<void>,
): Promise<void> {
  try {
    await work();
  } catch (e) {
    if (e instanceof CancelledError) {
      await handlers.cancel();
      return;
    }
    if (e instanceof ShuttingDownError) {
      await handlers.release();
      logger.log(`${label}: released (worker shutting down)`);
      throw new TransientError(handlers.step, 'worker shut down; the job resumes on another worker', 1000);
    }
    if (isPermanent(e)) {
      await handlers.fail(e.step, e.message, retryCanHelp(e));
      return;
    }
    const step = isTransient(e) ? e.step : handlers.step;
    const reason = isTransient(e) ? e.message : `unexpected error: ${(e as Error)?.message ?? String(e)}`;
    if (!isTransient(e)) logger.error(`${label}: ${(e as Error)?.stack ?? e}`);
    if (isLastAttempt(job)) {
      await handlers.fail(step, `${reason} (gave up after ${job.attemptsMade + 1} attempts)`, true);
      return;
    }
    logger.warn(`${label}: attempt ${job.attemptsMade + 1} failed, will retry: ${reason}`);
    throw e;
  }
}

/**
 * Starts consuming `queue` (unless this is an API-only process, WORKERS=false, which only produces jobs),
 * and on shutdown pauses it locally (no new jobs) and waits up to SHUTDOWN_GRACE_MS for running ones,
 * which stop at their next step boundary.
 */
export function consume<T>(
  queue: Queue<T>,
  name: string,
  deps: { config: AppConfig; lifecycle: WorkerLifecycle; concurrency?: number },
  handler: (job: Job<T>) => Promise<void>,
): void {
  const { workers } = deps.config;
  if (!workers.enabled) return;
  void queue.process(name, deps.concurrency ?? workers.concurrency, handler);
  deps.lifecycle.onDrain(async () => {
    await Promise.race([queue.pause(true, false), new Promise((r) => setTimeout(r, workers.shutdownGraceMs))]);
  });
}
