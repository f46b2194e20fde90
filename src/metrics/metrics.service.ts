import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import type { Job, Queue } from 'bull';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { WorkQueues } from '../batches/work-queues';
import { AppConfig } from '../config/config.schema';
import { InjectConfig } from '../config/config.module';
import { GENERATOR, Generator, GeneratorEvent } from '../generation/generator.interface';
import { WorkerHeartbeatService } from '../health/worker-heartbeat.service';
import { BatchesRepository } from '../pipeline/repositories';
import { PublishingQueue } from '../publishing/publishing.queue';

/** Job states Bull counts; read at scrape time, so every process reports the same global numbers. */
const JOB_STATES = ['waiting', 'active', 'delayed', 'completed', 'failed', 'paused'] as const;

/**
 * The Prometheus registry of this process. Two kinds of numbers: global ones read at scrape time from
 * Redis and the database (jobs by queue and state, batches by status, live workers), and this process's
 * own counters (job durations from its queues' events, Gemini calls, 429s, images, spend). Scrape every
 * process that runs workers (`/api/metrics`, or `/metrics` on a worker's WORKER_HEALTH_PORT) and sum.
 */
@Injectable()
export class MetricsService implements OnApplicationBootstrap {
  private readonly logger = new Logger(MetricsService.name);
  /** One registry per app instance (not prom-client's global one), so several apps in one process stay apart. */
  readonly registry = new Registry();
  private readonly queues: { name: string; queue: Queue }[];

  readonly jobDuration = new Histogram({
    name: 'studio_job_duration_seconds',
    help: 'Run time of jobs processed by this process, by queue and outcome (a failed attempt that is retried counts as failed).',
    labelNames: ['queue', 'outcome'] as const,
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600],
    registers: [this.registry],
  });
  readonly providerCalls = new Counter({
    name: 'studio_provider_calls_total',
    help: 'Gemini calls made by this process, by key (masked), kind (text/image) and outcome.',
    labelNames: ['provider', 'key', 'kind', 'outcome'] as const,
    registers: [this.registry],
  });
  readonly providerRateLimited = new Counter({
    name: 'studio_provider_rate_limited_total',
    help: 'HTTP 429 answers (per-minute and per-day quota) by key (masked) and kind.',
    labelNames: ['provider', 'key', 'kind', 'quota'] as const,
    registers: [this.registry],
  });
  readonly imagesMade = new Counter({
    name: 'studio_images_made_total',
    help: 'Slide images made by the generator that passed the checks (each is stored and never made again).',
    labelNames: ['generator'] as const,
    registers: [this.registry],
  });
  readonly spend = new Counter({
    name: 'studio_estimated_spend_usd_total',
    help: 'Estimated provider spend in USD: answered calls × PRICE_PER_IMAGE_CALL / PRICE_PER_TEXT_CALL; result "refused" counts image calls answered without an image apart from those that delivered one.',
    labelNames: ['provider', 'kind', 'result'] as const,
    registers: [this.registry],
  });

  constructor(
    work: WorkQueues,
    publishing: PublishingQueue,
    @Inject(GENERATOR) private readonly generator: Generator,
    private readonly batches: BatchesRepository,
    @InjectConfig() private readonly config: AppConfig,
    private readonly heartbeats: WorkerHeartbeatService,
  ) {
    this.queues = [...work.all(), { name: 'publishing', queue: publishing.queue }];
    collectDefaultMetrics({ register: this.registry });
    const queues = this.queues;
    new Gauge({
      name: 'studio_queue_jobs',
      help: 'Jobs in each Bull queue by state (all processes, read from Redis at scrape time).',
      labelNames: ['queue', 'state'] as const,
      registers: [this.registry],
      async collect() {
        for (const { name, queue } of queues) {
          const counts = (await queue.getJobCounts()) as unknown as Record<string, number>;
          for (const state of JOB_STATES) this.set({ queue: name, state }, counts[state] ?? 0);
        }
      },
    });
    const repo = this.batches;
    new Gauge({
      name: 'studio_batches',
      help: 'Batches by status (from the database at scrape time).',
      labelNames: ['status'] as const,
      registers: [this.registry],
      async collect() {
        this.reset();
        for (const [status, n] of Object.entries(await repo.countByStatus())) this.set({ status }, n);
      },
    });
    const beats = this.heartbeats;
    new Gauge({
      name: 'studio_workers_live',
      help: 'Worker processes with a fresh heartbeat in Redis.',
      registers: [this.registry],
      async collect() {
        this.set((await beats.live()).length);
      },
    });
  }

  onApplicationBootstrap(): void {
    for (const { name, queue } of this.queues) {
      // Local events: only jobs this process ran, so each process's histogram is its own share.
      queue.on('completed', (job: Job) => this.observe(name, 'completed', job));
      queue.on('failed', (job: Job) => this.observe(name, 'failed', job));
    }
    this.generator.onEvent((e) => this.onGenerator(e));
  }

  private observe(queue: string, outcome: string, job: Job): void {
    const started = job.processedOn ?? job.timestamp;
    if (!started) return;
    this.jobDuration.observe({ queue, outcome }, Math.max(0, ((job.finishedOn ?? Date.now()) - started) / 1000));
  }

  private onGenerator(e: GeneratorEvent): void {
    const provider = this.generator.name;
    if (e.type === 'image-made') return void this.imagesMade.inc({ generator: provider });
    this.providerCalls.inc({ provider, key: e.key, kind: e.kind, outcome: e.outcome });
    if (e.outcome === 'rate_limited' || e.outcome === 'daily_quota') {
      this.providerRateLimited.inc({
        provider,
        key: e.key,
        kind: e.kind,
        quota: e.outcome === 'daily_quota' ? 'day' : 'minute',
      });
    }
    if (e.outcome === 'ok' || e.outcome === 'refused') {
      const list = e.kind === 'image' ? this.config.gemini.pricePerImageCall : this.config.gemini.pricePerTextCall;
      const price = e.economy ? list * this.config.gemini.economyPriceFactor : list;
      this.spend.inc({ provider, kind: e.kind, result: e.outcome === 'ok' ? 'delivered' : 'refused' }, price);
    }
  }

  /** The exposition text and its content type (text/plain; version=0.0.4). */
  async render(): Promise<{ contentType: string; body: string }> {
    try {
      return { contentType: this.registry.contentType, body: await this.registry.metrics() };
    } catch (e) {
      this.logger.warn(`metrics collection failed: ${(e as Error).message}`);
      throw e;
    }
  }
}
