import * as os from 'node:os';
import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import type Redis from 'ioredis';
import { RedisConnection } from '../common/redis-connection';
import { InjectRedis } from '../common/redis.module';
import { AppConfig } from '../config/config.schema';
import { InjectConfig } from '../config/config.module';

export interface WorkerBeat {
  id: string;
  host: string;
  pid: number;
  queues: string[];
  concurrency: number;
  startedAt: string;
  lastBeatAt: string;
}

const BEAT_MS = 5_000;
const TTL_MS = 20_000;

/** Each process that consumes jobs says so in Redis every few seconds; /api/health lists the live ones. */
@Injectable()
export class WorkerHeartbeatService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(WorkerHeartbeatService.name);
  private timer?: NodeJS.Timeout;
  private readonly id = `${os.hostname()}:${process.pid}`;
  private readonly startedAt = new Date().toISOString();

  constructor(
    @InjectRedis() private readonly redis: Redis,
    @InjectConfig() private readonly config: AppConfig,
    private readonly connection: RedisConnection,
  ) {}

  private key(id: string): string {
    return `${this.config.queuePrefix}:workers:${id}`;
  }

  onApplicationBootstrap(): void {
    if (!this.config.workers.enabled) return;
    // During an outage RedisConnection has said so once; no warning per missed beat.
    const beat = () =>
      this.connection.state().connected &&
      this.redis
        .set(this.key(this.id), JSON.stringify(this.beat()), 'PX', TTL_MS)
        .catch((e: Error) => this.logger.warn(`heartbeat failed: ${e.message}`));
    void beat();
    this.timer = setInterval(beat, BEAT_MS);
    this.timer.unref();
    this.logger.log(`worker ${this.id} started (concurrency ${this.config.workers.concurrency})`);
  }

  private beat(): WorkerBeat {
    return {
      id: this.id,
      host: os.hostname(),
      pid: process.pid,
      queues: ['batches', 'links', 'variations', 'publishing'],
      concurrency: this.config.workers.concurrency,
      startedAt: this.startedAt,
      lastBeatAt: new Date().toISOString(),
    };
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    if (this.config.workers.enabled) await this.redis.del(this.key(this.id)).catch(() => undefined);
  }

  async live(): Promise<WorkerBeat[]> {
    const keys: string[] = [];
    let cursor = '0';
    do {
      const [next, found] = await this.redis.scan(cursor, 'MATCH', this.key('*'), 'COUNT', 200);
      cursor = next;
      keys.push(...found);
    } while (cursor !== '0');
    if (!keys.length) return [];
    const values = await this.redis.mget(keys);
    return values.filter((v): v is string => !!v).map((v) => JSON.parse(v) as WorkerBeat);
  }
}
