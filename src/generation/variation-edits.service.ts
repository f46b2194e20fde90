import {
  BadRequestException,
  ConflictException,
  Inject,
  Injectable,
  Logger,
  NotFoundException,
  ServiceUnavailableException,
  UnprocessableEntityException,
} from '@nestjs/common';
import type Redis from 'ioredis';
import { isPermanent, isTransient } from '../common/errors';
import { withRedisLock } from '../common/redis-lock';
import { REDIS } from '../common/redis.module';
import { AppConfig } from '../config/config.schema';
import { InjectConfig } from '../config/config.module';
import { BatchVariation, VariationEdit } from '../pipeline/entities/variation.entity';
import { captionSchema, MAX_SLIDE_TEXT, PostCaption } from '../pipeline/plan';
import { PipelineRows } from '../pipeline/repositories';
import { estimateCalls } from './estimate';
import { GENERATOR, Generator } from './generator.interface';
import { PlannedLink, SlideMaker } from './slide-maker.service';
import { VariationDelivery } from './variation-delivery.service';
import { captionOf, textsOf } from './variation-manifest';

/** What regenerating one slide costs and which variations it re-renders, shown before the user confirms. */
export interface RegenerationQuote {
  generator: 'local' | 'gemini';
  imageCalls: number;
  cost: number;
  slideIndex: number;
  photoVariant: number;
  variationIds: string[];
}

/**
 * Changes to a finished variation after the user has seen it: new overlay texts or caption (re-rendered
 * from the stored slide images, no paid call) and one slide made again (one paid image call), each
 * re-delivered over the files already in storage. One edit of a link at a time (a Redis lock).
 */
@Injectable()
export class VariationEdits {
  private readonly logger = new Logger(VariationEdits.name);

  constructor(
    @InjectConfig() private readonly config: AppConfig,
    @Inject(GENERATOR) private readonly generator: Generator,
    @Inject(REDIS) private readonly redis: Redis,
    private readonly rows: PipelineRows,
    private readonly slides: SlideMaker,
    private readonly delivery: VariationDelivery,
  ) {}

  /** New texts (one per slide) for a variation, or for every photo variant of its text variant. */
  async editTexts(batchId: string, variationId: string, texts: string[], allPhotoVariants: boolean) {
    const { v, link } = await this.load(batchId, variationId);
    const slides = link.plan.slides.length;
    if (texts.length !== slides) {
      throw new BadRequestException(`texts: expected ${slides} texts (one per slide), got ${texts.length}`);
    }
    texts.forEach((text, i) => {
      if (text.length > MAX_SLIDE_TEXT)
        throw new BadRequestException(
          `texts.${i}: slide ${i + 1}'s text is ${text.length} characters; at most ${MAX_SLIDE_TEXT}`,
        );
    });
    if (this.generator.drawsText) {
      throw new ConflictException(
        'texts: the model draws the texts into the images (GEMINI_TEXT_MODE=model), so they cannot be edited without new images',
      );
    }
    const targets = allPhotoVariants
      ? (await this.rows.variations.ofLink(link.id)).filter((o) => o.textIndex === v.textIndex)
      : [v];
    const at = new Date().toISOString();
    return this.underLock(link.id, targets, async () => {
      for (const target of targets) {
        await this.rerender(link, target, { texts: texts.map((t) => t.trim()) }, (cur) => ({
          at,
          kind: 'texts',
          texts: textsOf(link.plan, cur),
        }));
      }
      return this.rows.variations.byIds(targets.map((t) => t.id));
    });
  }

  /** A new post caption for one variation: `caption.txt` and `manifest.json` are written again. */
  async editCaption(batchId: string, variationId: string, candidate: unknown) {
    const parsed = captionSchema.safeParse(candidate);
    if (!parsed.success) {
      throw new BadRequestException(
        parsed.error.issues.map((i) => `caption.${i.path.join('.') || 'caption'}: ${i.message}`).join('; '),
      );
    }
    const { v, link } = await this.load(batchId, variationId);
    return this.underLock(link.id, [v], async () => {
      await this.rerender(link, v, { caption: parsed.data }, (cur) => ({
        at: new Date().toISOString(),
        kind: 'caption',
        caption: captionOf(link.plan, cur),
      }));
      return (await this.rows.variations.byIds([v.id]))[0];
    });
  }

  /** The price and reach of regenerating slide `slideIndex` (0-based) of photo variant `photoVariant`. */
  async quote(batchId: string, linkId: string, slideIndex: number, photoVariant: number, textVariant?: number) {
    const link = await this.plannedLink(batchId, linkId);
    if (slideIndex < 0 || slideIndex >= link.plan.slides.length) {
      throw new NotFoundException(
        `index: the slideshow has ${link.plan.slides.length} slides (0..${link.plan.slides.length - 1})`,
      );
    }
    if (photoVariant > link.plan.photoVariations) {
      throw new BadRequestException(`photoVariant: the link has ${link.plan.photoVariations} photo variants`);
    }
    if (this.generator.drawsText && !textVariant) {
      throw new BadRequestException('textVariant: required when the model draws the texts (one image per variation)');
    }
    const sharing = (await this.rows.variations.ofLink(link.id)).filter(
      (v) => v.photoIndex === photoVariant && (!this.generator.drawsText || v.textIndex === textVariant),
    );
    const calls = estimateCalls(
      { links: 1, slidesPerLink: 1, p: 1, t: 1, textMode: this.config.gemini.textMode, generator: this.generator.name },
      { pricePerTextCall: 0, pricePerImageCall: this.config.gemini.pricePerImageCall },
    );
    const quote: RegenerationQuote = {
      generator: this.generator.name,
      imageCalls: calls.imageCalls,
      cost: calls.cost,
      slideIndex,
      photoVariant,
      variationIds: sharing.map((v) => v.id),
    };
    return { link, sharing, quote };
  }

  /** Makes the slide again (one paid call with Gemini) and re-renders and re-delivers every variation on it. */
  async regenerate(batchId: string, linkId: string, slideIndex: number, photoVariant: number, textVariant?: number) {
    const { link, sharing, quote } = await this.quote(batchId, linkId, slideIndex, photoVariant, textVariant);
    if (!sharing.length) throw new ConflictException(`photoVariant: no variation of photo variant ${photoVariant} yet`);
    return this.underLock(link.id, sharing, async () => {
      await this.mapProviderErrors(() =>
        this.slides.remake(link, slideIndex, photoVariant, textVariant ?? sharing[0].textIndex),
      );
      this.logger.log(`link ${link.id}: slide ${slideIndex + 1} of photo variant ${photoVariant} made again`);
      const at = new Date().toISOString();
      for (const v of sharing) await this.rerender(link, v, {}, () => ({ at, kind: 'slide', slide: slideIndex }));
      return { ...quote, variations: await this.rows.variations.byIds(sharing.map((v) => v.id)) };
    });
  }

  private async rerender(
    link: PlannedLink & { outputFolderId: string },
    v: BatchVariation,
    change: { texts?: string[]; caption?: PostCaption },
    describe: (before: BatchVariation) => VariationEdit,
  ): Promise<void> {
    // Read again under the lock: an edit that finished while this one waited is part of the history.
    const cur = (await this.rows.variations.find(v.id)) ?? v;
    const edits = [...(cur.edits ?? []), describe(cur)];
    const next: BatchVariation = Object.assign(new BatchVariation(), cur, change, { edits });
    const batch = await this.rows.batches.find(v.batchId);
    const { slides, slideshow } = await this.mapProviderErrors(() =>
      this.slides.make(link, next, async () => undefined, 'fast', { mayPay: false }),
    );
    const done = await this.mapProviderErrors(() =>
      this.delivery.deliver(
        { link, variation: next, video: !!batch?.video, replace: true },
        slides,
        slideshow,
        () => 0,
      ),
    );
    await this.rows.variations.saveEdit(v.id, {
      ...change,
      files: done.files,
      videoError: done.videoError ?? null,
      edits,
    });
    this.logger.log(`variation ${v.id} (batch ${v.batchId}): ${edits[edits.length - 1].kind} edited, re-delivered`);
  }

  private async load(batchId: string, variationId: string) {
    const v = await this.rows.variations.find(variationId);
    if (!v || v.batchId !== batchId) {
      throw new NotFoundException(`variationId: no variation ${variationId} in batch ${batchId}`);
    }
    return { v, link: await this.plannedLink(batchId, v.linkId) };
  }

  private async plannedLink(batchId: string, linkId: string) {
    const link = await this.rows.links.findInBatch(batchId, linkId);
    if (!link) throw new NotFoundException(`linkId: no link ${linkId} in batch ${batchId}`);
    if (!link.plan || !link.slideshow || !link.outputFolderId) {
      throw new ConflictException(`linkId: link ${linkId} has no finished slideshow yet`);
    }
    return link as PlannedLink & { outputFolderId: string };
  }

  /** Only finished variations are edited, one edit of a link at a time. */
  private underLock<T>(linkId: string, targets: BatchVariation[], fn: () => Promise<T>): Promise<T> {
    const open = targets.find((t) => t.status !== 'completed');
    if (open) {
      throw new ConflictException(
        `variation v${open.photoIndex}-${open.textIndex} is ${open.status}: only finished variations can be edited`,
      );
    }
    return withRedisLock(this.redis, `${this.config.queuePrefix}:lock:edit:${linkId}`, fn, { ttlMs: 60_000 });
  }

  private async mapProviderErrors<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (e) {
      if (isTransient(e)) throw new ServiceUnavailableException(`${e.message}; try again shortly`);
      if (isPermanent(e)) throw new UnprocessableEntityException(e.message);
      throw e;
    }
  }
}
