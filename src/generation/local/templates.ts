/**
 * Overlay-text templates of the offline generator and the filler that picks and fills them from the
 * product description. Every choice comes from a small seeded PRNG, so the same link, slide and text
 * variant always get the same words, and different text variants of a slide never repeat each other
 * (each variant takes the next entry of one seeded shuffle of the slide's pool).
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

const HOOKS = [
  'POV: you finally found {name}',
  'Things I wish I knew before trying {name}',
  'I tried {name} so you don’t have to',
  '{count} things nobody tells you about {name}',
  'Stop scrolling if you need this',
  'This changed my whole routine',
  'Why did nobody tell me about this sooner?',
  'Honest review after 30 days',
  'The upgrade I didn’t know I needed',
  'My secret is finally out',
  'Little things that make a big difference',
  'Save this before it’s gone',
];

const TIP_FRAMES = ['{tip}', 'Tip {k}: {tip}', '#{k} {tip}', 'Reason {k}: {tip}', 'Real talk: {tip}'];

const GENERIC_TIPS = [
  'start small and stay consistent',
  'less is more, keep it simple',
  'give it a full week before you judge',
  'quality over quantity, always',
  'small changes add up fast',
  'make it part of your daily routine',
  'don’t overthink the first step',
  'your future self will thank you',
];

const PRODUCT_LINES = [
  'Meet {name}',
  '{name} is the one',
  'The secret? {name}',
  'Found it: {name}',
  'Say hi to {name}',
  'My holy grail: {name}',
  'This is {name}',
  'The game changer: {name}',
];

const CTAS = [
  'Link in bio',
  'Tap the link in bio',
  'Get yours, link in bio',
  'Shop it from the link in bio',
  'Check the link in my bio',
  'Save this for later',
  'Comment LINK and I’ll send it',
];

export interface ProductWords {
  /** A short name for the product: the description's first clause, at most six words. */
  name: string;
  /** Further sentences and clauses of the description, usable as tips. */
  benefits: string[];
}

const MAX_NAME_WORDS = 6;
const MAX_BENEFIT_CHARS = 90;

/** Reads a name and benefit phrases out of a free-text product description. */
export function productWords(description: string): ProductWords {
  const clauses = description
    .replace(/\s+/g, ' ')
    .split(/(?<=[.!?;])\s|[\n•|]|\s[-–—]\s/)
    .map((c) =>
      c
        .trim()
        .replace(/[.!?;,:]+$/, '')
        .trim(),
    )
    .filter((c) => c.length > 0);
  const first = clauses[0] ?? '';
  const nameClause = first.split(/[,:(]/)[0].trim();
  const words = nameClause.split(' ').filter(Boolean);
  const name = words.slice(0, MAX_NAME_WORDS).join(' ') || 'this';
  const benefits = clauses
    .slice(1)
    .filter((c) => c.length >= 3 && c.length <= MAX_BENEFIT_CHARS)
    .map((c) => c.charAt(0).toLowerCase() + c.slice(1));
  return { name, benefits };
}

const GENERIC_TAGS = ['#fyp', '#foryou', '#tiktokmademebuyit', '#musthave'];

/** 3–5 hashtags: the product's name as one tag, then generic reach tags. */
export function productHashtags(words: ProductWords): string[] {
  const name = words.name
    .normalize('NFKD')
    .replace(/[^\p{L}\p{N}]+/gu, '')
    .toLowerCase()
    .slice(0, 40);
  const tags = name && name !== 'this' ? [`#${name}`, ...GENERIC_TAGS] : GENERIC_TAGS;
  return tags.slice(0, 5);
}

function fill(template: string, values: Record<string, string>): string {
  return template.replace(/\{(\w+)\}/g, (_, key: string) => values[key] ?? '');
}

function capitalise(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/** Which text a slide needs; `k` is the 1-based number of a body slide, `count` the number of them. */
export type TextSlot = { kind: 'hook'; count: number } | { kind: 'body'; k: number } | { kind: 'product' };

/**
 * Text variant `t` for one slide. `slotKey` names the slide (e.g. `3`) so each slide has its own
 * shuffle; the shuffle is seeded by the link, and `t` walks it, so variants of a slide differ.
 */
export function overlayText(words: ProductWords, slot: TextSlot, linkId: string, slotKey: string, t: number): string {
  const seed = `${linkId}:${slotKey}`;
  if (slot.kind === 'hook') {
    const pool = seededShuffle(HOOKS, `${seed}:hook`);
    return capitalise(fill(pool[t % pool.length], { name: words.name, count: String(Math.max(3, slot.count)) }));
  }
  if (slot.kind === 'body') {
    const tips = [...words.benefits, ...GENERIC_TIPS];
    const combos = TIP_FRAMES.flatMap((frame) => tips.map((tip) => ({ frame, tip })));
    // Lead with the description's own benefits: shuffle them and the generic combinations separately.
    const own = seededShuffle(
      combos.filter((c) => words.benefits.includes(c.tip)),
      `${seed}:own`,
    );
    const generic = seededShuffle(
      combos.filter((c) => !words.benefits.includes(c.tip)),
      `${seed}:generic`,
    );
    const pool = [...own, ...generic];
    const { frame, tip } = pool[t % pool.length];
    return capitalise(fill(frame, { tip, k: String(slot.k) }));
  }
  const lines = seededShuffle(PRODUCT_LINES, `${seed}:product`);
  const ctas = seededShuffle(CTAS, `${seed}:cta`);
  const rnd = seededRandom(`${seed}:${t}`);
  // The CTA rotates with t too, but from a seeded start, so line/CTA pairs vary between links.
  const cta = ctas[(t + Math.floor(rnd() * ctas.length)) % ctas.length];
  return `${capitalise(fill(lines[t % lines.length], { name: words.name }))}\n${cta}`;
}
