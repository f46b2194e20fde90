import Redis from 'ioredis';

/**
 * Integration specs use the real Redis (REDIS_URL, default 127.0.0.1:6379). Fail fast with a message
 * saying how to start one instead of letting every spec time out.
 */
export default async function globalSetup(): Promise<void> {
  const url = process.env.REDIS_URL || 'redis://127.0.0.1:6379';
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1, retryStrategy: () => null });
  try {
    await redis.connect();
    await redis.ping();
  } catch (e) {
    throw new Error(
      `Tests need Redis at ${url} (${(e as Error).message}). Start one: redis-server --daemonize yes --port 6379 --save ""`,
      { cause: e },
    );
  } finally {
    redis.disconnect();
  }
}
