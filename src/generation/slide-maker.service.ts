import { Inject, Injectable } from '@nestjs/common';
import sharp from 'sharp';
import { PermanentError } from '../common/errors';
import { BatchLink } from '../pipeline/entities/link.entity';
import { BatchVariation } from '../pipeline/entities/variation.entity';
import * as fs from 'node:fs/promises';
import { BatchSpeed } from '../pipeline/entities/batch.entity';
import { FetchedSlideshow } from '../pipeline/slideshow';
import { ProductsService } from '../products/products.service';
import { GENERATOR, Generator, ProductInput, SlideImageInput } from './generator.interface';
import { outputSize, renderSlide, SLIDE_JPEG, slideSize } from './render/renderer';
import { SlideImageKey, SlideImageStore } from './slide-image-store';
import { SourceTextService } from './text-reader/source-text.service';
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
    private readonly sourceText: SourceTextService,
    private readonly images: SlideImageStore,
    private readonly products: ProductsService,
  ) {}

  /**
   * One JPEG per plan slide (with the variation's own texts when it was edited), the slideshow they were made
   * from, and what the slides could not show as planned (`slide 3: left out emoji …`); `checkpoint` runs
   * before every paid call. The first slide showing the plan's recurring subject is made first; its image
   * goes with every later slide of the same photo variant that shows the subject, so they all show the same
   * one. `mayPay: false` (an edit after the fact) refuses to pay for an image that is no longer stored.
   */
  async make(
    link: PlannedLink,
    v: BatchVariation,
    checkpoint: () => Promise<void>,
    speed: BatchSpeed = 'fast',
    options: { mayPay?: boolean } = {},
  ): Promise<{ slides: Buffer[]; slideshow: FetchedSlideshow; warnings: string[] }> {
    const { plan } = link;
    const slideshow = await this.ensureSlides(link.slideshow);
    const product = await this.products.input(link.productId);
    const size = outputSize(plan.aspect);
    const texts = textsOf(plan, v);
    const key = (i: number): SlideImageKey => this.key(link, i, v.photoIndex, v.textIndex);
    const input = (i: number, subjectImage?: Buffer): SlideImageInput => ({
      ...this.imageInput(link, slideshow, product, key(i)),
      subjectImage,
    });
    const beforePay = async (i: number): Promise<void> => {
      if (options.mayPay === false && this.generator.name !== 'local') {
        throw new PermanentError('generation', `the image of slide ${i + 1} is no longer stored: regenerate it`);
      }
      await checkpoint(); // the last look before a paid call
    };
    const bases =
      speed === 'economy' && options.mayPay !== false
        ? await this.economyImages(plan, key, input, checkpoint)
        : await this.fastImages(plan, key, input, beforePay, checkpoint);
    const out: Buffer[] = [];
    const warnings: string[] = [];
    for (let i = 0; i < plan.slides.length; i++) {
      const meta = await sharp(bases[i]).metadata();
      const fit = slideSize(plan.aspect, { width: meta.width ?? size.width, height: meta.height ?? size.height });
      if (this.generator.drawsText) {
        out.push(await sharp(bases[i]).resize(fit.width, fit.height, { fit: 'cover' }).jpeg(SLIDE_JPEG).toBuffer());
        continue;
      }
      const notes: string[] = [];
      const band = this.generator.textBand(plan.slides[i]);
      out.push(await renderSlide(bases[i], texts[i] ?? '', plan.slides[i].style, fit, notes, band));
      warnings.push(...notes.map((note) => `slide ${i + 1}: ${note}`));
    }
    return { slides: out, slideshow, warnings };
  }

  /**
   * Makes slide `slideIndex` of photo variant `photoIndex` again (one paid call with Gemini; another seeded
   * re-frame offline) and stores it over the old image, so every variation drawn on it picks it up. A slide
   * showing the recurring subject gets the variant's subject image as its reference, as when first made.
   */
  async remake(link: PlannedLink, slideIndex: number, photoIndex: number, textIndex: number): Promise<void> {
    const slideshow = await this.ensureSlides(link.slideshow);
    const product = await this.products.input(link.productId);
    const key = this.key(link, slideIndex, photoIndex, textIndex);
    const { first, shows } = subjectSlides(link.plan);
    const subjectImage =
      first !== undefined && first !== slideIndex && shows.has(slideIndex)
        ? await fs.readFile(this.images.pathFor(this.key(link, first, photoIndex, textIndex))).catch(() => undefined)
        : undefined;
    const take = Date.now() % 1_000_000_000;
    const image = await this.generator.makeSlideImage({
      ...this.imageInput(link, slideshow, product, key),
      subjectImage,
      take,
    });
    await this.images.put(key, image);
  }

  /** Images are shared by every text variant unless the generator draws the text itself. */
  private key(link: PlannedLink, slideIndex: number, photoIndex: number, textIndex: number): SlideImageKey {
    return { linkId: link.id, slideIndex, photoIndex, textIndex: this.generator.drawsText ? textIndex - 1 : undefined };
  }

  private imageInput(
    link: PlannedLink,
    slideshow: FetchedSlideshow,
    product: ProductInput,
    k: SlideImageKey,
  ): SlideImageInput {
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

  /** One paid call per missing image, the subject's first image before the others that show it. */
  private async fastImages(
    plan: PlannedLink['plan'],
    key: (i: number) => SlideImageKey,
    input: (i: number, subjectImage?: Buffer) => SlideImageInput,
    beforePay: (i: number) => Promise<void>,
    checkpoint: () => Promise<void>,
  ): Promise<Buffer[]> {
    const image = async (i: number, subjectImage?: Buffer) =>
      (
        await this.images.getOrCreate(
          key(i),
          async () => {
            await beforePay(i);
            return this.generator.makeSlideImage(input(i, subjectImage));
          },
          checkpoint,
        )
      ).image;
    const { first, shows } = subjectSlides(plan);
    const subjectImage = first === undefined ? undefined : await image(first);
    const out: Buffer[] = [];
    for (let i = 0; i < plan.slides.length; i++) {
      out.push(i === first ? (subjectImage as Buffer) : await image(i, shows.has(i) ? subjectImage : undefined));
    }
    return out;
  }

  /**
   * Economy: two rounds of batch jobs at most. The first makes every image that needs no reference (the
   * subject's first one among them); the second the other images showing the subject, with its reference.
   */
  private async economyImages(
    plan: PlannedLink['plan'],
    key: (i: number) => SlideImageKey,
    input: (i: number, subjectImage?: Buffer) => SlideImageInput,
    checkpoint: () => Promise<void>,
  ): Promise<Buffer[]> {
    const { first, shows } = subjectSlides(plan);
    const all = plan.slides.map((_, i) => i);
    const later = all.filter((i) => shows.has(i) && i !== first);
    const rounds = [all.filter((i) => !later.includes(i)), later];
    const out: Buffer[] = [];
    for (const [r, slides] of rounds.entries()) {
      if (!slides.length) continue;
      const subjectImage = r === 1 && first !== undefined ? out[first] : undefined;
      const k0 = key(slides[0]);
      const group = `${k0.linkId}:p${k0.photoIndex}${k0.textIndex === undefined ? '' : `:t${k0.textIndex}`}:r${r}`;
      const made = await this.images.getOrCreateMany(
        slides.map(key),
        group,
        (missing) =>
          this.generator.makeSlideImagesEconomy(
            missing.map((m) => input(m.slideIndex, subjectImage)),
            { jobKey: group, checkpoint },
          ),
        checkpoint,
      );
      slides.forEach((i, n) => (out[i] = made[n]));
    }
    return out;
  }

  /** Slides and their clean copies are read from the shared DATA_DIR; if gone (cache cleared), fetch and read again. */
  private async ensureSlides(slideshow: FetchedSlideshow): Promise<FetchedSlideshow> {
    return (await this.sourceText.ensure(slideshow, slideshow.url)).slideshow;
  }
}

/** The plan slides showing the recurring subject: the first (made first, the reference) and all of them. */
export function subjectSlides(plan: PlannedLink['plan']): { first?: number; shows: Set<number> } {
  const shows = new Set((plan.subject?.slides ?? []).filter((i) => i >= 0 && i < plan.slides.length));
  return { first: shows.size ? Math.min(...shows) : undefined, shows };
}
