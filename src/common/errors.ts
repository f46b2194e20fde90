/** Where in the pipeline a failure happened; stored with every failed link and variation. */
export type FailureStep = 'fetch' | 'analysis' | 'generation' | 'upload';

/**
 * A failure that retrying cannot fix (not a slideshow, private post, safety block after the sanitised
 * retry, invalid plan after its one repair). The job fails at once and the reason is shown to the user.
 */
export class PermanentError extends Error {
  readonly permanent = true;
  constructor(
    readonly step: FailureStep,
    message: string,
    readonly code?: string,
  ) {
    super(message);
    this.name = 'PermanentError';
  }
}

/**
 * A failure that may pass (429, 5xx, timeouts, challenge pages). The queue retries it with exponential
 * backoff, or after `retryAfterMs` when the provider said how long to wait.
 */
export class TransientError extends Error {
  readonly transient = true;
  constructor(
    readonly step: FailureStep,
    message: string,
    readonly retryAfterMs?: number,
    readonly code?: string,
  ) {
    super(message);
    this.name = 'TransientError';
  }
}

/** Thrown at a step boundary when the batch was cancelled: the job stops without failing. */
export class CancelledError extends Error {
  constructor(message = 'cancelled') {
    super(message);
    this.name = 'CancelledError';
  }
}

export const isPermanent = (e: unknown): e is PermanentError => !!e && (e as PermanentError).permanent === true;
export const isTransient = (e: unknown): e is TransientError => !!e && (e as TransientError).transient === true;

/**
 * Whether retry-failed should queue a permanent failure again: not when the post itself is unusable
 * (private, deleted, region-locked, a video: the fetch step), since that never changes; a safety block or
 * an invalid plan comes from a model whose next answer may differ, so a later retry can help.
 */
export const retryCanHelp = (e: PermanentError): boolean => e.step !== 'fetch';
