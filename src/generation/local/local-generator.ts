import { Logger } from '@nestjs/common';
import sharp, { Sharp } from 'sharp';
import { PermanentError } from '../../common/errors';
import { AppConfig } from '../../config/config.schema';
import { FetchedSlideshow, SourceSlide } from '../../pipeline/slideshow';
import { Listeners } from '../../common/listeners';
import { AnalysisInput, Generator, GeneratorEvent, GeneratorStatus, SlideImageInput } from '../generator.interface';
import { PlanSlide, SlideshowPlan, validatePlan } from '../../pipeline/plan';
import { slideWords } from '../../pipeline/source-text';
import { dominantStyle, slideStyles } from '../source-style';
import type { TextBand } from '../render/renderer';
import { captionVoice, writeCaptions } from './captions';
import { writeTexts } from './copywriter';
import { productWords } from './product-words';
import { backgroundColour, describeReframing, isCard, mirrorable, photoPath, reframing, Reframing } from './reframing';
import { readStructure } from './source-structure';

export interface LocalGeneratorOptions {
  /** `append` always adds the product slide after the source's slides; `auto` replaces the last one. */
  productPlacement?: 'auto' | 'append';
}

/** A source with fewer slides than this keeps them all and gets the product slide appended. */
const MIN_SLIDES_TO_REPLACE = 3;

function closestAspect(slide: SourceSlide | undefined): SlideshowPlan['aspect'] {
  if (!slide || !(slide.width > 0) || !(slide.height > 0)) return '9:16';
  const ratio = slide.width / slide.height;
  return Math.abs(Math.log(ratio / 0.75)) < Math.abs(Math.log(ratio / 0.5625)) ? '3:4' : '9:16';
}

function sourceSlide(slideshow: FetchedSlideshow, index: number): SourceSlide {
  const slide = slideshow.slides.find((s) => s.index === index) ?? slideshow.slides[index];
  if (!slide) throw new PermanentError('generation', `source slide ${index} is missing from the fetched slideshow`);
  return slide;
}

/**
 * The offline generator: a deterministic, non-AI re-make. Analysis is rules (first slide hook, last
 * slide product, the rest body); photo variants re-frame and re-grade the source slides; the product
 * slide puts the user's photo on a blurred version of a source slide; texts come from templates.
 */
export class LocalGenerator implements Generator {
  readonly name = 'local' as const;
  readonly drawsText = false;
  private readonly logger = new Logger(LocalGenerator.name);
  private readonly listeners = new Listeners<GeneratorEvent>();

  constructor(
    _config?: AppConfig,
    private readonly options: LocalGeneratorOptions = {},
  ) {}

  /** Offline: nothing to run out of, nothing to tell the user. */
  async status(): Promise<GeneratorStatus> {
    return { name: 'local', ok: true, notices: [], details: { generator: 'local', drawsText: false } };
  }

  onEvent(listener: (e: GeneratorEvent) => void): void {
    this.listeners.add(listener);
  }

  /** The product slide's text goes above its product photo (centred in PRODUCT_BOX), never over it. */
  textBand(slide: PlanSlide): TextBand | null {
    return slide.role === 'product' ? { top: 0, bottom: (1 - PRODUCT_BOX.height) / 2 - PRODUCT_GAP } : null;
  }

  async analyse(input: AnalysisInput): Promise<SlideshowPlan> {
    const { slideshow, linkId, photoVariations: P, textVariations: T } = input;
    const n = slideshow.slides.length;
    if (n === 0) throw new PermanentError('analysis', 'the slideshow has no slides');
    const append = this.options.productPlacement === 'append' || n < MIN_SLIDES_TO_REPLACE;
    const bodyIndexes = Array.from({ length: append ? n - 1 : n - 2 }, (_, i) => i + 1);
    const layout: { role: PlanSlide['role']; sourceIndex: number | null }[] = [
      { role: 'hook', sourceIndex: 0 },
      ...bodyIndexes.map((i) => ({ role: 'body' as const, sourceIndex: i })),
      { role: 'product', sourceIndex: append ? null : n - 1 },
    ];
    const sourceTexts = slideshow.slides.map((s) => s.text);
    const styles = slideStyles(sourceTexts);
    const dominant = dominantStyle(sourceTexts);
    const styleOf = (sourceIndex: number | null) => (sourceIndex === null ? dominant : styles[sourceIndex]);
    const product = productWords(input.product.description);
    const copy = writeTexts({
      linkId,
      slides: layout.map((s) => ({ ...s, hasBody: styleOf(s.sourceIndex).body !== null })),
      structure: readStructure(sourceTexts),
      product,
      variants: T,
    });
    const slides: PlanSlide[] = layout.map((s, slideIndex) => ({
      role: s.role,
      sourceIndex: s.sourceIndex,
      sourceText: s.sourceIndex === null ? '' : slideWords(sourceTexts[s.sourceIndex]),
      scenes: Array.from({ length: P }, (_, p) => this.scene(linkId, slideIndex, p, s.role, s.sourceIndex, slideshow)),
      texts: copy.texts[slideIndex],
      style: styleOf(s.sourceIndex),
    }));
    const plan: SlideshowPlan = {
      version: 2,
      photoVariations: P,
      textVariations: T,
      aspect: closestAspect(slideshow.slides[0]),
      productPlacement: append ? 'append' : 'replace',
      subject: null,
      captions: writeCaptions({ linkId, hooks: copy.hooks, product, voice: captionVoice(slideshow.caption) }),
      slides,
    };
    const check = validatePlan(plan, { p: P, t: T, sourceSlides: n });
    if (!check.ok || !check.plan)
      throw new PermanentError('analysis', `local plan is invalid: ${check.errors.join('; ')}`);
    this.logger.log(
      `link ${linkId}: local plan, ${plan.slides.length} slides (${plan.productPlacement}), ${P}×${T} variants`,
    );
    return check.plan;
  }

  private scene(
    linkId: string,
    slideIndex: number,
    p: number,
    role: PlanSlide['role'],
    sourceIndex: number | null,
    slideshow: FetchedSlideshow,
  ): string {
    const source = slideshow.slides[sourceIndex ?? 0];
    const rf = reframing(linkId, slideIndex, p, mirrorable(source));
    if (role === 'product') {
      return `The product photo centred on a blurred, ${rf.grade.name}-graded version of source slide ${(sourceIndex ?? 0) + 1}`;
    }
    if (isCard(source)) {
      return `A clean ${source.text?.background ?? 'plain'} card like source slide ${(sourceIndex ?? 0) + 1}, its text set anew`;
    }
    return `Source slide ${(sourceIndex ?? 0) + 1}, ${describeReframing(rf)}`;
  }

  /** No cheaper path offline: the images are made at once, one by one. */
  async makeSlideImagesEconomy(inputs: SlideImageInput[]): Promise<Buffer[]> {
    const out: Buffer[] = [];
    for (const input of inputs) out.push(await this.makeSlideImage(input));
    return out;
  }

  async makeSlideImage(input: SlideImageInput): Promise<Buffer> {
    const { slide, slideshow, width, height } = input;
    const source = sourceSlide(slideshow, slide.sourceIndex ?? 0);
    const rf = reframing(input.linkId, input.slideIndex, input.photoIndex, mirrorable(source), input.take);
    const what = `slide ${input.slideIndex} (source ${source.index}) of link ${input.linkId}`;
    if (slide.role === 'product') {
      return this.productSlide(await this.backdrop(source), input.product.photoPath, rf, width, height);
    }
    // A text-only card is rebuilt plain in its own colour: re-framing it would only move the old letters.
    if (isCard(source)) return this.encode(sharp(await this.backdrop(source)).resize(width, height), what);
    const zw = Math.round(width * rf.zoom);
    const zh = Math.round(height * rf.zoom);
    const img = sharp(photoPath(source), { failOn: 'none' })
      .autoOrient()
      .resize(zw, zh, { fit: 'cover', position: 'centre' })
      .extract({ left: Math.round(rf.fx * (zw - width)), top: Math.round(rf.fy * (zh - height)), width, height });
    if (rf.mirror) img.flop();
    return this.encode(
      img
        .modulate({ brightness: rf.brightness, saturation: rf.saturation, hue: rf.hue })
        .linear(rf.grade.a, rf.grade.b),
      what,
    );
  }

  /**
   * What a product slide blurs, and a card is rebuilt from: the card's plain colour (its own dominant colour
   * when the reader gave none), else the slide's text-free copy, else the slide as fetched.
   */
  private async backdrop(source: SourceSlide): Promise<string | Buffer> {
    if (!isCard(source)) return photoPath(source);
    const colour = source.text?.background ?? (await backgroundColour(photoPath(source)));
    return sharp({ create: { width: 64, height: 64, channels: 3, background: colour } })
      .png()
      .toBuffer();
  }

  /** The user's product photo, rounded and lifted by a soft shadow, centred on a blurred source slide. */
  private async productSlide(
    background: string | Buffer,
    photoPath: string,
    rf: Reframing,
    width: number,
    height: number,
  ): Promise<Buffer> {
    // Blurred at a quarter of the size and scaled back up: the same look at a fraction of the cost.
    const small = { width: Math.ceil(width / 4), height: Math.ceil(height / 4) };
    const blurred = await sharp(background, { failOn: 'none' })
      .autoOrient()
      .resize(small.width, small.height, { fit: 'cover' })
      .blur(Math.max(0.5, small.width * 0.025))
      .modulate({ brightness: rf.brightness * 0.85, saturation: rf.saturation })
      .linear(rf.grade.a, rf.grade.b)
      .removeAlpha()
      .toColourspace('srgb')
      .raw()
      .toBuffer()
      .catch((e: Error) => {
        throw new PermanentError('generation', `source slide image cannot be read: ${e.message}`);
      });
    const product = await sharp(photoPath, { failOn: 'none' })
      .autoOrient()
      .resize(Math.round(width * PRODUCT_BOX.width), Math.round(height * PRODUCT_BOX.height), { fit: 'inside' })
      .toColourspace('srgb')
      .ensureAlpha()
      .raw()
      .toBuffer({ resolveWithObject: true })
      .catch((e: Error) => {
        throw new PermanentError('generation', `product photo cannot be read: ${e.message}`);
      });
    const { width: pw, height: ph } = product.info;
    const radius = Math.round(Math.min(pw, ph) * 0.05);
    const rect = (w: number, h: number, x = 0, y = 0, extra = ''): Buffer =>
      Buffer.from(
        `<svg xmlns="http://www.w3.org/2000/svg" width="${w + 2 * x}" height="${h + 2 * y}"><rect x="${x}" y="${y}" width="${w}" height="${h}" rx="${radius}"${extra}/></svg>`,
      );
    const rounded = await sharp(product.data, { raw: { width: pw, height: ph, channels: 4 } })
      .composite([{ input: rect(pw, ph), blend: 'dest-in' }])
      .png()
      .toBuffer();
    const left = Math.round((width - pw) / 2);
    const top = Math.round((height - ph) / 2);
    const blur = Math.round(width * 0.02);
    const margin = 3 * blur;
    const shadow = await sharp(rect(pw, ph, margin, margin, ' fill-opacity="0.55"'))
      .blur(blur)
      .png()
      .toBuffer();
    return this.encode(
      sharp(blurred, { raw: { ...small, channels: 3 } })
        .resize(width, height, { fit: 'fill' })
        .composite([
          { input: shadow, left: left - margin, top: top - margin + blur },
          { input: rounded, left, top },
        ]),
      'product slide',
    );
  }

  private async encode(img: Sharp, what: string): Promise<Buffer> {
    try {
      // High quality: the renderer re-encodes once more after drawing the text.
      const image = await img.toColourspace('srgb').jpeg({ quality: 95 }).toBuffer();
      this.listeners.emit({ type: 'image-made' });
      return image;
    } catch (e) {
      throw new PermanentError('generation', `${what}: image cannot be made: ${(e as Error).message}`);
    }
  }
}

/** The product photo fits inside this share of the slide, centred, clear of top text and captions. */
export const PRODUCT_BOX = { width: 0.64, height: 0.4 };
/** Room between the product slide's text and its product photo (with its shadow), as a share of the height. */
const PRODUCT_GAP = 0.02;
