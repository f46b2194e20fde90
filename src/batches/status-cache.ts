/**
 * A per-process projection cache for the batch status: one computation serves every poller of a batch for
 * `ttlMs` after it finished, and callers of a key while it is being computed share that computation (single
 * flight), so 50 pollers of a 10,000-variation batch cost one set of grouped counts per interval, not fifty.
 * Once `ttlMs` has passed, the caller that starts the refresh waits for it (and so sees the fresh value), while
 * callers arriving during that refresh get the previous value at once instead of queueing behind it: a
 * refresh at 10,000 variations takes tens of milliseconds, and every poller stalling on it each interval was
 * the status route's p99. Writes this process makes (cancel, retry, delete) forget the entry at once (no
 * previous value is served after that); the workers' progress shows within `ttlMs`. A failed computation is
 * not kept. The number of keys is bounded (oldest dropped first).
 */
export class StatusCache<T> {
  /** `at` is when the value settled; null while it is being computed. `previous`: the settled value it refreshes. */
  private readonly entries = new Map<string, { at: number | null; value: Promise<T>; previous?: Promise<T> }>();

  constructor(
    private readonly ttlMs: number,
    private readonly maxKeys = 1000,
    private readonly now: () => number = Date.now,
  ) {}

  get(key: string, compute: () => Promise<T>): Promise<T> {
    const hit = this.entries.get(key);
    if (hit && hit.at === null) return hit.previous ?? hit.value;
    if (hit && this.now() - hit.at! < this.ttlMs) return hit.value;
    if (this.ttlMs <= 0) return compute();
    const entry: { at: number | null; value: Promise<T>; previous?: Promise<T> } = {
      at: null,
      value: compute(),
      previous: hit?.value,
    };
    this.entries.delete(key);
    this.entries.set(key, entry);
    if (this.entries.size > this.maxKeys) this.entries.delete(this.entries.keys().next().value as string);
    entry.value.then(
      () => {
        entry.at = this.now();
        entry.previous = undefined;
      },
      () => {
        if (this.entries.get(key) === entry) this.entries.delete(key);
      },
    );
    return entry.value;
  }

  forget(key: string): void {
    this.entries.delete(key);
  }
}
