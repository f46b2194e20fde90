import { Injectable } from '@nestjs/common';
import { RedisRateLimiter } from '../common/rate-limiter';
import { AppConfig } from '../config/config.schema';
import { InjectConfig } from '../config/config.module';
import { VARIATION_STARTS } from '../pipeline/queues';

/**
 * The start gate of generate-variation: VARIATION_RATE_LIMIT as a sliding window in Redis, shared by every
 * worker. Each start books its slot and sleeps until it (acquireScheduled), so the starts follow the
 * limiter's schedule instead of polling for freed slots (which left ~10% of the slots unused).
 */
@Injectable()
export class VariationStarts {
  constructor(
    @InjectConfig() private readonly config: AppConfig,
    private readonly limiter: RedisRateLimiter,
  ) {}

  /** Waits for a start slot; `onWait` runs while waiting (the cancel check). */
  async acquire(onWait: () => Promise<void>): Promise<void> {
    const { max, durationMs } = this.config.variationRate;
    await this.limiter.acquireScheduled(VARIATION_STARTS, max, durationMs, { onWait });
  }
}
