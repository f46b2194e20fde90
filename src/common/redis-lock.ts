import { randomUUID } from 'node:crypto';
import type Redis from 'ioredis';
import { sleep } from './rate-limiter';

const RELEASE = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) else return 0 end`;
const EXTEND = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) else return 0 end`;

/**
 * Runs `fn` while holding a Redis lock (SET NX PX with a token, renewed while `fn` runs), so one process
 * on any machine does a piece of work that must not happen twice, e.g. a paid image call.
 */
export async function withRedisLock<T>(
  redis: Redis,
  key: string,
  fn: () => Promise<T>,
  options: { ttlMs?: number; pollMs?: number; onWait?: () => Promise<void> | void } = {},
): Promise<T> {
  const ttl = options.ttlMs ?? 60_000;
  const token = randomUUID();
  while ((await redis.set(key, token, 'PX', ttl, 'NX')) !== 'OK') {
    await options.onWait?.();
    await sleep(options.pollMs ?? 200);
  }
  const renew = setInterval(() => void redis.eval(EXTEND, 1, key, token, ttl).catch(() => undefined), ttl / 3);
  try {
    return await fn();
  } finally {
    clearInterval(renew);
    await redis.eval(RELEASE, 1, key, token).catch(() => undefined);
  }
}

/**
 * Runs `fn` under the lock only if it is free right now; resolves `undefined` without running it when
 * another process holds it (periodic work that one process at a time should do).
 */
export async function tryRedisLock<T>(
  redis: Redis,
  key: string,
  ttlMs: number,
  fn: () => Promise<T>,
): Promise<T | undefined> {
  const token = randomUUID();
  if ((await redis.set(key, token, 'PX', ttlMs, 'NX')) !== 'OK') return undefined;
  try {
    return await fn();
  } finally {
    await redis.eval(RELEASE, 1, key, token).catch(() => undefined);
  }
}
