import { Controller, Get, Inject, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Response } from 'express';
import { DataSource } from 'typeorm';
import { WorkQueues } from '../batches/work-queues';
import { RedisConnection } from '../common/redis-connection';
import { withTimeout } from '../common/with-timeout';
import { AppConfig } from '../config/config.schema';
import { InjectConfig } from '../config/config.module';
import { STORAGE, Storage } from '../drive/storage.interface';
import { GENERATOR, Generator } from '../generation/generator.interface';
import { PublishingQueue } from '../publishing/publishing.queue';
import { WorkerHeartbeatService } from './worker-heartbeat.service';

/** Database, Redis, queues, live workers and providers; 503 when the database or Redis is down. */
@ApiTags('health')
@Controller('api/health')
export class HealthController {
  constructor(
    @InjectDataSource() private readonly ds: DataSource,
    private readonly redis: RedisConnection,
    private readonly queues: WorkQueues,
    private readonly publishing: PublishingQueue,
    @Inject(GENERATOR) private readonly generator: Generator,
    @Inject(STORAGE) private readonly storage: Storage,
    @InjectConfig() private readonly config: AppConfig,
    private readonly heartbeats: WorkerHeartbeatService,
  ) {}

  @Get()
  @ApiOperation({ summary: 'Health of the database, Redis, queues, workers and providers.' })
  @ApiOkResponse({ description: 'Everything needed to take and run batches is up.' })
  @ApiServiceUnavailableResponse({ description: 'The database or Redis is down; the body says which.' })
  async health(@Res() res: Response): Promise<void> {
    const check = async <T>(fn: () => Promise<T>) => {
      try {
        return { ok: true as const, ...(await withTimeout(fn(), 2000)) };
      } catch (e) {
        return { ok: false as const, error: (e as Error).message };
      }
    };
    const database = await check(async () => (await this.ds.query('SELECT 1'), { type: this.config.database.type }));
    // While the connection is lost this says so at once, with the time it was lost, instead of a timeout.
    const redis = await check(() => this.redis.check());
    const queues = redis.ok
      ? await check(async () => ({
          batches: await this.queues.batches.queue.getJobCounts(),
          links: await this.queues.links.queue.getJobCounts(),
          variations: await this.queues.variations.queue.getJobCounts(),
          publishing: await this.publishing.queue.getJobCounts(),
        }))
      : { ok: false as const, error: 'Redis is down' };
    const workers = redis.ok ? await this.heartbeats.live().catch(() => []) : [];
    const generator = {
      name: this.generator.name,
      ...(await this.generator
        .status()
        .then((st) => st.details)
        .catch((e: Error) => ({ error: e.message }))),
    };
    const p = this.config.publishing;
    // Sending to TikTok is optional: when it is not set up, health says what is missing but stays ok.
    const publisher = p.enabled
      ? {
          name: 'tiktok',
          enabled: true,
          mode: p.tiktok.directPost ? 'direct or drafts' : 'drafts',
          publicBaseUrl: p.publicBaseUrl,
        }
      : { name: 'tiktok', enabled: false, reason: `sending to TikTok is disabled: set ${p.missing.join(', ')}` };
    const ok = database.ok && redis.ok;
    res.status(ok ? 200 : 503).json({
      status: ok ? 'ok' : 'down',
      database,
      redis,
      queues,
      workers: { count: workers.length, list: workers },
      providers: {
        generator,
        storage: { name: this.storage.name },
        source: { tiktokBaseUrl: this.config.source.tiktokBaseUrl },
        publisher,
      },
    });
  }
}
