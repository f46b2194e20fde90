import { Injectable, Logger } from '@nestjs/common';
import type { Job, Queue } from 'bull';
import { FailureStep } from '../common/errors';
import { consume, JobOutcomeHandlers, runJob } from '../common/job-runner';
import { WorkerLifecycle } from '../common/worker-lifecycle';
import { AppConfig } from '../config/config.schema';
import { InjectConfig } from '../config/config.module';
import { BatchProgressService } from './batch-progress.service';

/** The step a job is in, read when it fails (a failure of an unknown kind is charged to it). */
export interface StepTracker {
  current: FailureStep;
}

/** What a processor says about its rows; the skeleton does the rest. */
export interface RowJobSpec<J, R> {
  /** Bull's concurrency for this job name in this process (default WORKER_CONCURRENCY). */
  concurrency?: number;
  /** The row the job points at, or null when it is gone. */
  load: (data: J) => Promise<R | null>;
  /** False when the row has ended or is not this job's to run: the job does nothing. */
  open: (row: R) => boolean;
  /** Names the work in every log line (ids). */
  label: (data: J) => string;
  /** The step a failure is charged to until `run` moves it on. */
  firstStep: FailureStep;
  /** How the row ends when the work fails, is cancelled, or this worker stops. */
  outcomes: (row: R) => Omit<JobOutcomeHandlers, 'step'>;
  run: (job: Job<J>, row: R, step: StepTracker) => Promise<void>;
}

/**
 * The one skeleton under the three processors: load the row, skip it unless open, run the work under
 * runJob's rules (permanent → fail with the reason, transient → Bull retries, cancelled → cancel,
 * shutdown → release). A processor is then a spec of a few lines over its domain service.
 */
@Injectable()
export class ProcessorKit {
  constructor(
    @InjectConfig() readonly config: AppConfig,
    /** The state machine every processor moves its rows through. */
    readonly progress: BatchProgressService,
    private readonly lifecycle: WorkerLifecycle,
  ) {}

  /** Throws at a step boundary when this worker is stopping. */
  assertRunning(): void {
    this.lifecycle.assertRunning();
  }

  consume<J, R>(queue: Queue<J>, name: string, logger: Logger, spec: RowJobSpec<J, R>): void {
    consume(queue, name, { config: this.config, lifecycle: this.lifecycle, concurrency: spec.concurrency }, (job) =>
      this.handle(job, logger, spec),
    );
  }

  async handle<J, R>(job: Job<J>, logger: Logger, spec: RowJobSpec<J, R>): Promise<void> {
    const row = await spec.load(job.data);
    if (!row || !spec.open(row)) return;
    const step: StepTracker = { current: spec.firstStep };
    const outcomes = spec.outcomes(row);
    await runJob(
      job,
      logger,
      spec.label(job.data),
      {
        get step() {
          return step.current;
        },
        ...outcomes,
      },
      () => spec.run(job, row, step),
    );
  }
}
