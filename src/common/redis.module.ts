import { Global, Inject, Module, OnApplicationShutdown } from '@nestjs/common';
import Redis from 'ioredis';
import { AppConfig } from '../config/config.schema';
import { APP_CONFIG } from '../config/config.module';
import { RedisRateLimiter } from './rate-limiter';
import { RedisConnection } from './redis-connection';

export const REDIS = Symbol('REDIS');
export const InjectRedis = () => Inject(REDIS);

/**
 * One ioredis connection for the app's own keys (rate limits, locks, heartbeats, cancel flags); Bull keeps
 * its own. Keys are namespaced by QUEUE_PREFIX so tests and deployments sharing a Redis stay apart.
 */
@Global()
@Module({
  providers: [
    {
      provide: REDIS,
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig) =>
        new Redis(config.redisUrl, { maxRetriesPerRequest: 3, enableOfflineQueue: true, lazyConnect: false }),
    },
    { provide: RedisConnection, inject: [REDIS], useFactory: (redis: Redis) => new RedisConnection(redis) },
    {
      provide: RedisRateLimiter,
      inject: [REDIS, APP_CONFIG],
      useFactory: (redis: Redis, config: AppConfig) => new RedisRateLimiter(redis, config.queuePrefix),
    },
  ],
  exports: [REDIS, RedisRateLimiter, RedisConnection],
})
export class RedisModule implements OnApplicationShutdown {
  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    private readonly connection: RedisConnection,
  ) {}

  async onApplicationShutdown(): Promise<void> {
    this.connection.stop();
    await this.redis.quit().catch(() => this.redis.disconnect());
  }
}
