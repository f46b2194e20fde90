import { Logger } from '@nestjs/common';
import { Content, GenerateContentConfig, GenerateContentResponse, GoogleGenAI, Part } from '@google/genai';
import type Redis from 'ioredis';
import sharp from 'sharp';
import { AppConfig } from '../../config/config.schema';
import { FailureStep, PermanentError, TransientError } from '../../common/errors';
import { RedisRateLimiter } from '../../common/rate-limiter';
import { FetchedSlideshow } from '../../pipeline/slideshow';
import { Listeners } from '../../common/listeners';
import {
  AnalysisInput,
  EconomyRound,
  Generator,
  GeneratorEvent,
  GeneratorStatus,
  SlideImageInput,
} from '../generator.interface';
import { SlideshowPlan, validatePlan } from '../../pipeline/plan';
import { slideWords } from '../../pipeline/source-text';
import { dominantStyle, slideStyles } from '../source-style';
import { classifyGeminiError, findBlock, findRefusal, Refusal, refusalMessage } from './gemini-errors';
import { GeminiEconomy } from './gemini-economy';
import { CallKind, GeminiKeyPool, PooledKey } from './key-pool';
import { PLAN_RESPONSE_SCHEMA, analysisPrompt, imageInstructions, repairPrompt, slideImagePrompt } from './prompts';
import { cleanReturnedImage, TextScrubber } from './returned-text';

/** Per attempt; image models can take a minute, thinking text models too. */
const CALL_TIMEOUT_MS = 180_000;
/** Reference images are shrunk before sending: the model needs the look, not the pixels, and input tokens cost. */
const REFERENCE_MAX_SIDE = 1024;
const MIN_IMAGE_SIDE = 512;
const ASPECT_TOLERANCE = 0.1;

const ASPECT_RATIO: Record<SlideshowPlan['aspect'], number> = { '3:4': 3 / 4, '9:16': 9 / 16 };

async function inlineJpeg(source: string | Buffer): Promise<Part> {
  const data = await sharp(source)
    .rotate()
    .resize({ width: REFERENCE_MAX_SIDE, height: REFERENCE_MAX_SIDE, fit: 'inside', withoutEnlargement: true })
    .jpeg({ quality: 85 })
    .toBuffer();
  return { inlineData: { mimeType: 'image/jpeg', data: data.toString('base64') } };
}

/** Names one slide image in logs: link, slide, photo variant (and text variant when the model draws text). */
function imageTag(i: SlideImageInput): string {
  return `${i.linkId} slide ${i.slideIndex} p${i.photoIndex}${i.textIndex !== undefined ? ` t${i.textIndex}` : ''}`;
}

function describeRefusal(r: Refusal): string {
  return `${r.kind} (${r.reason}${r.detail ? `: ${r.detail}` : ''})`;
}

/** After the sanitised retry: fail the slide for good, saying in words which slide and what to change. */
export function refusalError(r: Refusal, i: Pick<SlideImageInput, 'slideIndex' | 'photoIndex'>): PermanentError {
  const where = `Slide ${i.slideIndex + 1} (photo variant ${i.photoIndex + 1})`;
  return new PermanentError(
    'generation',
    refusalMessage(r, where),
    `IMAGE_REFUSED_${r.kind.toUpperCase().replace('-', '_')}`,
  );
}

function sourceAspect(slideshow: FetchedSlideshow): SlideshowPlan['aspect'] {
  const tall = slideshow.slides.filter((s) => s.height / Math.max(1, s.width) > 1.55).length;
  return tall > slideshow.slides.length / 2 ? '9:16' : '3:4';
}

type KeyStates = Awaited<ReturnType<GeminiKeyPool['health']>>;

/**
 * The paid generator: analysis on the text model (JSON under a response schema), slides on the image
 * model. Every call first takes a slot from the key pool (sliding-window RPM per key in Redis, shared by
 * all workers), so no call is sent that the quota would refuse.
 */
export class GeminiGenerator implements Generator {
  readonly name = 'gemini' as const;
  readonly drawsText: boolean;
  readonly pool: GeminiKeyPool;
  private readonly logger = new Logger(GeminiGenerator.name);
  private readonly clients = new Map<string, GoogleGenAI>();
  private readonly listeners = new Listeners<GeneratorEvent>();
  private readonly economy: GeminiEconomy;

  /** Metrics hook: `listener` hears every call's outcome (key masked) and every accepted image. */
  onEvent(listener: (e: GeneratorEvent) => void): void {
    this.listeners.add(listener);
  }

  /** The model composes each image with room for the text (the prompts ask for it): the whole safe area. */
  textBand(): null {
    return null;
  }

  private emit(e: GeneratorEvent): void {
    this.listeners.emit(e);
  }

  constructor(
    private readonly config: AppConfig,
    limiter: RedisRateLimiter,
    redis: Redis,
    /** Reads and removes text Gemini drew on a returned image (returned-text.ts). */
    private readonly scrubber?: TextScrubber,
  ) {
    this.drawsText = config.gemini.textMode === 'model';
    this.pool = new GeminiKeyPool(config, limiter, redis);
    for (const key of this.pool.keys) {
      // Node's own fetch: our timeout (180 s) is below undici's 300 s default, so the SDK's undici
      // dispatcher (which looks up a global that Jest's VM does not share) is not needed.
      const httpOptions = {
        timeout: CALL_TIMEOUT_MS,
        fetch: globalThis.fetch,
        ...(config.gemini.baseUrl ? { baseUrl: config.gemini.baseUrl } : {}),
      };
      this.clients.set(key.id, new GoogleGenAI({ apiKey: key.apiKey, vertexai: false, httpOptions }));
    }
    this.economy = new GeminiEconomy({
      config,
      redis,
      pool: this.pool,
      client: (keyId) => this.clients.get(keyId) as GoogleGenAI,
      request: (input, sanitised) => this.imageRequest(input, sanitised),
      accept: (res, input) => this.acceptImage(res, input, imageTag(input)),
      refused: (r, input) => refusalError(r, input),
      emit: (e) => this.emit(e),
    });
  }

  async analyse(input: AnalysisInput): Promise<SlideshowPlan> {
    const { slideshow, product, photoVariations: p, textVariations: t, linkId } = input;
    const expect = { p, t, sourceSlides: slideshow.slides.length };
    const images = await Promise.all(slideshow.slides.map((s) => inlineJpeg(s.path)));
    const productPart = await inlineJpeg(product.photoPath);
    const userTurn = (sanitised: boolean): Content => ({
      role: 'user',
      parts: [
        {
          text: analysisPrompt({
            p,
            t,
            sourceSlides: slideshow.slides.length,
            caption: slideshow.caption,
            description: product.description,
            sourceTexts: slideshow.slides.map((s) => slideWords(s.text)),
            aspect: sourceAspect(slideshow),
            sanitised,
          }),
        },
        ...images.flatMap((img, i): Part[] => [{ text: `Source slide ${i}:` }, img]),
        { text: 'Product photo:' },
        productPart,
      ],
    });
    const genConfig: GenerateContentConfig = {
      responseMimeType: 'application/json',
      responseSchema: PLAN_RESPONSE_SCHEMA,
    };
    const model = this.config.gemini.textModel;

    let turn = userTurn(false);
    let res = await this.call('text', 'analysis', model, [turn], genConfig, linkId);
    const block = findBlock(res, 'text');
    if (block) {
      this.logger.warn(`link ${linkId}: analysis ${block}; one sanitised retry`);
      turn = userTurn(true);
      res = await this.call('text', 'analysis', model, [turn], genConfig, linkId);
      this.throwIfBlocked(res, 'text', 'analysis');
    }
    let check = this.checkPlan(res, expect, slideshow);
    if (check.plan) return check.plan;

    this.logger.warn(`link ${linkId}: invalid plan (${check.errors.slice(0, 3).join('; ')}); one repair call`);
    const conversation: Content[] = [
      turn,
      { role: 'model', parts: [{ text: res.text ?? '' }] },
      { role: 'user', parts: [{ text: repairPrompt(check.errors) }] },
    ];
    res = await this.call('text', 'analysis', model, conversation, genConfig, linkId);
    this.throwIfBlocked(res, 'text', 'analysis');
    check = this.checkPlan(res, expect, slideshow);
    if (check.plan) return check.plan;
    throw new PermanentError(
      'analysis',
      `Gemini returned an invalid plan twice: ${check.errors.slice(0, 5).join('; ')}`,
      'INVALID_PLAN',
    );
  }

  makeSlideImagesEconomy(inputs: SlideImageInput[], round: EconomyRound): Promise<Buffer[]> {
    return this.economy.run(inputs, round);
  }

  async makeSlideImage(input: SlideImageInput): Promise<Buffer> {
    const tag = imageTag(input);
    let refusal: Refusal | undefined;
    for (const sanitised of [false, true]) {
      const req = await this.imageRequest(input, sanitised);
      const res = await this.call(
        'image',
        'generation',
        this.config.gemini.imageModel,
        req.contents,
        req.config,
        tag,
        (r) => (findRefusal(r, 'image') ? 'refused' : 'ok'),
      );
      refusal = findRefusal(res, 'image');
      if (!refusal) return this.acceptImage(res, input, tag);
      this.logger.warn(`link ${tag}: ${describeRefusal(refusal)}${sanitised ? '' : '; one sanitised retry'}`);
    }
    throw refusalError(refusal as Refusal, input);
  }

  /**
   * One slide image request. The instructions and the product photo come first and the per-slide parts
   * last, so the prefix repeated across a link's requests is billed at Gemini's implicit-cache rate. The
   * sanitised retry leaves out the source slide: the reference photo itself is often what was flagged.
   */
  private async imageRequest(
    input: SlideImageInput,
    sanitised: boolean,
  ): Promise<{ contents: Content[]; config: GenerateContentConfig }> {
    const { plan, slide, slideIndex, photoIndex, slideshow, product } = input;
    const scene = slide.scenes[photoIndex % slide.scenes.length];
    const ref = slideshow.slides[slide.sourceIndex ?? 0];
    const productPart = slide.role === 'product' ? await inlineJpeg(product.photoPath) : undefined;
    const stylePart = !sanitised && ref ? await inlineJpeg(ref.path) : undefined;
    const subjectPart = input.subjectImage ? await inlineJpeg(input.subjectImage) : undefined;
    const text = this.drawsText ? (slide.texts[input.textIndex ?? 0] ?? '') : undefined;
    const parts: Part[] = [
      { text: imageInstructions({ plan, productDescription: product.description, drawsText: this.drawsText }) },
      ...(productPart ? [{ text: 'Product photo:' }, productPart] : []),
      ...(subjectPart ? [{ text: 'Subject reference:' }, subjectPart] : []),
      ...(stylePart ? [{ text: 'Source slide:' }, stylePart] : []),
      {
        text: slideImagePrompt({
          plan,
          slide,
          slideIndex,
          slideCount: plan.slides.length,
          scene,
          productDescription: product.description,
          hasStyleReference: !!stylePart,
          hasProductPhoto: !!productPart,
          hasSubjectReference: !!subjectPart,
          text,
          sanitised,
        }),
      },
    ];
    return {
      contents: [{ role: 'user', parts }],
      config: {
        responseModalities: ['IMAGE'],
        imageConfig: { aspectRatio: plan.aspect, imageSize: this.config.gemini.imageSize },
      },
    };
  }

  async status(): Promise<GeneratorStatus> {
    const keys = await this.pool.health();
    const details = this.describe(keys);
    return { name: 'gemini', ok: details.ok, notices: this.notices(keys), details };
  }

  /** Models, and per key (masked) its state and calls in the current window: `status().details`. */
  async health() {
    return this.describe(await this.pool.health());
  }

  private describe(keys: KeyStates) {
    return {
      generator: 'gemini' as const,
      ok: keys.some((k) => k.state !== 'invalid' && !k.state.startsWith('parked')),
      textModel: this.config.gemini.textModel,
      imageModel: this.config.gemini.imageModel,
      drawsText: this.drawsText,
      keys,
    };
  }

  /** Plain-language states a user should see in batch status: keys resting until the daily reset, or refused. */
  private notices(keys: KeyStates): string[] {
    return keys.flatMap((k) => {
      if (k.state === 'invalid')
        return [`Gemini key ${k.key} was refused (invalid or without permission)${k.reason ? `: ${k.reason}` : ''}`];
      const parked = [k.text, k.image]
        .map((c, i) => ({ c, kind: i ? 'image' : 'text' }))
        .filter(({ c }) => c.state.startsWith('parked_until_'));
      return parked.map(
        ({ c, kind }) =>
          `Gemini key ${k.key} used its daily ${kind} quota; it rests until ${c.state.slice('parked_until_'.length)}`,
      );
    });
  }

  /**
   * One generateContent through the key pool. A per-day 429 parks the key and an auth error sets it
   * aside, then the call moves to the next key (Google refused it, so nothing was spent); a per-minute
   * 429 cools the key for every worker and hands the wait to the queue.
   */
  private async call(
    kind: CallKind,
    step: FailureStep,
    model: string,
    contents: Content[],
    genConfig: GenerateContentConfig,
    tag: string,
    /** How a 200 answer counts in the call metrics: an image answer without an image is a refusal. */
    judge: (res: GenerateContentResponse) => 'ok' | 'refused' = () => 'ok',
  ): Promise<GenerateContentResponse> {
    for (;;) {
      const key: PooledKey = await this.pool.acquire(kind);
      const client = this.clients.get(key.id) as GoogleGenAI;
      try {
        const res = await client.models.generateContent({ model, contents, config: genConfig });
        this.emit({ type: 'call', key: key.masked, kind, outcome: judge(res) });
        return res;
      } catch (e) {
        const failure = classifyGeminiError(e);
        const outcome = (
          {
            rate: 'rate_limited',
            daily: 'daily_quota',
            'invalid-key': 'invalid_key',
            transient: 'unavailable',
            permanent: 'rejected',
          } as const
        )[failure.kind];
        this.emit({ type: 'call', key: key.masked, kind, outcome });
        switch (failure.kind) {
          case 'rate':
            await this.pool.coolDown(key, kind, failure.retryAfterMs);
            throw new TransientError(
              step,
              `Gemini rate limit on key ${key.masked} (${failure.quotaId ?? '429'}); retrying in ${Math.ceil(failure.retryAfterMs / 1000)}s`,
              failure.retryAfterMs,
              'RATE_LIMITED',
            );
          case 'daily':
            await this.pool.park(key, kind, failure.quotaId ?? failure.message);
            continue;
          case 'invalid-key':
            await this.pool.markInvalid(key, failure.message);
            continue;
          case 'transient':
            this.logger.warn(`link ${tag}: Gemini ${kind} call failed (${failure.message}); will retry`);
            throw new TransientError(
              step,
              `Gemini unavailable: ${failure.message}`,
              failure.retryAfterMs,
              'GEMINI_UNAVAILABLE',
            );
          case 'permanent':
            throw new PermanentError(step, `Gemini rejected the request: ${failure.message}`, 'GEMINI_REJECTED');
        }
      }
    }
  }

  private throwIfBlocked(res: GenerateContentResponse, want: CallKind, step: FailureStep): void {
    const block = findBlock(res, want);
    if (block) throw new PermanentError(step, `blocked by Gemini safety filters: ${block}`, 'SAFETY_BLOCK');
  }

  /** Parses and validates the JSON plan; the fields we asked for by number are set, not trusted. */
  private checkPlan(
    res: GenerateContentResponse,
    expect: { p: number; t: number; sourceSlides: number },
    slideshow: FetchedSlideshow,
  ) {
    const raw = (res.text ?? '').trim().replace(/^```(?:json)?\s*|\s*```$/g, '');
    const cut =
      res.candidates?.[0]?.finishReason === 'MAX_TOKENS' ? ' (the answer was cut off at the token limit)' : '';
    let candidate: unknown;
    try {
      candidate = JSON.parse(raw);
    } catch (e) {
      return { ok: false, errors: [`not valid JSON${cut}: ${(e as Error).message}`] };
    }
    if (candidate && typeof candidate === 'object' && !Array.isArray(candidate)) {
      const c = candidate as Record<string, unknown>;
      Object.assign(c, { version: 2, photoVariations: expect.p, textVariations: expect.t });
      if (Array.isArray(c.captions)) c.captions = c.captions.slice(0, expect.t);
      // Source text and text style are read off the source by the app, not taken from the model.
      const texts = slideshow.slides.map((s) => s.text);
      const styles = slideStyles(texts);
      const dominant = dominantStyle(texts);
      if (Array.isArray(c.slides)) {
        for (const s of c.slides as Array<Record<string, unknown>>) {
          if (!s || typeof s !== 'object') continue;
          if (Array.isArray(s.scenes)) s.scenes = s.scenes.slice(0, expect.p);
          if (Array.isArray(s.texts)) s.texts = s.texts.slice(0, expect.t);
          const k = typeof s.sourceIndex === 'number' ? s.sourceIndex : null;
          s.sourceText = k === null ? '' : slideWords(texts[k]);
          s.style = (k === null ? undefined : styles[k]) ?? dominant;
        }
      }
    }
    return validatePlan(candidate, expect);
  }

  /** An image counts only if it decodes fully, is at least 512 px on its short side and has the plan's shape. */
  /** A returned image, checked and with any text it still carries inpainted out (free, no paid retry). */
  private async acceptImage(res: GenerateContentResponse, input: SlideImageInput, tag: string): Promise<Buffer> {
    const image = await cleanReturnedImage(this.scrubber, await this.checkImage(res, input.plan.aspect, tag), {
      tag,
      planned: this.drawsText ? (input.slide.texts[input.textIndex ?? 0] ?? '') : undefined,
    });
    this.emit({ type: 'image-made' });
    return image;
  }

  private async checkImage(
    res: GenerateContentResponse,
    aspect: SlideshowPlan['aspect'],
    tag: string,
  ): Promise<Buffer> {
    const part = res.candidates?.[0]?.content?.parts?.find(
      (p) => p.inlineData?.data && p.inlineData.mimeType?.startsWith('image/'),
    );
    const bytes = Buffer.from(part?.inlineData?.data ?? '', 'base64');
    let width: number;
    let height: number;
    try {
      const { info } = await sharp(bytes).raw().toBuffer({ resolveWithObject: true });
      width = info.width;
      height = info.height;
    } catch (e) {
      throw new TransientError(
        'generation',
        `Gemini returned an image that does not decode (${(e as Error).message})`,
        undefined,
        'BAD_IMAGE',
      );
    }
    const problem =
      Math.min(width, height) < MIN_IMAGE_SIDE
        ? `too small (${width}×${height})`
        : Math.abs(width / height / ASPECT_RATIO[aspect] - 1) > ASPECT_TOLERANCE
          ? `wrong shape (${width}×${height}, wanted ${aspect})`
          : undefined;
    if (problem)
      throw new TransientError('generation', `Gemini returned an unusable image: ${problem}`, undefined, 'BAD_IMAGE');
    this.logger.log(`link ${tag}: image ${width}×${height} ok`);
    return bytes;
  }
}
export { estimateCalls, estimateForConfig } from '../estimate';
