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

/**
 * A link's statuses: an item's, plus `awaiting_review` (a review batch's link after analysis: the plan is
 * stored, nothing is paid for until the user approves it). It is open work: the batch does not end around it.
 */
export const LINK_STATUSES = [...ITEM_STATUSES, 'awaiting_review'] as const;
export type LinkStatus = (typeof LINK_STATUSES)[number];
/** Links in these statuses keep their batch open. */
export const LINK_OPEN: readonly LinkStatus[] = ['pending', 'processing', 'awaiting_review'];
/** Links whose stored plan may be replaced: nothing reads it until they are approved or retried. */
export const PLAN_EDITABLE: readonly LinkStatus[] = ['awaiting_review', 'failed'];
