import { BullModule } from '@nestjs/bull';
import type { Job, JobOptions, Queue, QueueOptions } from 'bull';
import { AppConfig } from '../config/config.schema';
import { APP_CONFIG } from '../config/config.module';
import { TransientError } from './errors';

/** Registered on every queue: transient errors back off exponentially, or as long as the provider asked. */
export const PROVIDER_BACKOFF = 'provider';

export function backoffDelay(attemptsMade: number, baseMs: number, err?: unknown): number {
  const exponential = baseMs * 2 ** Math.max(0, attemptsMade - 1);
  const jitter = Math.floor(Math.random() * Math.min(1000, baseMs));
  const asked = err instanceof TransientError && err.retryAfterMs ? err.retryAfterMs : 0;
  return Math.max(asked, Math.min(exponential, 10 * 60_000) + jitter);
}

/**
 * The one way a queue is registered: Bull options from the config (limiter, attempts, backoff, lock and
 * stall timings). Each domain module calls this for the queue it owns; its Bull Board panel is the API's
 * (api.module.ts).
 */
export function registerQueue(name: string, extra: (config: AppConfig) => Partial<QueueOptions> = () => ({})) {
  return BullModule.registerQueueAsync({
    name,
    inject: [APP_CONFIG],
    useFactory: (config: AppConfig): QueueOptions => ({
      defaultJobOptions: {
        attempts: config.jobs.attempts,
        backoff: { type: PROVIDER_BACKOFF },
        removeOnComplete: 1000,
        removeOnFail: 5000,
      },
      settings: {
        lockDuration: config.jobs.lockMs,
        stalledInterval: config.jobs.stalledIntervalMs,
        maxStalledCount: 2,
        backoffStrategies: {
          [PROVIDER_BACKOFF]: (attemptsMade: number, err: Error) =>
            backoffDelay(attemptsMade, config.jobs.backoffMs, err),
        },
      },
      ...extra(config),
    }),
  });
}

/** True when this run is the job's last try: a transient error now fails the work for good. */
export function isLastAttempt(job: Job): boolean {
  return job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
}

/**
 * Adds a job under a deterministic id. A job with that id that is still waiting or running is left alone
 * (no duplicate); a finished one is removed first so retry-failed can queue the same work again.
 */
export async function enqueueOnce<T>(
  queue: Queue<T>,
  name: string,
  jobId: string,
  data: T,
  opts: JobOptions = {},
): Promise<void> {
  const existing = await queue.getJob(jobId);
  if (existing) {
    const state = await existing.getState();
    if (state === 'completed' || state === 'failed') await existing.remove();
    else return;
  }
  await queue.add(name, data, { ...opts, jobId });
}

/** Removes waiting/delayed jobs by id; running ones cannot be removed and stop at their next step boundary. */
export async function removeQueued(queue: Queue, jobIds: string[]): Promise<number> {
  let removed = 0;
  for (const id of jobIds) {
    const job = await queue.getJob(id);
    if (!job) continue;
    const state = await job.getState();
    if (state === 'waiting' || state === 'delayed' || state === 'paused') {
      await job
        .remove()
        .then(() => removed++)
        .catch(() => undefined);
    }
  }
  return removed;
}
