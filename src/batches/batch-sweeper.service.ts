import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import type { Queue } from 'bull';
import type Redis from 'ioredis';
import { tryRedisLock } from '../common/redis-lock';
import { InjectRedis } from '../common/redis.module';
import { BATCH_FINAL, BatchStatus } from '../pipeline/statuses';
import { AppConfig } from '../config/config.schema';
import { InjectConfig } from '../config/config.module';
import { STORAGE, Storage } from '../drive/storage.interface';
import { BatchProgressService } from '../pipeline/batch-progress.service';
import { BatchLink } from '../pipeline/entities/link.entity';
import { BatchVariation } from '../pipeline/entities/variation.entity';
import { processBatchJobId, processLinkJobId, variationJobId } from '../pipeline/queues';
import { PipelineRows } from '../pipeline/repositories';
import { WorkQueues } from './work-queues';

/** Batches whose rows can be lost in flight. */
const STARTED: BatchStatus[] = ['processing', 'cancelling'];

/** After this many re-queues of one row its work counts as lost for good and the row fails with a reason. */
export const SWEEP_MAX_REQUEUES = 3;

/** What one sweep did (for logs and tests). */
export interface SweepReport {
  /** False when another process holds the sweep lock: this one did nothing. */
  swept: boolean;
  /** Rows seen without a live job for the first time: acted on only if still so at a later sweep. */
  suspects: number;
  requeued: string[];
  failed: string[];
  settledBatches: string[];
  /** Temporary files of writers that died mid-write, removed. */
  orphans: string[];
}

type Suspect = { field: string; act: () => Promise<'requeued' | 'failed' | 'none'> };

/** Bull job states in which a job will still run (or is running): the row is not lost. */
const ALIVE = new Set(['waiting', 'active', 'delayed', 'paused']);

/**
 * The safety net under Bull: finds open rows whose job is gone (removed, or failed for good after its
 * worker died more often than Bull's stalled check allows, or a crash between writing a row and queueing
 * it) and batches whose last link ended without settling them. A row must look lost at two sweeps at
 * least SWEEP_INTERVAL_MS apart before anything is done (a row written a moment before its job is queued
 * is not lost); then it goes back to `pending` and is queued again under its deterministic job id (so a
 * duplicate is impossible), and after SWEEP_MAX_REQUEUES it fails with a reason. One process sweeps at a
 * time (a Redis lock), whichever worker gets there first.
 */
@Injectable()
export class BatchSweeperService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(BatchSweeperService.name);
  private timer?: NodeJS.Timeout;
  private running?: Promise<unknown>;

  constructor(
    @InjectRedis() private readonly redis: Redis,
    @InjectConfig() private readonly config: AppConfig,
    private readonly progress: BatchProgressService,
    private readonly queues: WorkQueues,
    private readonly rows: PipelineRows,
    @Inject(STORAGE) private readonly storage: Storage,
  ) {}

  private key(name: string): string {
    return `${this.config.queuePrefix}:sweeper:${name}`;
  }

  onApplicationBootstrap(): void {
    // Only processes that run workers sweep: an API-only process has nothing to hand work to.
    if (!this.config.workers.enabled) return;
    this.timer = setInterval(() => {
      // During a Redis outage there is nothing to sweep with (RedisConnection has logged it once).
      if (this.running || this.redis.status !== 'ready') return;
      this.running = this.sweepOnce()
        .catch((e: Error) => this.logger.warn(`sweep failed: ${e.message}`))
        .finally(() => (this.running = undefined));
    }, this.config.jobs.sweepIntervalMs);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.running;
  }

  /** One sweep, if no other process is sweeping. */
  async sweepOnce(): Promise<SweepReport> {
    const report: SweepReport = {
      swept: false,
      suspects: 0,
      requeued: [],
      failed: [],
      settledBatches: [],
      orphans: [],
    };
    const ttl = Math.max(30_000, this.config.jobs.sweepIntervalMs * 2);
    const swept = await tryRedisLock(this.redis, this.key('lock'), ttl, async () => {
      const suspects = [...(await this.lostBatches()), ...(await this.lostLinks()), ...(await this.lostVariations())];
      await this.judge(suspects, report);
      report.settledBatches = await this.settleIdleBatches();
      report.orphans = await this.storage.removeOrphans();
      return true;
    });
    if (!swept) return report;
    report.swept = true;
    if (report.orphans.length) this.logger.warn(`sweep: removed ${report.orphans.length} unfinished temp files`);
    if (report.requeued.length || report.failed.length || report.settledBatches.length) {
      this.logger.log(
        `sweep: requeued [${report.requeued.join(', ')}], failed [${report.failed.join(', ')}], settled batches [${report.settledBatches.join(', ')}]`,
      );
    }
    return report;
  }

  /**
   * Acts on suspects first seen at least one interval ago (times from Redis, so machines agree); new
   * ones are remembered; remembered ones that are no longer suspects (their job came back) are forgotten.
   */
  private async judge(suspects: Suspect[], report: SweepReport): Promise<void> {
    const seenKey = this.key('suspects');
    const [sec, micro] = await this.redis.time();
    const now = Number(sec) * 1000 + Math.floor(Number(micro) / 1000);
    const seen = await this.redis.hgetall(seenKey);
    const current = new Set(suspects.map((s) => s.field));
    const gone = Object.keys(seen).filter((f) => !current.has(f));
    if (gone.length) await this.redis.hdel(seenKey, ...gone);
    for (const s of suspects) {
      const first = seen[s.field];
      if (first === undefined) {
        await this.redis.hset(seenKey, s.field, String(now));
        report.suspects++;
        continue;
      }
      if (now - Number(first) < this.config.jobs.sweepIntervalMs) continue;
      await this.redis.hdel(seenKey, s.field);
      const done = await s.act();
      if (done === 'requeued') report.requeued.push(s.field);
      if (done === 'failed') report.failed.push(s.field);
    }
    await this.redis.pexpire(seenKey, Math.max(3_600_000, this.config.jobs.sweepIntervalMs * 10));
  }

  /** True when the job will still run; false when it is missing, finished or failed for good. */
  private async jobAlive(queue: Queue, jobId: string): Promise<boolean> {
    const job = await queue.getJob(jobId);
    if (!job) return false;
    return ALIVE.has(await job.getState());
  }

  /** Counts re-queues per row; true when the row has used them all up. */
  private async spentTries(field: string): Promise<{ tries: number; spent: boolean }> {
    const triesKey = this.key('tries');
    const tries = await this.redis.hincrby(triesKey, field, 1);
    await this.redis.pexpire(triesKey, 7 * 24 * 3_600_000);
    return { tries, spent: tries > SWEEP_MAX_REQUEUES };
  }

  /** A row failed for good: a later manual retry starts with a fresh count. */
  private async forgetTries(field: string): Promise<void> {
    await this.redis.hdel(this.key('tries'), field);
  }

  private reason(tries: number): string {
    return `the work was lost ${tries - 1} times (its worker stopped or its job vanished); gave up — retry the failed items to try again`;
  }

  /** Queued batches whose process-batch job is gone (e.g. the API stopped between the insert and the queue). */
  private async lostBatches(): Promise<Suspect[]> {
    const out: Suspect[] = [];
    for (const batchId of await this.rows.batches.idsWithStatus(['queued'])) {
      if (await this.jobAlive(this.queues.batches.queue, processBatchJobId(batchId))) continue;
      out.push({
        field: processBatchJobId(batchId),
        act: async () => {
          await this.queues.batches.add(batchId);
          return 'requeued';
        },
      });
    }
    return out;
  }

  /**
   * What happens to a row whose job is lost, the same for links and variations: in a cancelling batch it
   * ends cancelled; after SWEEP_MAX_REQUEUES it fails with a reason; otherwise it goes back to pending and
   * its job is queued again.
   */
  private lostRow(
    jobId: string,
    batchId: string,
    label: string,
    handlers: {
      cancel: () => Promise<unknown>;
      fail: (reason: string) => Promise<unknown>;
      requeue: () => Promise<unknown>;
    },
  ): Suspect {
    return {
      field: jobId,
      act: async () => {
        if ((await this.rows.batches.status(batchId)) === 'cancelling') {
          await handlers.cancel();
          return 'none';
        }
        const { tries, spent } = await this.spentTries(jobId);
        if (spent) {
          await handlers.fail(this.reason(tries));
          await this.forgetTries(jobId);
          return 'failed';
        }
        await handlers.requeue();
        this.logger.warn(`batch ${batchId} ${label}: its job was lost; queued again (${tries}/${SWEEP_MAX_REQUEUES})`);
        return 'requeued';
      },
    };
  }

  /** Open links of started batches whose process-link job is gone, before their variations exist. */
  private async lostLinks(): Promise<Suspect[]> {
    const open = await this.rows.links.openUnplanned(await this.rows.batches.idsWithStatus(STARTED));
    const out: Suspect[] = [];
    for (const link of open) {
      if (await this.jobAlive(this.queues.links.queue, processLinkJobId(link.id))) continue;
      out.push(
        this.lostRow(processLinkJobId(link.id), link.batchId, `link ${link.id}`, {
          cancel: () => this.progress.endLink(link, { status: 'cancelled' }),
          fail: (error) =>
            this.progress.endLink(link, {
              status: 'failed',
              step: !link.slideshow ? 'fetch' : !link.plan ? 'analysis' : 'upload',
              error,
            }),
          requeue: async () => {
            await this.progress.release(BatchLink, link.id);
            await this.queues.links.add(link.batchId, [link.id]);
          },
        }),
      );
    }
    return out;
  }

  /** Open variations of started batches whose generate-variation job is gone. */
  private async lostVariations(): Promise<Suspect[]> {
    const open = await this.rows.variations.open(await this.rows.batches.idsWithStatus(STARTED));
    const out: Suspect[] = [];
    for (const v of open) {
      if (await this.jobAlive(this.queues.variations.queue, variationJobId(v.id))) continue;
      out.push(
        this.lostRow(variationJobId(v.id), v.batchId, `variation ${v.id}`, {
          cancel: () => this.progress.endVariation(v, { status: 'cancelled' }),
          fail: (error) => this.progress.endVariation(v, { status: 'failed', step: 'generation', error }),
          requeue: async () => {
            await this.progress.release(BatchVariation, v.id);
            await this.queues.variations.add([{ batchId: v.batchId, linkId: v.linkId, variationId: v.id }]);
          },
        }),
      );
    }
    return out;
  }

  /** Links whose variations all ended, and batches with no open link, that nobody settled. */
  private async settleIdleBatches(): Promise<string[]> {
    const settled: string[] = [];
    for (const batchId of await this.rows.batches.idsWithStatus(STARTED)) {
      // settleLink settles the batch too when it was the last link
      for (const linkId of await this.rows.links.processingPlannedIds(batchId))
        await this.progress.settleLink(linkId, batchId);
      await this.progress.settleBatch(batchId);
      const now = await this.rows.batches.status(batchId);
      if (now && BATCH_FINAL.includes(now)) settled.push(batchId);
    }
    return settled;
  }
}
