/** Batch, link and variation statuses. `cancelling` lasts until in-flight work reaches a step boundary. */
export const BATCH_STATUSES = [
  'queued',
  'processing',
  'cancelling',
  'completed',
  'completed_with_errors',
  'failed',
  'cancelled',
] as const;
export type BatchStatus = (typeof BATCH_STATUSES)[number];
export const BATCH_FINAL: readonly BatchStatus[] = ['completed', 'completed_with_errors', 'failed', 'cancelled'];

export const ITEM_STATUSES = ['pending', 'processing', 'completed', 'failed', 'cancelled'] as const;
export type ItemStatus = (typeof ITEM_STATUSES)[number];
export const ITEM_FINAL: readonly ItemStatus[] = ['completed', 'failed', 'cancelled'];
