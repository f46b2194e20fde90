/**
 * Keeps a batch's "time left" from rising while nothing finishes. The raw ETA divides the work left by
 * the observed completion rate; between completions that rate falls with every second waited, so the raw
 * figure climbs although nothing changed. Here a figure only counts down with wall time until the work
 * left changes (a variation finishes, fails, is approved or queued again): then the raw figure is taken
 * afresh. Per process, in memory; a batch is forgotten once it has no ETA.
 */
export class EtaClock {
  private readonly last = new Map<string, { eta: number; at: number; remaining: number }>();

  /** The ETA to show for `raw` with `remaining` variations left, at `now` (ms). */
  next(batchId: string, raw: number | null, remaining: number, now = Date.now()): number | null {
    if (raw === null) {
      this.last.delete(batchId);
      return null;
    }
    const prev = this.last.get(batchId);
    let eta = raw;
    if (prev && prev.remaining === remaining) {
      // Unrounded: pollers a fraction of a second apart must still see it count down.
      const counted = prev.eta - (now - prev.at) / 1000;
      // Still work left: never "0 s" until it is done, and never above the figure shown before.
      eta = Math.min(raw, Math.max(remaining > 0 ? 1 : 0, counted));
    }
    this.last.set(batchId, { eta, at: now, remaining });
    return Math.ceil(Math.round(eta * 1000) / 1000); // whole ms: float sums must not add a second
  }

  forget(batchId: string): void {
    this.last.delete(batchId);
  }
}
