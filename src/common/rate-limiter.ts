import type Redis from 'ioredis';

/**
 * A sliding-window log in Redis, shared by every process that talks to the same Redis: at most `limit`
 * acquisitions in any `windowMs`. Time comes from Redis (`TIME`), so machines with skewed clocks agree.
 * A cooldown key (set after a provider's 429) blocks every acquirer until it expires.
 *
 * Bull's own limiter is a fixed window (it can start 2×limit within one sliding window) and is not used;
 * this is the one that keeps a provider's per-minute quota and the variation start rate.
 */
const ACQUIRE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local limit = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local cd = redis.call('PTTL', KEYS[2])
if cd > 0 then return cd end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
local n = redis.call('ZCARD', KEYS[1])
if n < limit then
  redis.call('ZADD', KEYS[1], now, now .. '-' .. ARGV[3])
  redis.call('PEXPIRE', KEYS[1], window)
  return 0
end
local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
return math.max(1, tonumber(oldest[2]) + window - now)
`;

/**
 * Books the earliest slot that keeps the window: with the log sorted (past grants and future bookings),
 * a new entry at time `at` needs the limit-th newest entry at or before `at - window`, and `at` no earlier than
 * the newest booking (so every booking stays in order and no later window overfills). The entry is written at
 * `at` now, so the caller just sleeps until then: no re-check, no herd of pollers racing for a freed slot.
 * Returns {0, ms until the slot}, {-1, cooldown ms} (nothing booked) or {-2, ms} (later than maxWait: nothing booked).
 */
const SCHEDULE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local limit = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local maxWait = tonumber(ARGV[4])
local cd = redis.call('PTTL', KEYS[2])
if cd > 0 then return {-1, cd} end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
local n = redis.call('ZCARD', KEYS[1])
local at = now
if n >= limit then
  local kth = redis.call('ZRANGE', KEYS[1], n - limit, n - limit, 'WITHSCORES')
  at = math.max(at, tonumber(kth[2]) + window)
end
local last = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
if last[2] then at = math.max(at, tonumber(last[2])) end
if maxWait >= 0 and at - now > maxWait then return {-2, at - now} end
redis.call('ZADD', KEYS[1], at, ARGV[3])
redis.call('PEXPIRE', KEYS[1], at - now + window)
return {0, at - now}
`;

export interface AcquireOptions {
  /** Called between waits; throw from it (e.g. CancelledError) to stop waiting. */
  onWait?: (waitMs: number) => Promise<void> | void;
  /** Give up (returning false) after this long. Default: wait as long as it takes. */
  maxWaitMs?: number;
}

export class RedisRateLimiter {
  private seq = 0;
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  private keys(name: string): [string, string] {
    return [`${this.prefix}:rl:${name}`, `${this.prefix}:rl:${name}:cooldown`];
  }

  /**
   * Takes a slot if one is free. Returns 0 when taken, else how many ms until one may be. A small safety
   * margin is added to the window because the provider counts arrivals, which jitter after our clock.
   */
  async tryAcquire(name: string, limit: number, windowMs: number): Promise<number> {
    const [log, cooldown] = this.keys(name);
    const margin = Math.max(20, Math.round(windowMs * 0.02));
    const member = `${process.pid}-${++this.seq}-${Math.random().toString(36).slice(2, 8)}`;
    const wait = (await this.redis.eval(ACQUIRE, 2, log, cooldown, limit, windowMs + margin, member)) as number;
    return Number(wait);
  }

  /** Waits until a slot is taken. Resolves true, or false if `maxWaitMs` passed first. */
  async acquire(name: string, limit: number, windowMs: number, options: AcquireOptions = {}): Promise<boolean> {
    const started = Date.now();
    for (;;) {
      const wait = await this.tryAcquire(name, limit, windowMs);
      if (wait === 0) return true;
      if (options.maxWaitMs !== undefined && Date.now() - started + wait > options.maxWaitMs) return false;
      await options.onWait?.(wait);
      // Poll at most every second so a cancel or a freed slot is noticed; jitter spreads the workers.
      await sleep(Math.min(wait, 1000) + Math.floor(Math.random() * 25));
    }
  }

  /**
   * Like `acquire`, but books the slot at once (SCHEDULE) and sleeps until exactly then: one Redis call per
   * acquisition, woken on the limiter's own schedule rather than by polling. `onWait` still runs at least once
   * a second while waiting; if it throws, the booking is given back before the error propagates.
   */
  async acquireScheduled(
    name: string,
    limit: number,
    windowMs: number,
    options: AcquireOptions = {},
  ): Promise<boolean> {
    const [log, cooldown] = this.keys(name);
    const margin = Math.max(20, Math.round(windowMs * 0.02));
    const started = Date.now();
    for (;;) {
      const maxWait = options.maxWaitMs === undefined ? -1 : Math.max(0, options.maxWaitMs - (Date.now() - started));
      const member = `${process.pid}-${++this.seq}-${Math.random().toString(36).slice(2, 8)}`;
      const [code, ms] = (await this.redis.eval(
        SCHEDULE,
        2,
        log,
        cooldown,
        limit,
        windowMs + margin,
        member,
        maxWait,
      )) as [number, number];
      if (code === -2) return false;
      if (code === -1) {
        // A provider's cooldown: nothing was booked; wait it out and book then.
        if (options.maxWaitMs !== undefined && Date.now() - started + ms > options.maxWaitMs) return false;
        await options.onWait?.(ms);
        await sleep(Math.min(ms, 1000));
        continue;
      }
      const until = Date.now() + ms;
      try {
        for (let left = ms; left > 0; left = until - Date.now()) {
          await options.onWait?.(left);
          const rest = until - Date.now();
          if (rest > 0) await sleep(Math.min(rest, 1000));
        }
      } catch (e) {
        await this.redis.zrem(log, member).catch(() => undefined);
        throw e;
      }
      return true;
    }
  }

  /** Every acquirer of `name` waits `ms` (a provider said "retry after"); never shortens a longer one. */
  async coolDown(name: string, ms: number): Promise<void> {
    const [, cooldown] = this.keys(name);
    const current = await this.redis.pttl(cooldown);
    if (current < ms) await this.redis.set(cooldown, String(Date.now() + ms), 'PX', Math.max(1, Math.round(ms)));
  }

  /** ms left on `name`'s cooldown (0 when none). */
  async cooldownRemaining(name: string): Promise<number> {
    const [, cooldown] = this.keys(name);
    return Math.max(0, await this.redis.pttl(cooldown));
  }

  /** Acquisitions in the current window (for health and metrics). */
  async inWindow(name: string, windowMs: number): Promise<number> {
    const [log] = this.keys(name);
    const [sec, micro] = await this.redis.time();
    const now = Number(sec) * 1000 + Math.floor(Number(micro) / 1000);
    return this.redis.zcount(log, now - windowMs, '+inf');
  }
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
