import { Injectable } from '@nestjs/common';
import { VariationsQueue } from '../generation/variations.queue';
import { LinksQueue } from '../links/links.queue';
import { BatchesQueue } from './batches.queue';

/** The producers of the three queues, for the callers that steer all of them (cancel, retry, sweeper, health). */
@Injectable()
export class WorkQueues {
  constructor(
    readonly batches: BatchesQueue,
    readonly links: LinksQueue,
    readonly variations: VariationsQueue,
  ) {}

  /** Every queue by name, for health and metrics. */
  all(): { name: string; queue: BatchesQueue['queue'] | LinksQueue['queue'] | VariationsQueue['queue'] }[] {
    return [
      { name: 'batches', queue: this.batches.queue },
      { name: 'links', queue: this.links.queue },
      { name: 'variations', queue: this.variations.queue },
    ];
  }
}
