import { randomUUID } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { BadRequestException, Injectable, Logger, ServiceUnavailableException } from '@nestjs/common';
import { In } from 'typeorm';
import { withTimeout } from '../common/with-timeout';
import { AppConfig } from '../config/config.schema';
import { InjectConfig } from '../config/config.module';
import { TransactionRunner } from '../database/transaction-runner';
import { intakeLinks, IntakeResult, LinkError, MAX_LINKS_PER_BATCH, parseTikTokUrl } from '../links/link-intake';
import { BatchEvent } from '../pipeline/entities/batch-event.entity';
import { Batch } from '../pipeline/entities/batch.entity';
import { BatchLink } from '../pipeline/entities/link.entity';
import { BatchesRepository } from '../pipeline/repositories';
import { Product } from '../products/product.entity';
import { PreparedProduct, ProductsService } from '../products/products.service';
import { cachedSourceState } from '../links/tiktok/slideshow-store';
import { MachineSpeed } from '../generation/machine-speed';
import { estimateBatch, LinkSource } from './batch-estimate';
import { BatchesQueue } from './batches.queue';
import { BatchCreatedDto } from './dto/batch-responses.dto';
import { CreateBatchDto } from './dto/create-batch.dto';

const ENQUEUE_TIMEOUT_MS = 5000;

/** Products uploaded with a curl-style multipart batch: one for all links, or one per link position. */
export interface InlineProducts {
  all?: PreparedProduct;
  byIndex: Map<number, PreparedProduct>;
}

/**
 * Checking and starting batches. Steering them once started (cancel, retry, delete) is BatchControlService's
 * job; reading them is BatchQueryService's.
 */
@Injectable()
export class BatchesService {
  private readonly logger = new Logger(BatchesService.name);

  constructor(
    @InjectConfig() private readonly config: AppConfig,
    private readonly products: ProductsService,
    private readonly batches: BatchesRepository,
    private readonly batchesQueue: BatchesQueue,
    private readonly tx: TransactionRunner,
    private readonly speed: MachineSpeed,
  ) {}

  async validate(links: string | string[], p = 1, t = 1, video = false) {
    const result = intakeLinks(links);
    const sources = await this.cachedSources(result.valid);
    return {
      validCount: result.valid.length,
      invalidCount: result.invalid.length,
      valid: result.valid.map((l) => ({ url: l.url, postId: l.postId, kind: l.kind, line: l.line })),
      invalid: result.invalid,
      estimate: estimateBatch(this.config, { links: result.valid.length, p, t, video, sources }, this.speed.factor()),
    };
  }

  /** Per link, what the slideshow cache already knows (slide count, slides read): a previewed link is exact. */
  private cachedSources(valid: IntakeResult['valid']): Promise<(LinkSource | null)[]> {
    return Promise.all(
      valid.map(async (l) => {
        const state = l.postId ? await cachedSourceState(this.config.dataDir, l.postId) : null;
        return state && { sourceSlides: state.slides, slidesRead: state.read };
      }),
    );
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
    const over = intake.invalid.filter((l) => l.code === 'over_limit').length;
    if (over) {
      // Starting the first 100 would quietly drop the rest: nothing starts, and the answer says what to cut.
      throw new BadRequestException({
        message: `links: ${intake.valid.length + over} links, but a batch takes at most ${MAX_LINKS_PER_BATCH}; remove ${over} and start again (nothing was started)`,
        invalid: intake.invalid,
      });
    }
    const productFor = await this.assignProducts(dto, intake, inline);
    const P = dto.photoVariations;
    const T = dto.textVariations;
    // Read before the batch is queued: its workers soon fill the cache the estimate looks at.
    const sources = await this.cachedSources(intake.valid);

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
        speed: dto.speed ?? 'fast',
        // Reviewing costs nothing and saves paid images: on by default when images are paid for.
        review: dto.review ?? this.config.generator === 'gemini',
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
      const inlineProducts = await this.products.findMany(inlineIds);
      await this.tx.run(async (em) => {
        await this.batches.deleteWithRows(batch.id, em);
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
      review: batch.review,
      totals: { links: batch.linksTotal, variationsPerLink: P * T, variations: batch.variationsTotal },
      invalid: intake.invalid,
      estimate: estimateBatch(
        this.config,
        { links: batch.linksTotal, p: P, t: T, video: batch.video, sources },
        this.speed.factor(),
      ),
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
}
