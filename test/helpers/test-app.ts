import type { LoggerService } from '@nestjs/common';
import { NestExpressApplication } from '@nestjs/platform-express';
import { Test } from '@nestjs/testing';
import { getQueueToken } from '@nestjs/bull';
import type { Queue } from 'bull';
import request from 'supertest';
import sharp from 'sharp';
import { DataSource } from 'typeorm';
import { AppModule } from '../../src/app.module';
import { configureApp } from '../../src/app.factory';
import { AppConfig } from '../../src/config/config.schema';
import { GENERATOR, Generator } from '../../src/generation/generator.interface';
import { SLIDESHOW_SOURCE, SlideshowSource } from '../../src/pipeline/slideshow';
import { REDIS } from '../../src/common/redis.module';
import type Redis from 'ioredis';

export interface TestApp {
  app: NestExpressApplication;
  http: ReturnType<typeof request>;
  config: AppConfig;
  ds: DataSource;
  close(): Promise<void>;
}

/**
 * Boots the real app (real Redis, real database, real queues and processors) for one config; providers
 * named in `overrides` (the slideshow source, the generator) are replaced by test doubles.
 */
export async function startTestApp(
  config: AppConfig,
  overrides: { source?: SlideshowSource; generator?: Generator; logger?: LoggerService } = {},
): Promise<TestApp> {
  let builder = Test.createTestingModule({ imports: [AppModule.register(config)] });
  if (overrides.source) builder = builder.overrideProvider(SLIDESHOW_SOURCE).useValue(overrides.source);
  if (overrides.generator) builder = builder.overrideProvider(GENERATOR).useValue(overrides.generator);
  const moduleRef = await builder.compile();
  const app = moduleRef.createNestApplication<NestExpressApplication>({
    bodyParser: false,
    logger: overrides.logger ?? (process.env.TEST_LOG ? ['error', 'warn', 'log'] : ['error', 'warn']),
  });
  await configureApp(app, config);
  const ds = app.get(DataSource);
  return {
    app,
    http: request(app.getHttpServer()),
    config,
    ds,
    close: async () => {
      await app.close();
    },
  };
}

/** Deletes this test's Bull keys and app keys from Redis. */
export async function cleanupRedis(t: TestApp): Promise<void> {
  for (const name of ['batches', 'links', 'variations', 'publishing']) {
    const q = t.app.get<Queue>(getQueueToken(name));
    await q.obliterate({ force: true }).catch(() => undefined);
  }
  const redis = t.app.get<Redis>(REDIS);
  const keys = await redis.keys(`${t.config.queuePrefix}:*`);
  if (keys.length) await redis.del(...keys);
}

/** A real product (photo + description) through the API. */
export async function createProduct(
  t: TestApp,
  description = 'Glow serum: vitamin C for brighter skin',
): Promise<string> {
  const photo = await sharp({ create: { width: 400, height: 400, channels: 3, background: { r: 230, g: 80, b: 60 } } })
    .jpeg()
    .toBuffer();
  const res = await t.http
    .post('/api/products')
    .field('description', description)
    .attach('photo', photo, 'product.jpg');
  if (res.status !== 201) throw new Error(`product upload failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.id as string;
}

export function tiktokLinks(n: number, start = 1): string[] {
  return Array.from(
    { length: n },
    (_, i) => `https://www.tiktok.com/@maker/photo/${7300000000000000000n + BigInt(start + i)}`,
  );
}

/** Polls the status endpoint until the batch reaches a final status (or the timeout passes). */
export async function waitForEnd(t: TestApp, batchId: string, timeoutMs = 60_000): Promise<Record<string, any>> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const res = await t.http.get(`/api/batch/${batchId}/status`);
    if (['completed', 'completed_with_errors', 'failed', 'cancelled'].includes(res.body.status)) return res.body;
    if (Date.now() > end)
      throw new Error(`batch ${batchId} did not end in ${timeoutMs} ms: ${JSON.stringify(res.body)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Starts a batch of one variation per link for `links` with a new product and waits for its end; its id. */
export async function finishedBatch(t: TestApp, links: string[], timeoutMs = 60_000): Promise<string> {
  const res = await t.http
    .post('/api/batch')
    .send({ links, productId: await createProduct(t), photoVariations: 1, textVariations: 1 });
  if (res.status !== 201) throw new Error(`batch refused: ${res.status} ${JSON.stringify(res.body)}`);
  await waitForEnd(t, res.body.id, timeoutMs);
  return res.body.id;
}
