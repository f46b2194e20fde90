import * as fs from 'node:fs';
import * as path from 'node:path';
import Redis from 'ioredis';
import sharp from 'sharp';
import { isPermanent, isTransient, PermanentError, TransientError } from '../src/common/errors';
import { RedisRateLimiter } from '../src/common/rate-limiter';
import { AppConfig } from '../src/config/config.schema';
import { estimateCalls, estimateForConfig } from '../src/generation/estimate';
import { GeminiGenerator } from '../src/generation/gemini/gemini-generator';
import { AnalysisInput, SlideImageInput } from '../src/generation/generator.interface';
import { SlideshowPlan, validatePlan } from '../src/pipeline/plan';
import { FetchedSlideshow } from '../src/pipeline/slideshow';
import { FakeGemini } from './fakes/fake-gemini';
import { testConfig } from './helpers/test-config';

/** GeminiGenerator through the real @google/genai SDK against a loopback Gemini, with real Redis for quota state. */
const KEY_A = 'AIzaSyTEST-key-aaaaaaaaaaaaaaaaaaaaa1111';
const KEY_B = 'AIzaSyTEST-key-bbbbbbbbbbbbbbbbbbbbb2222';

describe('GeminiGenerator (@google/genai → fake Gemini)', () => {
  let fake: FakeGemini;
  let redis: Redis;
  const prefixes: string[] = [];

  beforeAll(async () => {
    fake = await FakeGemini.start();
    redis = new Redis(process.env.REDIS_URL || 'redis://127.0.0.1:6379');
  });
  afterAll(async () => {
    for (const prefix of prefixes) {
      const keys = await redis.keys(`${prefix}:*`);
      if (keys.length) await redis.del(...keys);
    }
    redis.disconnect();
    await fake.close();
  });
  beforeEach(() => fake.reset());

  async function setup(env: Record<string, string> = {}) {
    const config = await testConfig({
      GENERATOR: 'gemini',
      GEMINI_API_KEYS: KEY_A,
      GEMINI_BASE_URL: fake.baseUrl,
      GEMINI_TEXT_MODEL: 'fake-text-model',
      GEMINI_IMAGE_MODEL: 'fake-image-model',
      ...env,
    });
    prefixes.push(config.queuePrefix);
    const worker = () => new GeminiGenerator(config, new RedisRateLimiter(redis, config.queuePrefix), redis);
    return { config, gen: worker(), worker };
  }

  async function slideshow(config: AppConfig, n = 4): Promise<{ slideshow: FetchedSlideshow; photoPath: string }> {
    const dir = path.join(config.dataDir, 'src');
    fs.mkdirSync(dir, { recursive: true });
    const slides = await Promise.all(
      Array.from({ length: n }, async (_, i) => {
        const p = path.join(dir, `${i}.jpg`);
        await sharp({ create: { width: 720, height: 960, channels: 3, background: { r: 40 * i, g: 90, b: 160 } } })
          .jpeg()
          .toFile(p);
        return { index: i, path: p, width: 720, height: 960 };
      }),
    );
    const photoPath = path.join(dir, 'product.jpg');
    await sharp({ create: { width: 800, height: 800, channels: 3, background: '#cc3366' } })
      .jpeg()
      .toFile(photoPath);
    return {
      slideshow: {
        postId: '7300000000000000001',
        caption: 'my morning routine',
        url: 'https://www.tiktok.com/@u/photo/7300000000000000001',
        slides,
        source: 'tiktok',
      },
      photoPath,
    };
  }

  async function analysisInput(config: AppConfig, p = 2, t = 3): Promise<AnalysisInput> {
    const { slideshow: s, photoPath } = await slideshow(config);
    return {
      linkId: 'link-1',
      slideshow: s,
      product: { photoPath, description: 'A pink ceramic mug' },
      photoVariations: p,
      textVariations: t,
    };
  }

  function imageInput(
    a: AnalysisInput,
    plan: SlideshowPlan,
    slideIndex: number,
    photoIndex = 0,
    textIndex?: number,
  ): SlideImageInput {
    return {
      linkId: a.linkId,
      plan,
      slideIndex,
      slide: plan.slides[slideIndex],
      photoIndex,
      slideshow: a.slideshow,
      product: a.product,
      width: 1080,
      height: 1440,
      textIndex,
    };
  }

  async function planned(env: Record<string, string> = {}) {
    const ctx = await setup(env);
    const input = await analysisInput(ctx.config, 2, 2);
    const plan = await ctx.gen.analyse(input);
    fake.reset();
    return { ...ctx, input, plan };
  }

  it('analyse: one text call with every slide and the product photo returns a valid plan', async () => {
    const { gen, config } = await setup();
    const input = await analysisInput(config, 2, 3);
    const plan = await gen.analyse(input);
    expect(validatePlan(plan, { p: 2, t: 3, sourceSlides: 4 }).ok).toBe(true);
    expect(fake.calls).toHaveLength(1);
    expect(fake.calls[0]).toMatchObject({ kind: 'text', model: 'fake-text-model', key: KEY_A, images: 5, status: 200 });
    expect(fake.calls[0].prompt).toContain('A pink ceramic mug');
  });

  it('analyse: a truncated plan gets exactly one repair call with the errors, then succeeds', async () => {
    const { gen, config } = await setup();
    fake.fail({ type: 'malformed' }, { kind: 'text' });
    const plan = await gen.analyse(await analysisInput(config));
    expect(plan.slides.filter((s) => s.role === 'product')).toHaveLength(1);
    expect(fake.calls).toHaveLength(2);
    expect(fake.calls[1].turns).toBe(3);
    expect(fake.calls[1].prompt).toMatch(/not valid JSON \(the answer was cut off/);
  });

  it('analyse: an invalid plan twice fails permanently after exactly two calls', async () => {
    const { gen, config } = await setup();
    fake.fail({ type: 'invalid-plan' }, { kind: 'text', times: 2 });
    const err = await gen.analyse(await analysisInput(config)).catch((e: unknown) => e);
    expect(isPermanent(err)).toBe(true);
    expect((err as PermanentError).step).toBe('analysis');
    expect((err as Error).message).toMatch(/invalid plan twice: .*exactly one product slide/);
    expect(fake.calls).toHaveLength(2);
  });

  it('makeSlideImage: one image call with aspect, source slide (and product photo for the product slide); checked image', async () => {
    const { gen, input, plan } = await planned();
    const body = await gen.makeSlideImage(imageInput(input, plan, 1, 1));
    const meta = await sharp(body).metadata();
    expect([meta.width, meta.height]).toEqual([1792, 2400]);
    const productIndex = plan.slides.findIndex((s) => s.role === 'product');
    await gen.makeSlideImage(imageInput(input, plan, productIndex, 0));
    expect(fake.calls.map((c) => [c.kind, c.aspectRatio, c.imageSize, c.images])).toEqual([
      ['image', '3:4', '2K', 1],
      ['image', '3:4', '2K', 2],
    ]);
    expect(fake.calls[0].prompt).toContain(plan.slides[1].scenes[1]);
    expect(fake.calls[0].prompt).toMatch(/No text of any kind/);
    expect(gen.drawsText).toBe(false);
  });

  it.each([
    ['1K', [896, 1200]],
    ['4K', [3584, 4800]],
  ])('GEMINI_IMAGE_SIZE=%s is asked for and the image comes back at that size', async (size, dims) => {
    const { gen, input, plan } = await planned({ GEMINI_IMAGE_SIZE: size });
    const meta = await sharp(await gen.makeSlideImage(imageInput(input, plan, 0))).metadata();
    expect([meta.width, meta.height]).toEqual(dims);
    expect(fake.calls.map((c) => c.imageSize)).toEqual([size]);
  });

  it('GEMINI_TEXT_MODE=model: the overlay text of the asked text variant is in the prompt', async () => {
    const { gen, input, plan } = await planned({ GEMINI_TEXT_MODE: 'model' });
    expect(gen.drawsText).toBe(true);
    await gen.makeSlideImage(imageInput(input, plan, 0, 0, 1));
    expect(fake.calls[0].prompt).toContain(`"${plan.slides[0].texts[1]}"`);
  });

  it('an undersized image does not count: TransientError', async () => {
    const { gen, input, plan } = await planned();
    fake.fail({ type: 'bad-image' });
    const err = await gen.makeSlideImage(imageInput(input, plan, 0)).catch((e: unknown) => e);
    expect(isTransient(err)).toBe(true);
    expect((err as TransientError).code).toBe('BAD_IMAGE');
  });

  it('503 → TransientError without a fixed delay (the queue backs off)', async () => {
    const { gen, input, plan } = await planned();
    fake.fail({ type: 'unavailable' });
    const err = await gen.makeSlideImage(imageInput(input, plan, 0)).catch((e: unknown) => e);
    expect(isTransient(err)).toBe(true);
    expect((err as TransientError).retryAfterMs).toBeUndefined();
  });

  it('per-minute 429 → TransientError with RetryInfo delay; the key cools down for another worker too', async () => {
    const { gen, worker, input, plan } = await planned();
    fake.fail({ type: 'rate-minute', retryDelay: '1.5s' });
    const err = await gen.makeSlideImage(imageInput(input, plan, 0)).catch((e: unknown) => e);
    expect(isTransient(err)).toBe(true);
    expect((err as TransientError).retryAfterMs).toBe(1500);
    expect((err as TransientError).code).toBe('RATE_LIMITED');

    const other = worker();
    const health = await other.health();
    expect(health.keys[0]).toMatchObject({ key: 'AIza…1111', state: 'cooling' });
    await other.makeSlideImage(imageInput(input, plan, 0));
    // The second worker's call reached Gemini only once the cooldown had passed.
    expect(fake.calls).toHaveLength(2);
    expect(fake.calls[1].at - fake.calls[0].at).toBeGreaterThanOrEqual(1400);
  });

  it('per-day 429 → key parked until the Pacific reset and shown in health; the same call moves to the other key', async () => {
    const { gen, worker, input, plan } = await planned({ GEMINI_API_KEYS: `${KEY_A},${KEY_B}` });
    fake.exhaustedKeys.add(KEY_A);
    for (let i = 0; i < 3; i++) await gen.makeSlideImage(imageInput(input, plan, i));
    const image = fake.calls.filter((c) => c.kind === 'image');
    expect(image.filter((c) => c.key === KEY_A)).toHaveLength(1);
    expect(image.filter((c) => c.status === 200).map((c) => c.key)).toEqual([KEY_B, KEY_B, KEY_B]);

    const health = await worker().health();
    const a = health.keys.find((k) => k.key === 'AIza…1111');
    expect(a?.image.state).toMatch(/^parked_until_\d{4}-\d\d-\d\dT(07|08):00:00\.000Z$/);
    expect(a?.text.state).toBe('ok');
    expect(JSON.stringify(health)).not.toContain(KEY_A);

    fake.exhaustedKeys.add(KEY_B);
    const err = await gen.makeSlideImage(imageInput(input, plan, 0)).catch((e: unknown) => e);
    expect(isTransient(err)).toBe(true);
    expect((err as TransientError).code).toBe('DAILY_QUOTA');
    expect((err as Error).message).toMatch(/daily image quota; it resets at/);
  });

  it('two keys are used in turn', async () => {
    const { gen, input, plan } = await planned({ GEMINI_API_KEYS: `${KEY_A},${KEY_B}` });
    for (let i = 0; i < 4; i++) await gen.makeSlideImage(imageInput(input, plan, i % plan.slides.length));
    const keys = fake.calls.map((c) => c.key);
    expect(new Set(keys)).toEqual(new Set([KEY_A, KEY_B]));
    for (let i = 1; i < keys.length; i++) expect(keys[i]).not.toBe(keys[i - 1]);
  });

  it('an invalid key is set aside with a clear health message; the call uses the other key', async () => {
    const { gen, input, plan } = await planned({ GEMINI_API_KEYS: `${KEY_A},${KEY_B}` });
    fake.invalidKeys.add(KEY_A);
    await gen.makeSlideImage(imageInput(input, plan, 0));
    await gen.makeSlideImage(imageInput(input, plan, 1));
    expect(fake.calls.filter((c) => c.key === KEY_A)).toHaveLength(1);
    const health = await gen.health();
    expect(health.keys.find((k) => k.key === 'AIza…1111')).toMatchObject({
      state: 'invalid',
      reason: expect.stringMatching(/API key not valid/),
    });
    expect(health.ok).toBe(true);

    fake.invalidKeys.add(KEY_B);
    const only = await setup({ GEMINI_API_KEYS: KEY_B });
    const err = await only.gen.makeSlideImage(imageInput(input, plan, 0)).catch((e: unknown) => e);
    expect(isPermanent(err)).toBe(true);
    expect((err as Error).message).toMatch(/rejected as invalid/);
  });

  it('a safety block gets one sanitised retry (without the source slide) that succeeds', async () => {
    const { gen, input, plan } = await planned();
    fake.fail({ type: 'blocked', how: 'finish' }, { kind: 'image' });
    await gen.makeSlideImage(imageInput(input, plan, 1));
    expect(fake.calls.map((c) => [c.fault ?? 'ok', c.images])).toEqual([
      ['blocked', 1],
      ['ok', 0],
    ]);
    expect(fake.calls[1].prompt).toMatch(/safe for all audiences/);
  });

  it('blocked twice → PermanentError naming the safety filter, after exactly two calls', async () => {
    const { gen, input, plan } = await planned();
    fake.fail({ type: 'blocked', how: 'no-image' }, { kind: 'image', times: 2 });
    const err = await gen.makeSlideImage(imageInput(input, plan, 1)).catch((e: unknown) => e);
    expect(isPermanent(err)).toBe(true);
    expect((err as PermanentError).step).toBe('generation');
    expect((err as Error).message).toMatch(/^Slide 2 \(photo variant 1\): the model declined to draw this slide/);
    expect(fake.calls).toHaveLength(2);
  });

  it.each([
    ['IMAGE_SAFETY', 'SAFETY', /refused the scene under its safety rules \(IMAGE_SAFETY\)\. Reword this slide's scene/],
    ['IMAGE_PROHIBITED_CONTENT', 'SAFETY', /refused the scene under its safety rules \(IMAGE_PROHIBITED_CONTENT\)/],
    ['IMAGE_RECITATION', 'RECITATION', /too close to an existing image \(IMAGE_RECITATION\)/],
    ['NO_IMAGE', 'DECLINED', /the model declined to draw this slide \(NO_IMAGE\)/],
    // The SDK drops finishMessage on the Gemini API path, so only the reason shows.
    ['IMAGE_OTHER', 'DECLINED', /declined to draw this slide \(IMAGE_OTHER\)\. Simplify or reword/],
    ['no-image', 'DECLINED', /declined to draw this slide \(TEXT_ONLY\)\..*I can't help create that image/],
    ['prompt', 'PROMPT_BLOCKED', /blocked the request itself \(blockReason PROHIBITED_CONTENT\)/],
  ] as const)('refusal %s: one reworded retry, then a reason in words (IMAGE_REFUSED_%s)', async (how, code, words) => {
    const { gen, input, plan } = await planned();
    fake.fail({ type: 'blocked', how }, { kind: 'image', times: 2 });
    const err = await gen.makeSlideImage(imageInput(input, plan, 2, 1)).catch((e: unknown) => e);
    expect(isPermanent(err)).toBe(true);
    expect((err as PermanentError).code).toBe(`IMAGE_REFUSED_${code}`);
    expect((err as Error).message).toMatch(/^Slide 3 \(photo variant 2\): /);
    expect((err as Error).message).toMatch(words);
    expect(fake.calls.map((c) => c.fault)).toEqual(['blocked', 'blocked']);
    expect(fake.calls[1].prompt).toMatch(/safe for all audiences/);
    expect(fake.calls[0].prompt).not.toMatch(/safe for all audiences/);
  });

  it('the sliding-window RPM holds across two generator instances hammering one key', async () => {
    const windowMs = 1000;
    const { worker, input, plan } = await planned({ GEMINI_IMAGE_RPM: '5', GEMINI_RATE_WINDOW_MS: String(windowMs) });
    // The fake refuses anything over the limit, so a leak shows up as a failed call as well as in the log.
    fake.enforce = { limit: 5, windowMs, retryDelay: '1s' };
    const [w1, w2] = [worker(), worker()];
    const jobs = Array.from({ length: 14 }, (_, i) =>
      (i % 2 ? w1 : w2).makeSlideImage(imageInput(input, plan, i % plan.slides.length)),
    );
    await Promise.all(jobs);
    const times = fake.calls.map((c) => c.at).sort((a, b) => a - b);
    expect(times).toHaveLength(14);
    const worst = Math.max(...times.map((t) => times.filter((u) => u >= t && u < t + windowMs).length));
    expect(worst).toBeLessThanOrEqual(5);
  });
});

describe('estimateCalls', () => {
  it('counts one analysis per link and one image per (slide, p), or per (slide, p, t) when the model draws text', () => {
    const prices = { pricePerTextCall: 0.002, pricePerImageCall: 0.039 };
    expect(estimateCalls({ links: 10, p: 2, t: 3, textMode: 'renderer' }, prices)).toEqual({
      textCalls: 10,
      imageCalls: 120,
      cost: 4.7,
      economyCost: 2.36,
    });
    expect(estimateCalls({ links: 1, slidesPerLink: 5, p: 2, t: 3, textMode: 'model' }, prices)).toEqual({
      textCalls: 1,
      imageCalls: 30,
      cost: 1.17,
      economyCost: 0.59,
    });
    expect(estimateCalls({ links: 10, p: 2, t: 3, textMode: 'renderer', generator: 'local' }, prices)).toEqual({
      textCalls: 0,
      imageCalls: 0,
      cost: 0,
      economyCost: 0,
    });
  });

  it('prices image calls at the configured GEMINI_IMAGE_SIZE; one number prices every size', async () => {
    const at = async (env: Record<string, string>) =>
      estimateForConfig(await testConfig({ GEMINI_API_KEYS: KEY_A, ...env }), {
        links: 1,
        slidesPerLink: 10,
        p: 1,
        t: 1,
      });
    expect(await at({ PRICE_PER_TEXT_CALL: '0' })).toMatchObject({ imageCalls: 10, cost: 1.01, economyCost: 0.51 });
    expect(await at({ PRICE_PER_TEXT_CALL: '0', GEMINI_IMAGE_SIZE: '4K' })).toMatchObject({ cost: 1.51 });
    expect(await at({ PRICE_PER_TEXT_CALL: '0', PRICE_PER_IMAGE_CALL: '0.04', GEMINI_IMAGE_SIZE: '1K' })).toMatchObject(
      {
        cost: 0.4,
        economyCost: 0.2,
      },
    );
    await expect(testConfig({ PRICE_PER_IMAGE_CALL: '1K=0.1' })).rejects.toThrow(
      /PRICE_PER_IMAGE_CALL: no price for 2K, 4K/,
    );
  });

  it('derives the rate-limit time from RPM and keys', async () => {
    const config = await testConfig({ GEMINI_API_KEYS: `${KEY_A},${KEY_B}`, GEMINI_IMAGE_RPM: '10' });
    expect(estimateForConfig(config, { links: 2, slidesPerLink: 5, p: 2, t: 1 })).toMatchObject({
      generator: 'gemini',
      imageCalls: 20,
      minSecondsAtRateLimit: 60,
    });
  });
});
