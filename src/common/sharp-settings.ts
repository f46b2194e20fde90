import sharp from 'sharp';

/**
 * libvips settings for a process that renders (a worker, or the API with WORKERS=true), applied once at boot.
 * The operation cache is bounded to SHARP_CACHE_MB (sharp's default is 50 MB and 100 operations per
 * process) and holds no open files (a cached file would also hide a slide rewritten in place). Threads per
 * image stay at sharp's glibc default of 1 unless SHARP_CONCURRENCY says otherwise: parallelism comes from
 * WORKER_CONCURRENCY jobs, and every extra libvips thread is another malloc arena holding freed memory.
 */
export function configureSharp(o: { cacheMb: number; concurrency: number }): void {
  sharp.cache({ memory: o.cacheMb, files: 0, items: o.cacheMb ? 50 : 0 });
  if (o.concurrency > 0) sharp.concurrency(o.concurrency);
}
