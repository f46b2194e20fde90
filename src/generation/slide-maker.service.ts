import * as fs from 'node:fs';
import { Inject, Injectable } from '@nestjs/common';
import sharp from 'sharp';
import { BatchLink } from '../pipeline/entities/link.entity';
import { BatchVariation } from '../pipeline/entities/variation.entity';
import { FetchedSlideshow, SLIDESHOW_SOURCE, SlideshowSource } from '../pipeline/slideshow';
import { ProductsService } from '../products/products.service';
import { GENERATOR, Generator } from './generator.interface';
import { outputSize, renderSlide, SLIDE_JPEG } from './render/renderer';
import { SlideImageStore } from './slide-image-store';

/** A link's plan and fetched slideshow, checked present: what making a variation's slides needs. */
export type PlannedLink = BatchLink & { plan: NonNullable<BatchLink['plan']>; slideshow: FetchedSlideshow };

/**
 * The slides of one variation: the text-free image of (slide, p) from the store (made and paid for at
 * most once, shared by every t), with text variant t drawn on it.
 */
@Injectable()
export class SlideMaker {
  constructor(
    @Inject(GENERATOR) private readonly generator: Generator,
    @Inject(SLIDESHOW_SOURCE) private readonly source: SlideshowSource,
    private readonly images: SlideImageStore,
    private readonly products: ProductsService,
  ) {}

  /**
   * One JPEG per plan slide, the slideshow they were made from, and what the slides could not show as planned
   * (`slide 3: left out emoji …`); `checkpoint` runs before every paid call.
   */
  async make(
    link: PlannedLink,
    v: BatchVariation,
    checkpoint: () => Promise<void>,
  ): Promise<{ slides: Buffer[]; slideshow: FetchedSlideshow; warnings: string[] }> {
    const { plan } = link;
    const slideshow = await this.ensureSlides(link.slideshow);
    const product = await this.products.input(link.productId);
    const size = outputSize(plan.aspect);
    const out: Buffer[] = [];
    const warnings: string[] = [];
    for (let i = 0; i < plan.slides.length; i++) {
      const slide = plan.slides[i];
      const textIndex = this.generator.drawsText ? v.textIndex - 1 : undefined;
      const { image } = await this.images.getOrCreate(
        { linkId: link.id, slideIndex: i, photoIndex: v.photoIndex, textIndex },
        async () => {
          await checkpoint(); // the last look before a paid call
          return this.generator.makeSlideImage({
            linkId: link.id,
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
      if (this.generator.drawsText) {
        out.push(await sharp(image).resize(size.width, size.height, { fit: 'cover' }).jpeg(SLIDE_JPEG).toBuffer());
        continue;
      }
      const notes: string[] = [];
      out.push(await renderSlide(image, slide.texts[v.textIndex - 1] ?? '', slide.style, size, notes));
      warnings.push(...notes.map((note) => `slide ${i + 1}: ${note}`));
    }
    return { slides: out, slideshow, warnings };
  }

  /** Slides are read from the shared DATA_DIR; if they are gone (cache cleared), fetch again. */
  private async ensureSlides(slideshow: FetchedSlideshow): Promise<FetchedSlideshow> {
    if (slideshow.slides.every((s) => fs.existsSync(s.path))) return slideshow;
    return this.source.fetch(slideshow.url);
  }
}
