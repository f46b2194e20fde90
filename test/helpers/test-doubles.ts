import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import sharp from 'sharp';
import { PermanentError, TransientError } from '../../src/common/errors';
import { AnalysisInput, Generator, GeneratorStatus, SlideImageInput } from '../../src/generation/generator.interface';
import { captionFromTexts, DEFAULT_LOOK, defaultBox, SlideshowPlan } from '../../src/pipeline/plan';
import { parseTikTokUrl } from '../../src/links/link-intake';
import { FetchedSlideshow, SlideshowSource } from '../../src/pipeline/slideshow';

/**
 * Test doubles of the provider interfaces for the engine's integration specs (the engine is the code
 * under test; these stand in for TikTok and the generator). Each records its calls so specs can assert
 * what was (not) repeated, and can be scripted to fail by post id.
 */
export type Failure = { kind: 'permanent' | 'transient'; times?: number; message?: string };

export class TestSource implements SlideshowSource {
  readonly name = 'test';
  readonly calls: { url: string; at: number }[] = [];
  readonly failures = new Map<string, Failure>();
  private readonly dir = fs.mkdtempSync(path.join(os.tmpdir(), 'studio-src-'));
  private slidesFile?: Promise<string[]>;

  constructor(private readonly slideCount = 3) {}

  async fetch(url: string): Promise<FetchedSlideshow> {
    this.calls.push({ url, at: Date.now() });
    const postId = parseTikTokUrl(url).postId ?? '7000000000000000000';
    const f = this.failures.get(postId);
    if (f && (f.times === undefined || f.times > 0)) {
      if (f.times !== undefined) f.times--;
      if (f.kind === 'permanent')
        throw new PermanentError('fetch', f.message ?? 'not a slideshow (this post is a video)', 'not_slideshow');
      throw new TransientError('fetch', f.message ?? 'TikTok answered 503', 10);
    }
    this.slidesFile ??= Promise.all(
      Array.from({ length: this.slideCount }, async (_, i) => {
        const file = path.join(this.dir, `slide_${i}.jpg`);
        await sharp({
          create: { width: 540, height: 720, channels: 3, background: { r: 40 * i, g: 120, b: 200 - 40 * i } },
        })
          .jpeg()
          .toFile(file);
        return file;
      }),
    );
    const files = await this.slidesFile;
    return {
      postId,
      caption: `caption of ${postId}`,
      url,
      source: 'test',
      slides: files.map((p, index) => ({ index, path: p, width: 540, height: 720 })),
    };
  }
}

export class TestGenerator implements Generator {
  readonly name = 'local' as const;
  readonly drawsText = false;
  readonly analyses: { linkId: string; at: number }[] = [];
  readonly images: { linkId: string; slideIndex: number; photoIndex: number; at: number; end?: number }[] = [];
  /** Fails image calls of these link ids. */
  readonly imageFailures = new Map<string, Failure>();
  /** Each image call takes this long (lets cancel and crash tests catch work in flight). */
  imageDelayMs = 0;

  async status(): Promise<GeneratorStatus> {
    return { name: 'local', ok: true, notices: [], details: {} };
  }

  onEvent(): void {}

  textBand(): null {
    return null;
  }

  async analyse(input: AnalysisInput): Promise<SlideshowPlan> {
    this.analyses.push({ linkId: input.linkId, at: Date.now() });
    const n = input.slideshow.slides.length;
    const texts = (s: string) => Array.from({ length: input.textVariations }, (_, t) => `${s} ${t + 1}`);
    const scenes = (s: string) => Array.from({ length: input.photoVariations }, (_, p) => `${s} scene ${p + 1}`);
    return {
      version: 2,
      photoVariations: input.photoVariations,
      textVariations: input.textVariations,
      aspect: '3:4',
      productPlacement: 'replace',
      subject: null,
      captions: Array.from({ length: input.textVariations }, (_, t) => captionFromTexts([`caption ${t + 1}`])),
      slides: Array.from({ length: n }, (_, i) => ({
        role: i === 0 ? ('hook' as const) : i === n - 1 ? ('product' as const) : ('body' as const),
        sourceIndex: i,
        sourceText: '',
        scenes: scenes(`slide ${i}`),
        texts: texts(`text ${i}`),
        style: { ...DEFAULT_LOOK, box: defaultBox('middle'), body: null },
      })),
    };
  }

  /** No cheaper path offline: the images are made at once, one by one. */
  async makeSlideImagesEconomy(inputs: SlideImageInput[]): Promise<Buffer[]> {
    const out: Buffer[] = [];
    for (const input of inputs) out.push(await this.makeSlideImage(input));
    return out;
  }

  async makeSlideImage(input: SlideImageInput): Promise<Buffer> {
    const call: { linkId: string; slideIndex: number; photoIndex: number; at: number; end?: number } = {
      linkId: input.linkId,
      slideIndex: input.slideIndex,
      photoIndex: input.photoIndex,
      at: Date.now(),
    };
    this.images.push(call);
    const f = this.imageFailures.get(input.linkId);
    if (f && (f.times === undefined || f.times > 0)) {
      if (f.times !== undefined) f.times--;
      if (f.kind === 'permanent') throw new PermanentError('generation', f.message ?? 'blocked by safety filters');
      throw new TransientError('generation', f.message ?? 'Gemini answered 503', 10);
    }
    if (this.imageDelayMs) await new Promise((r) => setTimeout(r, this.imageDelayMs));
    call.end = Date.now();
    // At the size asked for, as a real image model answers (a smaller image would be kept small: no slide is
    // enlarged more than 1.1×).
    return sharp({
      create: {
        width: input.width,
        height: input.height,
        channels: 3,
        background: { r: 20 * input.photoIndex, g: 30 * input.slideIndex, b: 90 },
      },
    })
      .png()
      .toBuffer();
  }
}
