import { createHash } from 'node:crypto';
import { Logger } from '@nestjs/common';
import type Redis from 'ioredis';
import { AppConfig } from '../../config/config.schema';
import { PermanentError, TransientError } from '../../common/errors';
import { RedisRateLimiter, sleep } from '../../common/rate-limiter';

export type CallKind = 'text' | 'image';

export interface PooledKey {
  /** Stable short hash of the key: names its limiter and state in Redis, safe to log. */
  id: string;
  /** `AIza…1234`: the only form of a key that is ever logged or shown. */
  masked: string;
  /** The secret itself; only handed to the SDK. */
  apiKey: string;
}

export interface KeyHealth {
  key: string;
  state: string;
  reason?: string;
  text: { callsInWindow: number; limit: number; state: string };
  image: { callsInWindow: number; limit: number; state: string };
}

/**
 * Google counts a call when it arrives, some time after we took its slot (SDK request building, a busy
 * event loop, the network): measured 20-35 ms locally with 14 calls in flight. Each slot is held this much
 * longer than the window so arrivals, not just slot times, stay under the limit.
 */
export const SEND_MARGIN_MS = 250;

/** Keys stay set aside this long after an auth error, so a fixed project (API enabled) recovers by itself. */
const INVALID_TTL_MS = 3_600_000;

export const maskKey = (key: string) => (key.length > 10 ? `${key.slice(0, 4)}…${key.slice(-4)}` : '…');

/** The next midnight in America/Los_Angeles (when Google resets per-day quotas), as a Date. */
export function nextPacificMidnight(now = new Date()): Date {
  const offsetMin = (at: Date) => {
    const name = new Intl.DateTimeFormat('en-US', { timeZone: 'America/Los_Angeles', timeZoneName: 'longOffset' })
      .formatToParts(at)
      .find((p) => p.type === 'timeZoneName')?.value;
    const m = /GMT([+-])(\d{2}):?(\d{2})?/.exec(name ?? '');
    return m ? (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3] ?? 0)) : 0;
  };
  const la = new Date(now.getTime() + offsetMin(now) * 60_000);
  const wallMidnight = Date.UTC(la.getUTCFullYear(), la.getUTCMonth(), la.getUTCDate() + 1);
  // Two passes settle the offset across a DST change at the target midnight.
  let utc = wallMidnight - offsetMin(now) * 60_000;
  utc = wallMidnight - offsetMin(new Date(utc)) * 60_000;
  return new Date(utc);
}

/**
 * Several Gemini keys used in turn, each with its own per-kind budget in the shared sliding-window limiter,
 * and each key's state (cooling after a per-minute 429, parked after a per-day 429, invalid) in Redis so
 * every worker process sees it.
 */
export class GeminiKeyPool {
  private readonly logger = new Logger(GeminiKeyPool.name);
  readonly keys: PooledKey[];
  private readonly prefix: string;

  constructor(
    private readonly config: AppConfig,
    private readonly limiter: RedisRateLimiter,
    private readonly redis: Redis,
  ) {
    this.keys = config.gemini.keys.map((apiKey) => ({
      id: createHash('sha256').update(apiKey).digest('hex').slice(0, 12),
      masked: maskKey(apiKey),
      apiKey,
    }));
    this.prefix = `${config.queuePrefix}:gemini`;
  }

  limiterName(key: PooledKey, kind: CallKind): string {
    return `gemini:${key.id}:${kind}`;
  }

  private limit(kind: CallKind): number {
    return kind === 'image' ? this.config.gemini.imageRpm : this.config.gemini.textRpm;
  }

  private parkedKey(key: PooledKey, kind: CallKind) {
    return `${this.prefix}:parked:${key.id}:${kind}`;
  }

  private invalidKey(key: PooledKey) {
    return `${this.prefix}:invalid:${key.id}`;
  }

  /**
   * A key whose `kind` budget had room (the slot is taken). Waits while every usable key is busy or
   * cooling. Throws PermanentError when no key is valid, TransientError (code DAILY_QUOTA, retry after
   * the reset) when every valid key is parked for the day.
   */
  async acquire(
    kind: CallKind,
    options: { onWait?: (waitMs: number) => Promise<void> | void } = {},
  ): Promise<PooledKey> {
    if (!this.keys.length)
      throw new PermanentError('generation', 'no Gemini API key configured (GEMINI_API_KEYS)', 'NO_VALID_KEY');
    const step = kind === 'text' ? 'analysis' : 'generation';
    for (;;) {
      // A shared counter picks the starting key, so calls from all workers spread over the keys in turn.
      const start = (await this.redis.incr(`${this.prefix}:rr:${kind}`)) % this.keys.length;
      let minWait = Number.POSITIVE_INFINITY;
      let invalid = 0;
      let earliestReset = Number.POSITIVE_INFINITY;
      for (let i = 0; i < this.keys.length; i++) {
        const key = this.keys[(start + i) % this.keys.length];
        const [bad, parkedUntil] = await this.redis.mget(this.invalidKey(key), this.parkedKey(key, kind));
        if (bad) {
          invalid++;
          continue;
        }
        if (parkedUntil) {
          earliestReset = Math.min(earliestReset, Number(parkedUntil));
          continue;
        }
        const wait = await this.limiter.tryAcquire(
          this.limiterName(key, kind),
          this.limit(kind),
          this.config.gemini.windowMs + SEND_MARGIN_MS,
        );
        if (wait === 0) return key;
        minWait = Math.min(minWait, wait);
      }
      if (invalid === this.keys.length) {
        throw new PermanentError(
          step,
          'every Gemini API key was rejected as invalid or unauthorised; check GEMINI_API_KEYS',
          'NO_VALID_KEY',
        );
      }
      if (minWait === Number.POSITIVE_INFINITY) {
        const until = new Date(earliestReset);
        throw new TransientError(
          step,
          `every Gemini API key has used its daily ${kind} quota; it resets at ${until.toISOString()}`,
          Math.max(1000, earliestReset - Date.now()),
          'DAILY_QUOTA',
        );
      }
      await options.onWait?.(minWait);
      await sleep(Math.min(minWait, 1000) + Math.floor(Math.random() * 25));
    }
  }

  /** Per-minute 429: every worker stops using this key for `kind` for `ms`. */
  async coolDown(key: PooledKey, kind: CallKind, ms: number): Promise<void> {
    this.logger.warn(`gemini key ${key.masked} ${kind} quota hit; cooling down ${Math.round(ms / 1000)}s`);
    await this.limiter.coolDown(this.limiterName(key, kind), ms);
  }

  /** Per-day 429: the key rests for `kind` until Google's daily reset (midnight Pacific). */
  async park(key: PooledKey, kind: CallKind, reason: string): Promise<Date> {
    const until = nextPacificMidnight();
    await this.redis.set(this.parkedKey(key, kind), String(until.getTime()), 'PXAT', until.getTime());
    this.logger.warn(
      `gemini key ${key.masked} daily ${kind} quota used up (${reason}); parked until ${until.toISOString()}`,
    );
    return until;
  }

  /** Auth failure: the key is set aside (for an hour) with the provider's message. */
  async markInvalid(key: PooledKey, reason: string): Promise<void> {
    await this.redis.set(this.invalidKey(key), reason.slice(0, 300), 'PX', INVALID_TTL_MS);
    this.logger.error(`gemini key ${key.masked} rejected (${reason}); set aside — check GEMINI_API_KEYS`);
  }

  async health(): Promise<KeyHealth[]> {
    return Promise.all(
      this.keys.map(async (key) => {
        const invalid = await this.redis.get(this.invalidKey(key));
        const kinds = await Promise.all(
          (['text', 'image'] as const).map(async (kind) => {
            const name = this.limiterName(key, kind);
            const parked = await this.redis.get(this.parkedKey(key, kind));
            const cooling = await this.limiter.cooldownRemaining(name);
            const state = invalid
              ? 'invalid'
              : parked
                ? `parked_until_${new Date(Number(parked)).toISOString()}`
                : cooling > 0
                  ? 'cooling'
                  : 'ok';
            const callsInWindow = await this.limiter.inWindow(name, this.config.gemini.windowMs);
            return { callsInWindow, limit: this.limit(kind), state };
          }),
        );
        const [text, image] = kinds;
        // The key's headline state is its worst kind: invalid > parked > cooling > ok.
        const rank = (s: string) => (s === 'invalid' ? 3 : s.startsWith('parked') ? 2 : s === 'cooling' ? 1 : 0);
        const state = rank(image.state) >= rank(text.state) ? image.state : text.state;
        return { key: key.masked, state, ...(invalid ? { reason: invalid } : {}), text, image };
      }),
    );
  }
}
