import { Inject, Injectable } from '@nestjs/common';
import sharp from 'sharp';
import { BatchLink } from '../pipeline/entities/link.entity';
import { BatchVariation } from '../pipeline/entities/variation.entity';
import { FetchedSlideshow } from '../pipeline/slideshow';
import { ProductsService } from '../products/products.service';
import { GENERATOR, Generator } from './generator.interface';
import { outputSize, renderSlide, SLIDE_JPEG } from './render/renderer';
import { SlideImageStore } from './slide-image-store';
import { SourceTextService } from './text-reader/source-text.service';

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
    private readonly sourceText: SourceTextService,
    private readonly images: SlideImageStore,
    private readonly products: ProductsService,
  ) {}

  /** One JPEG per plan slide, and the slideshow they were made from; `checkpoint` runs before every paid call. */
  async make(
    link: PlannedLink,
    v: BatchVariation,
    checkpoint: () => Promise<void>,
  ): Promise<{ slides: Buffer[]; slideshow: FetchedSlideshow }> {
    const { plan } = link;
    const slideshow = await this.ensureSlides(link.slideshow);
    const product = await this.products.input(link.productId);
    const size = outputSize(plan.aspect);
    const out: Buffer[] = [];
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
      out.push(
        this.generator.drawsText
          ? await sharp(image).resize(size.width, size.height, { fit: 'cover' }).jpeg(SLIDE_JPEG).toBuffer()
          : await renderSlide(image, slide.texts[v.textIndex - 1] ?? '', slide.style, size),
      );
    }
    return { slides: out, slideshow };
  }

  /** Slides and their clean copies are read from the shared DATA_DIR; if gone (cache cleared), fetch and read again. */
  private async ensureSlides(slideshow: FetchedSlideshow): Promise<FetchedSlideshow> {
    return (await this.sourceText.ensure(slideshow, slideshow.url)).slideshow;
  }
}
