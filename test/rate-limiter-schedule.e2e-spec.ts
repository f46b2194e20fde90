import Redis from 'ioredis';
import { RedisRateLimiter } from '../src/common/rate-limiter';

const REDIS_URL = process.env.REDIS_URL || 'redis://127.0.0.1:6379';

/**
 * The start gate books slots on the limiter's schedule: one Redis call per start (no polling for freed slots),
 * never more than the limit in any window, and a booking given back when the waiter is cancelled.
 */
describe('RedisRateLimiter.acquireScheduled', () => {
  let redis: Redis;
  let calls: number;
  let limiter: RedisRateLimiter;
  const prefix = `rlsched${process.pid}_${Math.random().toString(36).slice(2, 6)}`;

  beforeEach(() => {
    redis = new Redis(REDIS_URL);
    calls = 0;
    // Counts the scripts sent (the real client underneath): a polling acquirer sends one per wake-up.
    const evalCmd = redis.eval.bind(redis);
    redis.eval = ((...args: Parameters<Redis['eval']>) => {
      calls++;
      return evalCmd(...args);
    }) as Redis['eval'];
    limiter = new RedisRateLimiter(redis, prefix);
  });

  afterEach(async () => {
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length) await redis.del(...keys);
    redis.disconnect();
  });

  /** Redis-clock instants of the grants in the limiter's log. */
  async function grants(name: string): Promise<number[]> {
    const log = await redis.zrange(`${prefix}:rl:${name}`, 0, -1, 'WITHSCORES');
    return log.filter((_, i) => i % 2 === 1).map(Number);
  }

  it('grants 9 concurrent acquirers of 3 per window with one Redis call each, never 4 in a window', async () => {
    const windowMs = 400;
    const enforced = windowMs + 20; // the limiter's margin (20 ms at this window)
    const done = await Promise.all(Array.from({ length: 9 }, () => limiter.acquireScheduled('s', 3, windowMs)));
    expect(done).toEqual(Array(9).fill(true));
    expect(calls).toBe(9);
    const at = await grants('s');
    // The log keeps the last window's grants: the later ones, at least one full batch of three.
    expect(at.length).toBeGreaterThanOrEqual(3);
    for (let i = 3; i < at.length; i++) expect(at[i] - at[i - 3]).toBeGreaterThanOrEqual(enforced);
  });

  it('gives the booking back when the waiter is cancelled, and honours maxWaitMs without booking', async () => {
    const windowMs = 2_000;
    expect(await limiter.acquireScheduled('c', 1, windowMs)).toBe(true);
    const cancelled = limiter.acquireScheduled('c', 1, windowMs, {
      onWait: () => {
        throw new Error('cancelled');
      },
    });
    await expect(cancelled).rejects.toThrow('cancelled');
    expect((await grants('c')).length).toBe(1);
    expect(await limiter.acquireScheduled('c', 1, windowMs, { maxWaitMs: 100 })).toBe(false);
    expect((await grants('c')).length).toBe(1);
  });

  it('waits out a cooldown before booking', async () => {
    await limiter.coolDown('d', 300);
    const waits: number[] = [];
    expect(await limiter.acquireScheduled('d', 5, 1_000, { onWait: (ms) => void waits.push(ms) })).toBe(true);
    expect(waits.length).toBeGreaterThan(0);
    expect(await limiter.cooldownRemaining('d')).toBe(0);
  });
});
