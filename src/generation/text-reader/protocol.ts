import type { SlideText } from '../../pipeline/source-text';

/** The messages between the text reader's parent (TextReaderClient) and its child process (child.ts). */

export type ReaderRequest =
  /** Read the slide at `input`; write its text-free copy to `cleanOut` when there is something to remove. */
  | { id: number; op: 'read'; input: string; cleanOut: string }
  /** Read image bytes and return the text-free copy's bytes (Gemini's returned images). */
  | { id: number; op: 'scrub'; bytes: Buffer };

export interface ReadResult {
  text: SlideText;
  /** True when `cleanOut` was written. */
  cleaned: boolean;
  readMs: number;
  cleanMs: number;
}

export interface ScrubResult {
  text: SlideText;
  /** The text-free copy, or null when the image carried no text. */
  clean: Buffer | null;
}

export type ReaderReply =
  /** `rss`: the child's peak resident set, bytes; `cpuS`: the CPU it has used so far, seconds (all its threads). */
  | { id: number; ok: true; result: ReadResult | ScrubResult; rss: number; cpuS: number }
  | { id: number; ok: false; error: string }
  | { id: 0; ready: true };
