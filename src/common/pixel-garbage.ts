/**
 * Image buffers (sharp's inputs and outputs, decoded pixels) live outside V8's heap, and V8 frees the ones that
 * outlived a scavenge only at a major GC, which it starts once such external memory has grown 64 MB past the
 * last one. A rendering worker makes that much garbage every few slides, so its RSS swung by up to 64 MB (the
 * overhead bench's worker peaks: above 300 MB in 4 of 10 runs; README). A worker is started with `--expose-gc`,
 * and `collectPixelGarbage()` after each job starts V8's concurrent major GC once external memory is 24 MB past
 * the last collection, at most once per 250 ms: the same collection V8 would make later, made sooner. Without
 * `--expose-gc` (the API process, the specs) it does nothing.
 */
const MB = 1024 * 1024;
const PIXEL_GARBAGE_LIMIT = 24 * MB;
const INTERVAL_MS = 250;

type Collect = (options: { type: 'major'; execution: 'async' }) => Promise<void>;

let baseline = 0;
let last = 0;
let running = false;

/** Starts a major GC when external memory has grown PIXEL_GARBAGE_LIMIT since the last one; never waits for it. */
export function collectPixelGarbage(): void {
  const gc = (globalThis as { gc?: Collect }).gc;
  if (!gc || running || Date.now() - last < INTERVAL_MS) return;
  const external = process.memoryUsage().external;
  // V8 settles its external count a collection late, so the level after one may be high: follow it down.
  baseline = Math.min(baseline, external);
  if (external - baseline < PIXEL_GARBAGE_LIMIT) return;
  running = true;
  last = Date.now();
  void gc({ type: 'major', execution: 'async' })
    .catch(() => undefined)
    .finally(() => {
      running = false;
      baseline = process.memoryUsage().external;
    });
}
