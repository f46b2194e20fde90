import { Logger } from '@nestjs/common';
import { isPermanent, isTransient } from '../../common/errors';
import type { FetchedSlideshow, SlideshowSource } from '../../pipeline/slideshow';

/**
 * Tries `secondary` only when `primary` failed with a transient error (challenge page, timeout, 5xx):
 * a permanent answer from the primary ("private", "this post is a video") is final. When both fail, a
 * permanent answer from the secondary wins (it is definite); otherwise the primary's transient error is
 * thrown so the queue retries.
 */
export class FallbackSource implements SlideshowSource {
  readonly name: string;
  private readonly logger = new Logger(FallbackSource.name);

  constructor(
    private readonly primary: SlideshowSource,
    private readonly secondary: SlideshowSource,
  ) {
    this.name = `${primary.name}+${secondary.name}`;
  }

  async fetch(url: string, options: { signal?: AbortSignal } = {}): Promise<FetchedSlideshow> {
    try {
      return await this.primary.fetch(url, options);
    } catch (primaryError) {
      if (!isTransient(primaryError) || options.signal?.aborted) throw primaryError;
      this.logger.warn(`${url}: ${this.primary.name} failed (${primaryError.message}); trying ${this.secondary.name}`);
      try {
        return await this.secondary.fetch(url, options);
      } catch (secondaryError) {
        if (isPermanent(secondaryError)) throw secondaryError;
        this.logger.warn(`${url}: ${this.secondary.name} failed too (${(secondaryError as Error).message})`);
        throw primaryError;
      }
    }
  }
}
