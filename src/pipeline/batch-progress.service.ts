import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { CrashHook } from '../common/crash-point';
import { CancelledError, FailureStep } from '../common/errors';
import { WorkerLifecycle } from '../common/worker-lifecycle';
import { CrashPoint } from '../config/config.schema';
import { TransactionRunner } from '../database/transaction-runner';
import { BatchVariation, VariationFile } from './entities/variation.entity';
import { BatchLink } from './entities/link.entity';
import { Batch } from './entities/batch.entity';
import { EventsRepository, PipelineRows } from './repositories';
import { LINK_OPEN, LinkStatus } from './statuses';

export type VariationOutcome =
  | {
      status: 'completed';
      files: VariationFile[];
      outputFolderId: string;
      outputUrl: string;
      videoError?: string | null;
      warnings?: string[];
    }
  | FailedOutcome
  | { status: 'cancelled' };

/** `retryable` (default true) is false when a retry cannot help: retry-failed leaves the row as it is. */
export type FailedOutcome = { status: 'failed'; step: FailureStep; error: string; retryable?: boolean };

/**
 * Every state change of links, variations and batches, made exact under concurrency without locks in
 * the app: each transition is one conditional UPDATE (`… WHERE status IN (…)`) whose affected-row count
 * says whether this caller made it. A link ends when no variation of it is open, a batch when no link
 * is; the last worker to finish sees that and makes the final transition exactly once (in PostgreSQL the
 * row lock makes a second, concurrent UPDATE re-check its WHERE and match nothing; SQLite serialises writes).
 * Counts are never kept in counters: they are read from the rows (GROUP BY on indexed columns).
 * Each transition commits together with its activity entry (one transaction, `TransactionRunner`), so a
 * worker killed in between leaves neither: the row is still open and the retried job or the sweeper ends
 * it again, writing the entry then. Logs are written after the commit.
 */
@Injectable()
export class BatchProgressService {
  private readonly logger = new Logger(BatchProgressService.name);

  constructor(
    @InjectDataSource() private readonly ds: DataSource,
    private readonly lifecycle: WorkerLifecycle,
    private readonly rows: PipelineRows,
    private readonly events: EventsRepository,
    private readonly tx: TransactionRunner,
    private readonly crash: CrashHook,
  ) {}

  /** Step boundary: throws when the batch was cancelled (or this worker is shutting down). */
  async checkpoint(batchId: string): Promise<void> {
    const status = await this.rows.batches.status(batchId);
    if (!status || status === 'cancelling' || status === 'cancelled') throw new CancelledError('batch cancelled');
    this.lifecycle.assertRunning();
  }

  async event(batchId: string, event: string, linkId?: string | null, variationId?: string | null): Promise<void> {
    await this.events.add({ batchId, event, linkId, variationId });
  }

  /** queued → processing; false when the batch is no longer queued (cancelled before it started). */
  async startBatch(batchId: string, output: { outputFolderId: string; outputUrl: string }): Promise<boolean> {
    const res = await this.ds
      .createQueryBuilder()
      .update(Batch)
      .set({ status: 'processing', startedAt: () => 'CURRENT_TIMESTAMP', ...output })
      .where('id = :batchId AND status IN (:...open)', { batchId, open: ['queued', 'processing'] })
      .execute();
    return !!res.affected;
  }

  /**
   * queued | processing → cancelling. True only for the caller whose UPDATE made the change, so parallel
   * cancels write one "cancel requested" between them.
   */
  async requestCancel(batchId: string): Promise<boolean> {
    return this.tx.run(async (em) => {
      const res = await em
        .createQueryBuilder()
        .update(Batch)
        .set({ status: 'cancelling' })
        .where('id = :batchId AND status IN (:...open)', { batchId, open: ['queued', 'processing'] })
        .execute();
      if (!res.affected) return false;
      await this.events.add({ batchId, event: 'cancel requested' }, em);
      return true;
    });
  }

  /** Pending variations and links (and links awaiting review) of a cancelling batch end `cancelled`. */
  async cancelPending(batchId: string): Promise<void> {
    for (const [entity, waiting] of [
      [BatchVariation, ['pending']],
      [BatchLink, ['pending', 'awaiting_review']],
    ] as const) {
      await this.ds
        .createQueryBuilder()
        .update(entity)
        .set({ status: 'cancelled', finishedAt: () => 'CURRENT_TIMESTAMP' })
        .where('"batchId" = :batchId AND status IN (:...waiting)', { batchId, waiting })
        .execute();
    }
  }

  /** A review batch's planned link stops: processing → awaiting_review, nothing paid for yet. */
  async awaitReview(link: Pick<BatchLink, 'id' | 'batchId' | 'position'>): Promise<boolean> {
    const event = `link ${link.position} planned: waiting for your review`;
    const stopped = await this.tx.run(async (em) => {
      const res = await em
        .createQueryBuilder()
        .update(BatchLink)
        .set({ status: 'awaiting_review' })
        .where('id = :id AND status = :s AND "variationsCreated" = :no', { id: link.id, s: 'processing', no: false })
        .execute();
      if (!res.affected) return false;
      await this.events.add({ batchId: link.batchId, event, linkId: link.id }, em);
      return true;
    });
    if (stopped) this.logger.log(`batch ${link.batchId} link ${link.id}: plan awaits review`);
    return stopped;
  }

  /**
   * The user approved a link's plan: awaiting_review → pending (its process-link job then makes the
   * variations). Only while the batch runs; true for exactly one of any number of concurrent callers.
   */
  async approve(link: Pick<BatchLink, 'id' | 'batchId' | 'position'>): Promise<boolean> {
    const approved = await this.tx.run(async (em) => {
      const res = await em
        .createQueryBuilder()
        .update(BatchLink)
        .set({ status: 'pending', approvedAt: () => 'CURRENT_TIMESTAMP' })
        .where(
          `id = :id AND status = :s AND "variationsCreated" = :no AND EXISTS ` +
            `(SELECT 1 FROM batches b WHERE b.id = batch_links."batchId" AND b.status = 'processing')`,
          { id: link.id, s: 'awaiting_review', no: false },
        )
        .execute();
      if (!res.affected) return false;
      await this.events.add({ batchId: link.batchId, event: `link ${link.position} approved`, linkId: link.id }, em);
      return true;
    });
    if (approved) this.logger.log(`batch ${link.batchId} link ${link.id}: plan approved`);
    return approved;
  }

  /**
   * Retry-failed in one transaction: failed variations and the links that failed before their variations
   * existed go back to pending, links with reopened variations back to processing, the batch to processing.
   * Null when nothing had failed.
   */
  async reopenFailed(batchId: string): Promise<{ links: number; variations: number } | null> {
    return this.tx.run(async (em) => {
      const v = await em
        .createQueryBuilder()
        .update(BatchVariation)
        .set({ status: 'pending', error: null, errorStep: null, finishedAt: null })
        .where('"batchId" = :batchId AND status = :s AND retryable = :yes', { batchId, s: 'failed', yes: true })
        .execute();
      // Links that failed before their variations existed start over (fetch is cached, the plan is kept).
      const l = await em
        .createQueryBuilder()
        .update(BatchLink)
        .set({ status: 'pending', error: null, errorStep: null, finishedAt: null })
        .where('"batchId" = :batchId AND status = :s AND "variationsCreated" = :no AND retryable = :yes', {
          batchId,
          s: 'failed',
          no: false,
          yes: true,
        })
        .execute();
      if (!v.affected && !l.affected) return null;
      // Links whose variations were reset are open again.
      await reopenLinksWithPending(em, batchId, ['failed', 'completed']);
      await em
        .createQueryBuilder()
        .update(Batch)
        .set({ status: 'processing', finishedAt: null })
        .where('id = :batchId', { batchId })
        .execute();
      return { links: l.affected ?? 0, variations: v.affected ?? 0 };
    });
  }

  /**
   * Resume of a cancelled batch in one transaction: cancelled variations and the cancelled links that had
   * none yet go back to pending, links with reopened variations back to processing; what completed stays.
   * The batch goes back to processing, or to queued when it was cancelled before it started (its
   * process-batch job must run again). Null when the batch is not cancelled or nothing was cancelled; two
   * resumes at once reopen the rows once (the batch UPDATE is conditional).
   */
  async reopenCancelled(batchId: string): Promise<{ links: number; variations: number; restart: boolean } | null> {
    return this.tx
      .run(async (em) => {
        const batch = await em
          .getRepository(Batch)
          .findOne({ where: { id: batchId }, select: ['id', 'status', 'startedAt'] });
        const restart = !batch?.startedAt;
        const b = await em
          .createQueryBuilder()
          .update(Batch)
          .set({ status: restart ? 'queued' : 'processing', finishedAt: null })
          .where('id = :batchId AND status = :s', { batchId, s: 'cancelled' })
          .execute();
        if (!b.affected) return null;
        const v = await em
          .createQueryBuilder()
          .update(BatchVariation)
          .set({ status: 'pending', finishedAt: null })
          .where('"batchId" = :batchId AND status = :s', { batchId, s: 'cancelled' })
          .execute();
        const l = await em
          .createQueryBuilder()
          .update(BatchLink)
          .set({ status: 'pending', finishedAt: null })
          .where('"batchId" = :batchId AND status = :s AND "variationsCreated" = :no', {
            batchId,
            s: 'cancelled',
            no: false,
          })
          .execute();
        if (!v.affected && !l.affected) throw new NothingToReopen();
        await reopenLinksWithPending(em, batchId, ['failed', 'cancelled']);
        return { links: l.affected ?? 0, variations: v.affected ?? 0, restart };
      })
      .catch((e) => {
        if (e instanceof NothingToReopen) return null;
        throw e;
      });
  }

  /**
   * A planned link gets its P×T variation rows and its output folder in one transaction; the unique
   * (link, p, t) index makes a re-run harmless.
   */
  async createVariations(
    link: Pick<BatchLink, 'id' | 'batchId'>,
    counts: { photoVariations: number; textVariations: number },
    output: { outputFolderId: string; outputUrl: string },
  ): Promise<void> {
    await this.tx.run(async (em) => {
      const existing = await em.getRepository(BatchVariation).count({ where: { linkId: link.id } });
      if (existing === 0) {
        const rows: Partial<BatchVariation>[] = [];
        for (let p = 1; p <= counts.photoVariations; p++) {
          for (let t = 1; t <= counts.textVariations; t++) {
            rows.push({ batchId: link.batchId, linkId: link.id, photoIndex: p, textIndex: t, status: 'pending' });
          }
        }
        await em.getRepository(BatchVariation).insert(rows);
      }
      await em.getRepository(BatchLink).update({ id: link.id }, { variationsCreated: true, ...output });
    });
  }

  /** Claims a link for this worker: pending → processing (a re-delivered job may claim its own again). */
  async claimLink(linkId: string): Promise<boolean> {
    return this.claim(BatchLink, linkId);
  }

  /** `startedAt` is when the variation took its rate-limit slot (ms precision, unlike SQLite's CURRENT_TIMESTAMP). */
  async claimVariation(variationId: string, startedAt: Date): Promise<boolean> {
    return this.claim(BatchVariation, variationId, startedAt);
  }

  private async claim(
    entity: typeof BatchLink | typeof BatchVariation,
    id: string,
    startedAt?: Date,
  ): Promise<boolean> {
    const set = startedAt ? { status: 'processing' as const, startedAt } : { status: 'processing' as const };
    const res = await this.ds
      .createQueryBuilder()
      .update(entity)
      .set(set)
      .where('id = :id AND status IN (:...open)', { id, open: ['pending', 'processing'] })
      .execute();
    return !!res.affected;
  }

  /** A processing row goes back to pending (worker shutting down): another worker picks it up. */
  async release(entity: typeof BatchLink | typeof BatchVariation, id: string): Promise<void> {
    await this.ds
      .createQueryBuilder()
      .update(entity)
      .set({ status: 'pending' })
      .where('id = :id AND status = :s', { id, s: 'processing' })
      .execute();
  }

  /** Ends a link before it has variations (fetch or analysis failed, or cancelled). */
  async endLink(
    link: Pick<BatchLink, 'id' | 'batchId' | 'position'>,
    outcome: FailedOutcome | { status: 'cancelled' },
  ): Promise<void> {
    const failed = outcome.status === 'failed';
    const text = failed
      ? `link ${link.position} failed (${outcome.step}): ${outcome.error}`
      : `link ${link.position} cancelled`;
    const ended = await this.tx.run(async (em) => {
      const res = await em
        .createQueryBuilder()
        .update(BatchLink)
        .set({
          status: outcome.status,
          errorStep: failed ? outcome.step : null,
          error: failed ? outcome.error : null,
          retryable: failed ? (outcome.retryable ?? true) : true,
          finishedAt: () => 'CURRENT_TIMESTAMP',
        })
        .where('id = :id AND status IN (:...open)', { id: link.id, open: LINK_OPEN })
        .execute();
      if (!res.affected) return false;
      await this.logEvent(em, 'link-ended', { batchId: link.batchId, event: text, linkId: link.id });
      return true;
    });
    if (!ended) return;
    this.logger.log(`batch ${link.batchId} link ${link.id}: ${text}`);
    await this.settleBatch(link.batchId);
  }

  /** Ends a variation once; then the link and the batch, if this was their last open work. */
  async endVariation(
    v: Pick<BatchVariation, 'id' | 'batchId' | 'linkId' | 'photoIndex' | 'textIndex'>,
    outcome: VariationOutcome,
  ): Promise<boolean> {
    const set =
      outcome.status === 'completed'
        ? {
            status: outcome.status,
            files: outcome.files,
            outputFolderId: outcome.outputFolderId,
            outputUrl: outcome.outputUrl,
            videoError: outcome.videoError ?? null,
            warnings: outcome.warnings?.length ? outcome.warnings : null,
            error: null,
            errorStep: null,
          }
        : outcome.status === 'failed'
          ? {
              status: outcome.status,
              errorStep: outcome.step,
              error: outcome.error,
              retryable: outcome.retryable ?? true,
            }
          : { status: outcome.status };
    const text = await this.tx.run(async (em) => {
      const res = await em
        .createQueryBuilder()
        .update(BatchVariation)
        .set({ ...set, finishedAt: () => 'CURRENT_TIMESTAMP' })
        .where('id = :id AND status IN (:...open)', { id: v.id, open: ['pending', 'processing'] })
        .execute();
      if (!res.affected) return null;
      const position = await this.rows.links.position(v.linkId, em);
      const label = `link ${position ?? '?'} variation v${v.photoIndex}-${v.textIndex}`;
      const entry =
        outcome.status === 'failed'
          ? `${label} failed (${outcome.step}): ${outcome.error}`
          : `${label} ${outcome.status}`;
      await this.logEvent(em, 'variation-ended', {
        batchId: v.batchId,
        event: entry,
        linkId: v.linkId,
        variationId: v.id,
      });
      return entry;
    });
    if (text === null) return false;
    this.logger.log(`batch ${v.batchId} link ${v.linkId} variation ${v.id}: ${text}`);
    await this.settleLink(v.linkId, v.batchId);
    return true;
  }

  /** Ends a link whose variations have all ended: completed, failed (any failed) or cancelled. */
  async settleLink(linkId: string, batchId: string): Promise<void> {
    const open = `SELECT 1 FROM batch_variations v WHERE v."linkId" = :linkId AND v.status IN ('pending', 'processing')`;
    const has = (status: string) =>
      `EXISTS (SELECT 1 FROM batch_variations v WHERE v."linkId" = :linkId AND v.status = '${status}')`;
    const status = await this.tx.run(async (em) => {
      const res = await em
        .createQueryBuilder()
        .update(BatchLink)
        .set({
          status: () =>
            `CASE WHEN ${has('failed')} THEN 'failed' WHEN ${has('cancelled')} THEN 'cancelled' ELSE 'completed' END`,
          errorStep: () => `CASE WHEN ${has('failed')} THEN 'generation' ELSE NULL END`,
          error: () => `CASE WHEN ${has('failed')} THEN 'some variations failed' ELSE NULL END`,
          finishedAt: () => 'CURRENT_TIMESTAMP',
        })
        .where(`id = :linkId AND status = 'processing' AND "variationsCreated" = :yes AND NOT EXISTS (${open})`, {
          linkId,
          yes: true,
        })
        .execute();
      if (!res.affected) return null;
      const link = await em
        .getRepository(BatchLink)
        .findOneOrFail({ where: { id: linkId }, select: ['id', 'status', 'position'] });
      if (link.status === 'failed') await this.describeLinkFailure(em, linkId);
      await this.logEvent(em, 'link-ended', { batchId, event: `link ${link.position} ${link.status}`, linkId });
      return link.status;
    });
    if (status === null) return;
    this.logger.log(`batch ${batchId} link ${linkId}: ended ${status}`);
    await this.settleBatch(batchId);
  }

  /** The activity entry of a transition, inside its transaction (the crash specs' hook sits right before it). */
  private async logEvent(
    em: EntityManager,
    point: CrashPoint,
    entry: { batchId: string; event: string; linkId?: string; variationId?: string },
  ): Promise<void> {
    this.crash.reached(point);
    await this.events.add(entry, em);
  }

  private async describeLinkFailure(em: EntityManager, linkId: string): Promise<void> {
    const counts = await this.rows.variations.countByStatusOfLink(linkId, em);
    const total = Object.values(counts).reduce((a, n) => a + n, 0);
    const first = await this.rows.variations.firstFailedOfLink(linkId, em);
    await em.getRepository(BatchLink).update(
      { id: linkId },
      {
        error: `${counts.failed ?? 0} of ${total} variations failed${first?.error ? `; first: ${first.error}` : ''}`,
        errorStep: first?.errorStep ?? 'generation',
      },
    );
  }

  /** Ends the batch when no link is open; exactly one caller wins. Returns the final status if it did. */
  async settleBatch(batchId: string): Promise<string | null> {
    const notDone = `EXISTS (SELECT 1 FROM batch_links l WHERE l."batchId" = :batchId AND l.status <> 'completed')`;
    const anyOk = `EXISTS (SELECT 1 FROM batch_variations v WHERE v."batchId" = :batchId AND v.status = 'completed')`;
    const open = `SELECT 1 FROM batch_links l WHERE l."batchId" = :batchId AND l.status IN ('pending', 'processing', 'awaiting_review')`;
    // A batch's final status describes its rows: cancelled while any row stays cancelled (not resumed), even
    // after a retry of its failed rows; a cancel that came when nothing was left to stop changes nothing.
    const anyCancelled =
      `(EXISTS (SELECT 1 FROM batch_links l WHERE l."batchId" = :batchId AND l.status = 'cancelled') OR ` +
      `EXISTS (SELECT 1 FROM batch_variations v WHERE v."batchId" = :batchId AND v.status = 'cancelled'))`;
    const status = await this.tx.run(async (em) => {
      const res = await em
        .createQueryBuilder()
        .update(Batch)
        .set({
          status: () =>
            `CASE WHEN ${anyCancelled} THEN 'cancelled' WHEN NOT ${notDone} THEN 'completed' WHEN NOT ${anyOk} THEN 'failed' ELSE 'completed_with_errors' END`,
          finishedAt: () => 'CURRENT_TIMESTAMP',
        })
        .where(`id = :batchId AND status IN ('processing', 'cancelling') AND NOT EXISTS (${open})`, { batchId })
        .execute();
      if (!res.affected) return null;
      const batch = await em.getRepository(Batch).findOneOrFail({ where: { id: batchId }, select: ['id', 'status'] });
      await this.logEvent(em, 'batch-ended', { batchId, event: `batch ${batch.status}` });
      return batch.status;
    });
    if (status === null) return null;
    this.logger.log(`batch ${batchId}: ended ${status}`);
    return status;
  }
}

/** Rolls back a resume that found nothing cancelled. */
class NothingToReopen extends Error {}

/** Links of the batch in one of `from` that have a pending variation again go back to processing. */
async function reopenLinksWithPending(em: EntityManager, batchId: string, from: LinkStatus[]): Promise<void> {
  await em
    .createQueryBuilder()
    .update(BatchLink)
    .set({ status: 'processing', error: null, errorStep: null, finishedAt: null })
    .where(
      `"batchId" = :batchId AND status IN (:...from) AND EXISTS ` +
        `(SELECT 1 FROM batch_variations v WHERE v."linkId" = batch_links.id AND v.status = 'pending')`,
      { batchId, from },
    )
    .execute();
}
