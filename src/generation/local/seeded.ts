/**
 * The offline generator's only source of variety: a small seeded PRNG. Every choice (template, crop
 * window, grade) follows from a key such as `link:slide:variant`, so the same link always gets the same
 * plan and images, and different links get different ones.
 */

/** FNV-1a: a stable 32-bit hash of a string, to seed the PRNG. */
function hash32(key: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** mulberry32: tiny, fast, good enough for picking templates and crop windows; numbers in [0, 1). */
export function seededRandom(key: string): () => number {
  let a = hash32(key);
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A seeded Fisher–Yates shuffle (a copy). */
export function seededShuffle<T>(items: readonly T[], key: string): T[] {
  const rnd = seededRandom(key);
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

/** `items` rotated left by `by` (a copy): variant t of a list starts at its t-th entry. */
export function rotate<T>(items: readonly T[], by: number): T[] {
  if (!items.length) return [];
  const k = ((by % items.length) + items.length) % items.length;
  return [...items.slice(k), ...items.slice(0, k)];
}
