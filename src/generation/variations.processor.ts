import * as fs from 'node:fs';
import * as path from 'node:path';
import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { InjectQueue } from '@nestjs/bull';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Job, Queue } from 'bull';
import sharp from 'sharp';
import { DataSource } from 'typeorm';
import { Batch } from '../pipeline/entities/batch.entity';
import { BatchProgressService } from '../pipeline/batch-progress.service';
import { FailureStep } from '../common/errors';
import { consume, runJob } from '../common/job-runner';
import { RedisRateLimiter } from '../common/rate-limiter';
import { WorkerLifecycle } from '../common/worker-lifecycle';
import { AppConfig } from '../config/config.schema';
import { InjectConfig } from '../config/config.module';
import { slideFileName, variationFolderName } from '../drive/output-tree';
import { STORAGE, Storage } from '../drive/storage.interface';
import { BatchLink } from '../pipeline/entities/link.entity';
import { FetchedSlideshow, SLIDESHOW_SOURCE, SlideshowSource } from '../pipeline/slideshow';
import { ProductsService } from '../products/products.service';
import { GENERATOR, Generator, ProductInput } from './generator.interface';
import { SlideshowPlan } from '../pipeline/plan';
import { outputSize, renderSlide, SLIDE_JPEG } from './render/renderer';
import { SlideImageStore } from './slide-image-store';
import { BatchVariation, VariationFile } from '../pipeline/entities/variation.entity';

import { VideoService } from './video/video.service';
import { GENERATE_VARIATION, GenerateVariationJob, VARIATION_STARTS, VARIATIONS_QUEUE } from '../pipeline/queues';


/**
 * generate-variation: the slide images of photo variant p (made once per (slide, p), shared by every t),
 * text variant t drawn on them, JPEGs (and optionally an MP4) delivered to storage. Checks for cancel
 * before each paid call and before uploading.
 */
@Injectable()
export class VariationsProcessor implements OnApplicationBootstrap {
  private readonly logger = new Logger(VariationsProcessor.name);

  constructor(
    @InjectQueue(VARIATIONS_QUEUE) private readonly queue: Queue<GenerateVariationJob>,
    @InjectDataSource() private readonly ds: DataSource,
    @Inject(GENERATOR) private readonly generator: Generator,
    @Inject(STORAGE) private readonly storage: Storage,
    @Inject(SLIDESHOW_SOURCE) private readonly source: SlideshowSource,
    @InjectConfig() private readonly config: AppConfig,
    private readonly images: SlideImageStore,
    private readonly limiter: RedisRateLimiter,
    private readonly progress: BatchProgressService,
    private readonly lifecycle: WorkerLifecycle,
    private readonly products: ProductsService,
    private readonly video: VideoService,
  ) {}

  onApplicationBootstrap(): void {
    consume(this.queue, GENERATE_VARIATION, { config: this.config, lifecycle: this.lifecycle }, (job) =>
      this.handle(job),
    );
  }

  async handle(job: Job<GenerateVariationJob>): Promise<void> {
    const { batchId, variationId } = job.data;
    const v = await this.ds.getRepository(BatchVariation).findOne({ where: { id: variationId } });
    if (!v || !['pending', 'processing'].includes(v.status)) return;
    let step: FailureStep = 'generation';
    await runJob(
      job,
      this.logger,
      `batch ${batchId} variation ${variationId}`,
      {
        get step() {
          return step;
        },
        fail: async (s, reason) =>
          void (await this.progress.endVariation(v, { status: 'failed', step: s, error: reason })),
        cancel: async () => void (await this.progress.endVariation(v, { status: 'cancelled' })),
        release: () => this.progress.release(BatchVariation, variationId),
      },
      async () => {
        const checkpoint = () => this.progress.checkpoint(batchId);
        await checkpoint();
        const { max, durationMs } = this.config.variationRate;
        await this.limiter.acquire(VARIATION_STARTS, max, durationMs, { onWait: checkpoint });
        if (!(await this.progress.claimVariation(variationId, new Date()))) return;
        await checkpoint();

        const link = await this.ds.getRepository(BatchLink).findOneByOrFail({ id: v.linkId });
        const batch = await this.ds.getRepository(Batch).findOneByOrFail({ id: batchId });
        if (!link.plan || !link.slideshow || !link.outputFolderId) throw new Error('link has no plan or folder yet');
        const slideshow = await this.ensureSlides(link.slideshow);
        const product = await this.products.input(link.productId);

        const slides = await this.makeSlides(link.id, link.plan, v, slideshow, product, checkpoint);

        await checkpoint();
        step = 'upload';
        const folder = await this.storage.ensureFolder(
          link.outputFolderId,
          variationFolderName(v.photoIndex, v.textIndex),
        );
        const files: VariationFile[] = [];
        for (let i = 0; i < slides.length; i++) {
          const ref = await this.storage.putFile(folder.id, slideFileName(i), slides[i], 'image/jpeg');
          files.push({ name: slideFileName(i), url: ref.url });
        }
        if (slideshow.audio) {
          const name = `audio${path.extname(slideshow.audio.path) || '.mp3'}`;
          const ref = await this.storage.putFile(
            folder.id,
            name,
            fs.readFileSync(slideshow.audio.path),
            slideshow.audio.mime,
          );
          files.push({ name, url: ref.url });
        }
        let videoError: string | null = null;
        if (batch.video) {
          const made = await this.video.make(slides, slideshow.audio?.path ?? null, (pct) => job.progress(pct));
          if ('mp4' in made) {
            const ref = await this.storage.putFile(folder.id, 'slideshow.mp4', made.mp4, 'video/mp4');
            files.push({ name: 'slideshow.mp4', url: ref.url });
          } else {
            videoError = made.error;
          }
          if (made.warning) videoError = made.warning;
        }
        await this.progress.endVariation(v, {
          status: 'completed',
          files,
          outputFolderId: folder.id,
          outputUrl: folder.url,
          videoError,
        });
      },
    );
  }

  /**
   * One JPEG per plan slide. The text-free image of (slide, p) comes from the store (made and paid for
   * at most once); the overlay text of variant t is drawn on it here.
   */
  private async makeSlides(
    linkId: string,
    plan: SlideshowPlan,
    v: BatchVariation,
    slideshow: FetchedSlideshow,
    product: ProductInput,
    checkpoint: () => Promise<void>,
  ): Promise<Buffer[]> {
    const size = outputSize(plan.aspect);
    const out: Buffer[] = [];
    for (let i = 0; i < plan.slides.length; i++) {
      const slide = plan.slides[i];
      const textIndex = this.generator.drawsText ? v.textIndex - 1 : undefined;
      const { image } = await this.images.getOrCreate(
        { linkId, slideIndex: i, photoIndex: v.photoIndex, textIndex },
        async () => {
          await checkpoint(); // the last look before a paid call
          return this.generator.makeSlideImage({
            linkId,
            plan,
            slideIndex: i,
            slide,
            photoIndex: v.photoIndex - 1,
            textIndex,
            slideshow,
            product,
            width: size.width,
            height: size.height,
          });
        },
        checkpoint,
      );
      out.push(
        this.generator.drawsText
          ? await sharp(image).resize(size.width, size.height, { fit: 'cover' }).jpeg(SLIDE_JPEG).toBuffer()
          : await renderSlide(image, slide.texts[v.textIndex - 1] ?? '', plan.style, size),
      );
    }
    return out;
  }

  /** Slides are read from the shared DATA_DIR; if they are gone (cache cleared), fetch again. */
  private async ensureSlides(slideshow: FetchedSlideshow): Promise<FetchedSlideshow> {
    if (slideshow.slides.every((s) => fs.existsSync(s.path))) return slideshow;
    return this.source.fetch(slideshow.url);
  }
}
