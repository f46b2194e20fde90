/**
 * The three queue contracts: names, job names, payloads and deterministic job ids. A job carries ids only
 * (the database is the truth) and its id is derived from the row, so re-queueing cannot make a duplicate.
 * Each queue is registered (limiter, options, Bull Board panel) by the module that owns it: batches, links,
 * generation.
 */

export const BATCHES_QUEUE = 'batches';
export const PROCESS_BATCH = 'process-batch';
export interface ProcessBatchJob {
  batchId: string;
}
export const processBatchJobId = (batchId: string) => `batch:${batchId}`;

export const LINKS_QUEUE = 'links';
export const PROCESS_LINK = 'process-link';
export interface ProcessLinkJob {
  batchId: string;
  linkId: string;
}
export const processLinkJobId = (linkId: string) => `link:${linkId}`;

export const VARIATIONS_QUEUE = 'variations';
export const GENERATE_VARIATION = 'generate-variation';
export interface GenerateVariationJob {
  batchId: string;
  linkId: string;
  variationId: string;
}
export const variationJobId = (variationId: string) => `variation:${variationId}`;

/** The limiter name for generate-variation starts (VARIATION_RATE_LIMIT), shared by every worker. */
export const VARIATION_STARTS = 'variation-starts';
