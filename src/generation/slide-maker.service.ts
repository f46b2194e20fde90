import * as fs from 'node:fs';
import { Inject, Injectable } from '@nestjs/common';
import sharp from 'sharp';
import { PermanentError } from '../common/errors';
import { BatchLink } from '../pipeline/entities/link.entity';
import { BatchVariation } from '../pipeline/entities/variation.entity';
import { FetchedSlideshow, SLIDESHOW_SOURCE, SlideshowSource } from '../pipeline/slideshow';
import { ProductInput } from './generator.interface';
import { ProductsService } from '../products/products.service';
import { GENERATOR, Generator } from './generator.interface';
import { outputSize, renderSlide, SLIDE_JPEG } from './render/renderer';
import { SlideImageKey, SlideImageStore } from './slide-image-store';
import { textsOf } from './variation-manifest';

/** A link's plan and fetched slideshow, checked present: what making a variation's slides needs. */
export type PlannedLink = BatchLink & { plan: NonNullable<BatchLink['plan']>; slideshow: FetchedSlideshow };

/**
 * The slides of one variation: the text-free image of (slide, p) from the store (made and paid for at
 * most once, shared by every t), with the variation's text drawn on it.
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
   * One JPEG per plan slide, and the slideshow they were made from; `checkpoint` runs before every paid call.
   * `mayPay: false` (an edit after the fact) refuses to pay for an image that is no longer stored.
   */
  async make(
    link: PlannedLink,
    v: Pick<BatchVariation, 'photoIndex' | 'textIndex' | 'texts'>,
    checkpoint: () => Promise<void>,
    options: { mayPay?: boolean } = {},
  ): Promise<{ slides: Buffer[]; slideshow: FetchedSlideshow }> {
    const { plan } = link;
    const slideshow = await this.ensureSlides(link.slideshow);
    const product = await this.products.input(link.productId);
    const size = outputSize(plan.aspect);
    const texts = textsOf(plan, v);
    const out: Buffer[] = [];
    for (let i = 0; i < plan.slides.length; i++) {
      const key = this.key(link, i, v.photoIndex, v.textIndex);
      const { image } = await this.images.getOrCreate(
        key,
        async () => {
          if (options.mayPay === false && this.generator.name !== 'local') {
            throw new PermanentError('generation', `the image of slide ${i + 1} is no longer stored: regenerate it`);
          }
          await checkpoint(); // the last look before a paid call
          return this.generator.makeSlideImage(this.imageInput(link, slideshow, product, key));
        },
        checkpoint,
      );
      out.push(
        this.generator.drawsText
          ? await sharp(image).resize(size.width, size.height, { fit: 'cover' }).jpeg(SLIDE_JPEG).toBuffer()
          : await renderSlide(image, texts[i] ?? '', plan.slides[i].style, size),
      );
    }
    return { slides: out, slideshow };
  }

  /**
   * Makes slide `slideIndex` of photo variant `photoIndex` again (one paid call with Gemini; another seeded
   * re-frame offline) and stores it over the old image, so every variation drawn on it picks it up.
   */
  async remake(link: PlannedLink, slideIndex: number, photoIndex: number, textIndex: number): Promise<void> {
    const slideshow = await this.ensureSlides(link.slideshow);
    const product = await this.products.input(link.productId);
    const key = this.key(link, slideIndex, photoIndex, textIndex);
    const take = Date.now() % 1_000_000_000;
    const image = await this.generator.makeSlideImage({ ...this.imageInput(link, slideshow, product, key), take });
    await this.images.put(key, image);
  }

  /** Images are shared by every text variant unless the generator draws the text itself. */
  private key(link: PlannedLink, slideIndex: number, photoIndex: number, textIndex: number): SlideImageKey {
    return { linkId: link.id, slideIndex, photoIndex, textIndex: this.generator.drawsText ? textIndex - 1 : undefined };
  }

  private imageInput(link: PlannedLink, slideshow: FetchedSlideshow, product: ProductInput, k: SlideImageKey) {
    const size = outputSize(link.plan.aspect);
    return {
      linkId: link.id,
      plan: link.plan,
      slideIndex: k.slideIndex,
      slide: link.plan.slides[k.slideIndex],
      photoIndex: k.photoIndex - 1,
      textIndex: k.textIndex,
      slideshow,
      product,
      width: size.width,
      height: size.height,
    };
  }

  /** Slides are read from the shared DATA_DIR; if they are gone (cache cleared), fetch again. */
  private async ensureSlides(slideshow: FetchedSlideshow): Promise<FetchedSlideshow> {
    if (slideshow.slides.every((s) => fs.existsSync(s.path))) return slideshow;
    return this.source.fetch(slideshow.url);
  }
}
