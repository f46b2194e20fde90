import { HttpException, HttpStatus, ServiceUnavailableException } from '@nestjs/common';
import { RedisRateLimiter, sleep } from '../common/rate-limiter';

export const LOGIN_ATTEMPTS_PER_WINDOW = 5;
export const LOGIN_WINDOW_MS = 60_000;
// Generous: a busy event loop must not turn a slow-but-working Redis into a 503.
const REDIS_TIMEOUT_MS = 5000;

/** Wrong password n (1-based) in the current window waits 100 ms × 2^(n-1), at most 3 s, before the 401. */
export function failureDelayMs(n: number): number {
  return Math.min(100 * 2 ** Math.max(0, n - 1), 3000);
}

export class TooManyAttempts extends HttpException {
  constructor(readonly retryAfterMs: number) {
    const s = Math.max(1, Math.ceil(retryAfterMs / 1000));
    super(
      { statusCode: 429, message: `too many login attempts from this address; try again in ${s} s` },
      HttpStatus.TOO_MANY_REQUESTS,
    );
  }
}

/**
 * Credential attempts per client IP, in Redis (RedisRateLimiter's sliding window), so every API process
 * counts together. A login, and a wrong bearer token, each take one of 5 slots a minute; when none is
 * free the IP is put on cooldown, which also stops correct bearer tokens: otherwise a guesser could keep
 * probing through the bearer path and read 200-vs-429 as an oracle. Fails closed: without Redis, 503.
 */
export class LoginThrottle {
  constructor(
    private readonly limiter: RedisRateLimiter,
    private readonly limit = LOGIN_ATTEMPTS_PER_WINDOW,
    private readonly windowMs = LOGIN_WINDOW_MS,
  ) {}

  private name(ip: string): string {
    return `login:${ip}`;
  }

  /** Takes one attempt slot, or throws 429 (putting the IP on cooldown until a slot frees up). */
  async attempt(ip: string): Promise<void> {
    const wait = await this.redis(() => this.limiter.tryAcquire(this.name(ip), this.limit, this.windowMs));
    if (wait > 0) {
      await this.redis(() => this.limiter.coolDown(this.name(ip), wait));
      throw new TooManyAttempts(wait);
    }
  }

  /** Throws 429 while the IP is on cooldown (checked before a bearer token is even compared). */
  async assertNotBlocked(ip: string): Promise<void> {
    const left = await this.redis(() => this.limiter.cooldownRemaining(this.name(ip)));
    if (left > 0) throw new TooManyAttempts(left);
  }

  /** After a wrong credential: waits longer the more attempts this IP made in the window. */
  async slowDown(ip: string): Promise<number> {
    const n = await this.redis(() => this.limiter.inWindow(this.name(ip), this.windowMs)).catch(() => this.limit);
    const ms = failureDelayMs(n);
    await sleep(ms);
    return ms;
  }

  private async redis<T>(fn: () => Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    try {
      return await Promise.race([
        fn(),
        new Promise<T>((_, reject) => {
          timer = setTimeout(() => reject(new Error('timeout')), REDIS_TIMEOUT_MS);
        }),
      ]);
    } catch (e) {
      if (e instanceof HttpException) throw e;
      throw new ServiceUnavailableException(
        'credentials cannot be checked while Redis is unreachable; try again shortly',
      );
    } finally {
      clearTimeout(timer);
    }
  }
}
