import { Inject, Injectable } from '@nestjs/common';
import sharp from 'sharp';
import { BatchLink } from '../pipeline/entities/link.entity';
import { BatchVariation } from '../pipeline/entities/variation.entity';
import { BatchSpeed } from '../pipeline/entities/batch.entity';
import { FetchedSlideshow } from '../pipeline/slideshow';
import { ProductsService } from '../products/products.service';
import { GENERATOR, Generator, SlideImageInput } from './generator.interface';
import { outputSize, renderSlide, SLIDE_JPEG, slideSize } from './render/renderer';
import { SlideImageKey, SlideImageStore } from './slide-image-store';
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

  /**
   * One JPEG per plan slide, the slideshow they were made from, and what the slides could not show as planned
   * (`slide 3: left out emoji …`); `checkpoint` runs before every paid call. The first slide showing the
   * plan's recurring subject is made first; its image goes with every later slide of the same photo variant
   * that shows the subject, so they all show the same one.
   */
  async make(
    link: PlannedLink,
    v: BatchVariation,
    checkpoint: () => Promise<void>,
    speed: BatchSpeed = 'fast',
  ): Promise<{ slides: Buffer[]; slideshow: FetchedSlideshow; warnings: string[] }> {
    const { plan } = link;
    const slideshow = await this.ensureSlides(link.slideshow);
    const product = await this.products.input(link.productId);
    const size = outputSize(plan.aspect);
    const textIndex = this.generator.drawsText ? v.textIndex - 1 : undefined;
    const key = (i: number): SlideImageKey => ({ linkId: link.id, slideIndex: i, photoIndex: v.photoIndex, textIndex });
    const input = (i: number, subjectImage?: Buffer): SlideImageInput => ({
      linkId: link.id,
      plan,
      slideIndex: i,
      slide: plan.slides[i],
      photoIndex: v.photoIndex - 1,
      textIndex,
      slideshow,
      product,
      width: size.width,
      height: size.height,
      subjectImage,
    });
    const bases =
      speed === 'economy'
        ? await this.economyImages(plan, key, input, checkpoint)
        : await this.fastImages(plan, key, input, checkpoint);
    const out: Buffer[] = [];
    const warnings: string[] = [];
    for (let i = 0; i < plan.slides.length; i++) {
      const slide = plan.slides[i];
      const meta = await sharp(bases[i]).metadata();
      const fit = slideSize(plan.aspect, { width: meta.width ?? size.width, height: meta.height ?? size.height });
      if (this.generator.drawsText) {
        out.push(await sharp(bases[i]).resize(fit.width, fit.height, { fit: 'cover' }).jpeg(SLIDE_JPEG).toBuffer());
        continue;
      }
      const notes: string[] = [];
      out.push(await renderSlide(bases[i], slide.texts[v.textIndex - 1] ?? '', slide.style, fit, notes));
      warnings.push(...notes.map((note) => `slide ${i + 1}: ${note}`));
    }
    return { slides: out, slideshow, warnings };
  }

  /** One paid call per missing image, the subject's first image before the others that show it. */
  private async fastImages(
    plan: PlannedLink['plan'],
    key: (i: number) => SlideImageKey,
    input: (i: number, subjectImage?: Buffer) => SlideImageInput,
    checkpoint: () => Promise<void>,
  ): Promise<Buffer[]> {
    const image = async (i: number, subjectImage?: Buffer) =>
      (
        await this.images.getOrCreate(
          key(i),
          async () => {
            await checkpoint(); // the last look before a paid call
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
