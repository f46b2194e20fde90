import { randomUUID } from 'node:crypto';
import { rm } from 'node:fs/promises';
import {
  BadRequestException,
  ConflictException,
  Inject,
  Injectable,
  Logger,
  NotFoundException,
  ServiceUnavailableException,
} from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, In } from 'typeorm';
import { BATCH_FINAL } from '../common/statuses';
import { withTimeout } from '../common/with-timeout';
import { AppConfig } from '../config/config.schema';
import { InjectConfig } from '../config/config.module';
import { TransactionRunner } from '../database/transaction-runner';
import { LocalStorage } from '../drive/local-storage';
import { STORAGE, Storage } from '../drive/storage.interface';
import { SlideImageStore } from '../generation/slide-image-store';
import { BatchVariation } from '../generation/variation.entity';
import { VariationsQueue } from '../generation/variations.queue';
import { intakeLinks, IntakeResult, LinkError, parseTikTokUrl } from '../links/link-intake';
import { BatchLink } from '../links/link.entity';
import { LinksQueue } from '../links/links.queue';
import { Product } from '../products/product.entity';
import { PreparedProduct, ProductsService } from '../products/products.service';
import { Batch } from './batch.entity';
import { BatchEvent } from './batch-event.entity';
import { estimateBatch } from './batch-estimate';
import { BatchProgressService } from './batch-progress.service';
import { BatchesQueue } from './batches.queue';
import { BatchCreatedDto } from './dto/batch-responses.dto';
import { CreateBatchDto } from './dto/create-batch.dto';

const ENQUEUE_TIMEOUT_MS = 5000;

/** Products uploaded with a curl-style multipart batch: one for all links, or one per link position. */
export interface InlineProducts {
  all?: PreparedProduct;
  byIndex: Map<number, PreparedProduct>;
}

/** Creating, cancelling, retrying and deleting batches. Reading them is BatchQueryService's job. */
@Injectable()
export class BatchesService {
  private readonly logger = new Logger(BatchesService.name);

  constructor(
    @InjectDataSource() private readonly ds: DataSource,
    @InjectConfig() private readonly config: AppConfig,
    @Inject(STORAGE) private readonly storage: Storage,
    private readonly products: ProductsService,
    private readonly progress: BatchProgressService,
    private readonly batchesQueue: BatchesQueue,
    private readonly linksQueue: LinksQueue,
    private readonly variationsQueue: VariationsQueue,
    private readonly images: SlideImageStore,
    private readonly tx: TransactionRunner,
  ) {}

  validate(links: string | string[], p = 1, t = 1) {
    const result = intakeLinks(links);
    return {
      validCount: result.valid.length,
      invalidCount: result.invalid.length,
      valid: result.valid.map((l) => ({ url: l.url, postId: l.postId, kind: l.kind })),
      invalid: result.invalid,
      estimate: estimateBatch(this.config, { links: result.valid.length, p, t }),
    };
  }

  /**
   * Everything is checked before anything is written; then the batch, its links (and inline products)
   * are written in one transaction, and only then is process-batch queued. If Redis refuses the job the
   * rows are removed again: a batch is never left half-made.
   */
  async create(dto: CreateBatchDto, inline?: InlineProducts): Promise<BatchCreatedDto> {
    const intake = intakeLinks(dto.links);
    if (intake.valid.length === 0) {
      throw new BadRequestException({
        message: intake.invalid.length
          ? 'no valid TikTok links: see "invalid" for each line\'s reason'
          : 'links is empty: paste 1 to 100 TikTok links',
        invalid: intake.invalid,
      });
    }
    const productFor = await this.assignProducts(dto, intake, inline);
    const P = dto.photoVariations;
    const T = dto.textVariations;

    let inlineIds: string[] = [];
    const batch = await this.tx.run(async (em) => {
      const saved = new Map<PreparedProduct, string>();
      inlineIds = [];
      const productId = async (i: number): Promise<string> => {
        const p = productFor[i];
        if (typeof p === 'string') return p;
        if (!saved.has(p)) {
          saved.set(p, (await this.products.save(p, em)).id);
          inlineIds.push(saved.get(p)!);
        }
        return saved.get(p)!;
      };
      const id = randomUUID();
      await em.getRepository(Batch).insert({
        id,
        name: dto.name?.trim() || null,
        status: 'queued',
        photoVariations: P,
        textVariations: T,
        video: dto.video ?? false,
        linksTotal: intake.valid.length,
        variationsTotal: intake.valid.length * P * T,
        generator: this.config.generator,
        storage: this.config.storage,
      });
      const b = await em.getRepository(Batch).findOneByOrFail({ id });
      const rows: Partial<BatchLink>[] = [];
      for (let i = 0; i < intake.valid.length; i++) {
        rows.push({
          batchId: b.id,
          position: i + 1,
          url: intake.valid[i].url,
          postId: intake.valid[i].postId,
          productId: await productId(i),
          status: 'pending',
          variationsTotal: P * T,
        });
      }
      await em.getRepository(BatchLink).insert(rows);
      await em
        .getRepository(BatchEvent)
        .insert({ batchId: b.id, event: `batch created: ${rows.length} links × ${P}×${T} variations` });
      return b;
    });

    try {
      // Bull's client queues commands while Redis is down and gives up only after ~20 reconnects (minutes):
      // bound the wait so the caller gets a 503 now. A late add finds no batch and does nothing.
      await withTimeout(
        this.batchesQueue.add(batch.id),
        ENQUEUE_TIMEOUT_MS,
        `no answer from Redis within ${ENQUEUE_TIMEOUT_MS} ms`,
      );
    } catch (e) {
      const inlineProducts = inlineIds.length ? await this.ds.getRepository(Product).findBy({ id: In(inlineIds) }) : [];
      await this.tx.run(async (em) => {
        await em.getRepository(BatchEvent).delete({ batchId: batch.id });
        await em.getRepository(BatchLink).delete({ batchId: batch.id });
        await em.getRepository(Batch).delete({ id: batch.id });
        if (inlineIds.length) await em.getRepository(Product).delete({ id: In(inlineIds) });
      });
      for (const p of inlineProducts) await rm(this.products.photoPath(p), { force: true });
      this.logger.error(`batch ${batch.id}: could not queue (${(e as Error).message}); rows removed`);
      throw new ServiceUnavailableException(
        'the job queue (Redis) is not reachable; nothing was saved, try again shortly',
      );
    }
    this.logger.log(`batch ${batch.id}: created with ${batch.linksTotal} links, ${P}×${T} variations each`);
    return {
      id: batch.id,
      status: batch.status,
      totals: { links: batch.linksTotal, variationsPerLink: P * T, variations: batch.variationsTotal },
      invalid: intake.invalid,
      estimate: estimateBatch(this.config, { links: batch.linksTotal, p: P, t: T }),
    };
  }

  /** Resolves which product each accepted link uses; every gap is a 400 naming the link. */
  private async assignProducts(
    dto: CreateBatchDto,
    intake: IntakeResult,
    inline?: InlineProducts,
  ): Promise<(string | PreparedProduct)[]> {
    const keyOf = (url: string) => {
      const p = parseTikTokUrl(url);
      return p.postId ?? p.shortCode!;
    };
    const perLink = new Map<string, string>();
    for (const entry of dto.products ?? []) {
      try {
        perLink.set(keyOf(entry.link), entry.productId);
      } catch (e) {
        throw new BadRequestException(
          `products: "${entry.link}" is not a valid TikTok link (${e instanceof LinkError ? e.message : 'invalid'})`,
        );
      }
    }
    const missing = await this.products.missing([
      ...new Set([...perLink.values(), ...(dto.productId ? [dto.productId] : [])]),
    ]);
    if (missing.length)
      throw new BadRequestException(
        `unknown product id(s): ${missing.join(', ')}; upload the photo with POST /api/products first`,
      );
    const assigned = intake.valid.map(
      (link, i) =>
        perLink.get(link.postId ?? link.shortCode!) ?? inline?.byIndex.get(i + 1) ?? inline?.all ?? dto.productId,
    );
    const without = intake.valid.filter((_, i) => !assigned[i]).map((l) => l.url);
    if (without.length) {
      throw new BadRequestException(
        `${without.length} link(s) have no product: give productId (one product for all), products[] per link, or upload photo/description: ${without.slice(0, 5).join(', ')}`,
      );
    }
    return assigned as (string | PreparedProduct)[];
  }

  async get(id: string): Promise<Batch> {
    const batch = await this.ds.getRepository(Batch).findOne({ where: { id } });
    if (!batch) throw new NotFoundException(`batch ${id} not found`);
    return batch;
  }

  /**
   * Queued jobs are removed; running ones stop at their next step boundary (before the next paid call
   * and before any upload). The batch stays `cancelling` until nothing runs, then becomes `cancelled`.
   */
  async cancel(id: string): Promise<{ id: string; status: string }> {
    const batch = await this.get(id);
    if (BATCH_FINAL.includes(batch.status))
      throw new ConflictException(`batch ${id} has already ended (${batch.status}); there is nothing to cancel`);
    // A queued batch (process-batch not run yet) ends at once below: it has nothing running.
    await this.ds
      .createQueryBuilder()
      .update(Batch)
      .set({ status: 'cancelling' })
      .where('id = :id AND status IN (:...s)', { id, s: ['queued', 'processing'] })
      .execute();
    if (batch.status !== 'cancelling') await this.progress.event(id, 'cancel requested');
    await this.batchesQueue.remove(id);
    const pendingLinks = await this.ds
      .getRepository(BatchLink)
      .find({ where: { batchId: id, status: 'pending' }, select: ['id'] });
    await this.linksQueue.remove(pendingLinks.map((l) => l.id));
    const pendingVariations = await this.ds
      .getRepository(BatchVariation)
      .find({ where: { batchId: id, status: 'pending' }, select: ['id'] });
    await this.variationsQueue.remove(pendingVariations.map((v) => v.id));
    await this.ds
      .createQueryBuilder()
      .update(BatchVariation)
      .set({ status: 'cancelled', finishedAt: () => 'CURRENT_TIMESTAMP' })
      .where('"batchId" = :id AND status = :s', { id, s: 'pending' })
      .execute();
    await this.ds
      .createQueryBuilder()
      .update(BatchLink)
      .set({ status: 'cancelled', finishedAt: () => 'CURRENT_TIMESTAMP' })
      .where('"batchId" = :id AND status = :s', { id, s: 'pending' })
      .execute();
    const processing = await this.ds
      .getRepository(BatchLink)
      .find({ where: { batchId: id, status: 'processing', variationsCreated: true }, select: ['id'] });
    for (const link of processing) await this.progress.settleLink(link.id, id);
    await this.progress.settleBatch(id);
    this.logger.log(`batch ${id}: cancel requested`);
    return { id, status: (await this.get(id)).status };
  }

  /**
   * Failed links and variations go back to pending, the batch back to processing; what succeeded (fetched
   * slides, stored plans, made images, finished variations) is reused, not redone.
   */
  async retryFailed(id: string): Promise<{ id: string; status: string; links: number; variations: number }> {
    const batch = await this.get(id);
    if (batch.status === 'cancelling' || batch.status === 'queued')
      throw new ConflictException(`batch ${id} is ${batch.status}; retry once it has ended or started`);
    const { links, variations } = await this.tx.run(async (em) => {
      const v = await em
        .createQueryBuilder()
        .update(BatchVariation)
        .set({ status: 'pending', error: null, errorStep: null, finishedAt: null })
        .where('"batchId" = :id AND status = :s', { id, s: 'failed' })
        .execute();
      // Links that failed before their variations existed start over (fetch is cached, the plan is kept).
      const l = await em
        .createQueryBuilder()
        .update(BatchLink)
        .set({ status: 'pending', error: null, errorStep: null, finishedAt: null })
        .where('"batchId" = :id AND status = :s AND "variationsCreated" = :no', { id, s: 'failed', no: false })
        .execute();
      // Links whose variations were reset are open again.
      await em
        .createQueryBuilder()
        .update(BatchLink)
        .set({ status: 'processing', error: null, errorStep: null, finishedAt: null })
        .where(
          `"batchId" = :id AND status IN ('failed', 'completed') AND EXISTS (SELECT 1 FROM batch_variations v WHERE v."linkId" = batch_links.id AND v.status = 'pending')`,
          { id },
        )
        .execute();
      if (!v.affected && !l.affected) throw new ConflictException(`batch ${id} has nothing that failed to retry`);
      await em
        .createQueryBuilder()
        .update(Batch)
        .set({ status: 'processing', finishedAt: null })
        .where('id = :id', { id })
        .execute();
      return { links: l.affected ?? 0, variations: v.affected ?? 0 };
    });
    await this.progress.event(id, `retry: ${links} links and ${variations} variations queued again`);
    const pendingLinks = await this.ds
      .getRepository(BatchLink)
      .find({ where: { batchId: id, status: 'pending' }, select: ['id'], order: { position: 'ASC' } });
    await this.linksQueue.add(
      id,
      pendingLinks.map((l) => l.id),
    );
    const pendingVariations = await this.ds
      .getRepository(BatchVariation)
      .find({ where: { batchId: id, status: 'pending' }, select: ['id', 'linkId'] });
    await this.variationsQueue.add(
      pendingVariations.map((v) => ({ batchId: id, linkId: v.linkId, variationId: v.id })),
    );
    this.logger.log(`batch ${id}: retry of ${links} links and ${variations} variations`);
    return { id, status: 'processing', links, variations };
  }

  /** Deletes an ended batch: rows, its local output and its working images. */
  async remove(id: string): Promise<void> {
    const batch = await this.get(id);
    if (!BATCH_FINAL.includes(batch.status))
      throw new ConflictException(`batch ${id} is ${batch.status}; cancel it before deleting`);
    const links = await this.ds.getRepository(BatchLink).find({ where: { batchId: id }, select: ['id'] });
    await this.tx.run(async (em) => {
      await em.getRepository(BatchEvent).delete({ batchId: id });
      if (links.length) await em.getRepository(BatchVariation).delete({ linkId: In(links.map((l) => l.id)) });
      await em.getRepository(BatchLink).delete({ batchId: id });
      await em.getRepository(Batch).delete({ id });
    });
    for (const link of links) await this.images.removeLink(link.id);
    if (this.storage instanceof LocalStorage && batch.outputFolderId) await this.storage.remove(batch.outputFolderId);
    this.logger.log(`batch ${id}: deleted`);
  }
}
