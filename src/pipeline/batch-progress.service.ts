import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { CancelledError, FailureStep } from '../common/errors';
import { WorkerLifecycle } from '../common/worker-lifecycle';
import { TransactionRunner } from '../database/transaction-runner';
import { BatchVariation, VariationFile } from './entities/variation.entity';
import { BatchLink } from './entities/link.entity';
import { Batch } from './entities/batch.entity';
import { EventsRepository, PipelineRows } from './repositories';

export type VariationOutcome =
  | {
      status: 'completed';
      files: VariationFile[];
      outputFolderId: string;
      outputUrl: string;
      videoError?: string | null;
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
    const res = await this.ds
      .createQueryBuilder()
      .update(Batch)
      .set({ status: 'cancelling' })
      .where('id = :batchId AND status IN (:...open)', { batchId, open: ['queued', 'processing'] })
      .execute();
    if (!res.affected) return false;
    await this.event(batchId, 'cancel requested');
    return true;
  }

  /** Pending variations and links of a cancelling batch end `cancelled` (nothing of theirs runs). */
  async cancelPending(batchId: string): Promise<void> {
    for (const entity of [BatchVariation, BatchLink]) {
      await this.ds
        .createQueryBuilder()
        .update(entity)
        .set({ status: 'cancelled', finishedAt: () => 'CURRENT_TIMESTAMP' })
        .where('"batchId" = :batchId AND status = :s', { batchId, s: 'pending' })
        .execute();
    }
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
      await em
        .createQueryBuilder()
        .update(BatchLink)
        .set({ status: 'processing', error: null, errorStep: null, finishedAt: null })
        .where(
          `"batchId" = :batchId AND status IN ('failed', 'completed') AND EXISTS ` +
            `(SELECT 1 FROM batch_variations v WHERE v."linkId" = batch_links.id AND v.status = 'pending')`,
          { batchId },
        )
        .execute();
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
        await em
          .createQueryBuilder()
          .update(BatchLink)
          .set({ status: 'processing', error: null, errorStep: null, finishedAt: null })
          .where(
            `"batchId" = :batchId AND status IN ('failed', 'cancelled') AND EXISTS ` +
              `(SELECT 1 FROM batch_variations v WHERE v."linkId" = batch_links.id AND v.status = 'pending')`,
            { batchId },
          )
          .execute();
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
    const res = await this.ds
      .createQueryBuilder()
      .update(BatchLink)
      .set({
        status: outcome.status,
        errorStep: failed ? outcome.step : null,
        error: failed ? outcome.error : null,
        retryable: failed ? (outcome.retryable ?? true) : true,
        finishedAt: () => 'CURRENT_TIMESTAMP',
      })
      .where('id = :id AND status IN (:...open)', { id: link.id, open: ['pending', 'processing'] })
      .execute();
    if (!res.affected) return;
    const text = failed
      ? `link ${link.position} failed (${outcome.step}): ${outcome.error}`
      : `link ${link.position} cancelled`;
    this.logger.log(`batch ${link.batchId} link ${link.id}: ${text}`);
    await this.event(link.batchId, text, link.id);
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
    const res = await this.ds
      .createQueryBuilder()
      .update(BatchVariation)
      .set({ ...set, finishedAt: () => 'CURRENT_TIMESTAMP' })
      .where('id = :id AND status IN (:...open)', { id: v.id, open: ['pending', 'processing'] })
      .execute();
    if (!res.affected) return false;
    const position = await this.rows.links.position(v.linkId);
    const label = `link ${position ?? '?'} variation v${v.photoIndex}-${v.textIndex}`;
    const text =
      outcome.status === 'failed'
        ? `${label} failed (${outcome.step}): ${outcome.error}`
        : `${label} ${outcome.status}`;
    this.logger.log(`batch ${v.batchId} link ${v.linkId} variation ${v.id}: ${text}`);
    await this.event(v.batchId, text, v.linkId, v.id);
    await this.settleLink(v.linkId, v.batchId);
    return true;
  }

  /** Ends a link whose variations have all ended: completed, failed (any failed) or cancelled. */
  async settleLink(linkId: string, batchId: string): Promise<void> {
    const open = `SELECT 1 FROM batch_variations v WHERE v."linkId" = :linkId AND v.status IN ('pending', 'processing')`;
    const has = (status: string) =>
      `EXISTS (SELECT 1 FROM batch_variations v WHERE v."linkId" = :linkId AND v.status = '${status}')`;
    const res = await this.ds
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
    if (!res.affected) return;
    const link = await this.ds
      .getRepository(BatchLink)
      .findOneOrFail({ where: { id: linkId }, select: ['id', 'status', 'position'] });
    if (link.status === 'failed') await this.describeLinkFailure(linkId);
    this.logger.log(`batch ${batchId} link ${linkId}: ended ${link.status}`);
    await this.event(batchId, `link ${link.position} ${link.status}`, linkId);
    await this.settleBatch(batchId);
  }

  private async describeLinkFailure(linkId: string): Promise<void> {
    const counts = await this.rows.variations.countByStatusOfLink(linkId);
    const total = Object.values(counts).reduce((a, n) => a + n, 0);
    const first = await this.rows.variations.firstFailedOfLink(linkId);
    await this.rows.links.repo.update(
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
    const open = `SELECT 1 FROM batch_links l WHERE l."batchId" = :batchId AND l.status IN ('pending', 'processing')`;
    // A batch's final status describes its rows: cancelled while any row stays cancelled (not resumed), even
    // after a retry of its failed rows; a cancel that came when nothing was left to stop changes nothing.
    const anyCancelled =
      `(EXISTS (SELECT 1 FROM batch_links l WHERE l."batchId" = :batchId AND l.status = 'cancelled') OR ` +
      `EXISTS (SELECT 1 FROM batch_variations v WHERE v."batchId" = :batchId AND v.status = 'cancelled'))`;
    const res = await this.ds
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
    const batch = await this.ds
      .getRepository(Batch)
      .findOneOrFail({ where: { id: batchId }, select: ['id', 'status'] });
    this.logger.log(`batch ${batchId}: ended ${batch.status}`);
    await this.event(batchId, `batch ${batch.status}`);
    return batch.status;
  }
}

/** Rolls back a resume that found nothing cancelled. */
class NothingToReopen extends Error {}
