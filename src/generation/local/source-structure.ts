import { SlideText, SourceBlock, TextLook } from '../../pipeline/source-text';

/**
 * The shape of a source slideshow's text, which the offline copy keeps while every word changes: how its
 * list is numbered, which slides set a title over a smaller body, what kind of hook opens it, and the
 * casing its writer used. Read from the text reader's blocks (SlideText), never from the words' meaning.
 */

export type Casing = TextLook['casing'];

/** Words people number list slides with ("tip 1", "step 2", "day 3"). */
export const NUMBER_WORDS = [
  'tip',
  'step',
  'day',
  'reason',
  'rule',
  'habit',
  'part',
  'no',
  'number',
  'hack',
  'secret',
  'lesson',
  'week',
] as const;
export type NumberWord = (typeof NUMBER_WORDS)[number];

/** How a list item is numbered; `sep` is what follows the number ("tip 1:" → ':'). */
export type NumberScheme =
  | { kind: 'dot' } // 1. item
  | { kind: 'paren' } // 1) item
  | { kind: 'hash' } // #1 item
  | { kind: 'colon'; sep: ':' | '-' | '–' | '—' } // 1: item, 1 - item
  | { kind: 'emoji' } // 1️⃣ item
  | { kind: 'bare' } // a number alone on its line, over the item
  | { kind: 'word'; word: NumberWord; hash: boolean; sep: '' | ':' | '.' | '-' | ')' }; // tip 1: item

export interface NumberMark {
  scheme: NumberScheme;
  n: number;
  /** The line without its number. */
  rest: string;
}

const KEYCAP = '\uFE0F\u20E3';
const KEYCAP_TEN = '\u{1F51F}';

/** Reads a list number at the start of a line: `1.`, `1)`, `#1`, `1 -`, `1️⃣`, `tip 1:`, or a lone `1`. */
export function readNumber(line: string): NumberMark | null {
  const s = line.trim();
  const mark = (scheme: NumberScheme, n: string | number, m: RegExpMatchArray): NumberMark => ({
    scheme,
    n: Number(n),
    rest: s.slice(m[0].length).trim(),
  });
  let m = s.match(/^((?:[0-9]\uFE0F?\u20E3)+|\u{1F51F})\s*/u);
  if (m) return mark({ kind: 'emoji' }, m[1] === KEYCAP_TEN ? 10 : m[1].replace(/\D/g, ''), m);
  m = s.match(new RegExp(`^(${NUMBER_WORDS.join('|')})\\.?\\s*(#)?\\s*(\\d{1,2})(?!\\d)\\s*([:.)\\-–—])?\\s*`, 'i'));
  // "no" numbers only as "no. 3" or "no #3": "no 2 days are the same" is a sentence.
  if (m && !(m[1].toLowerCase() === 'no' && !/^no\s*[.#]/i.test(s))) {
    const sep = (m[4] ?? '').trim().replace(/[–—]/, '-') as '' | ':' | '.' | '-' | ')';
    return mark({ kind: 'word', word: m[1].toLowerCase() as NumberWord, hash: !!m[2], sep }, m[3], m);
  }
  if ((m = s.match(/^#\s?(\d{1,2})(?!\d)[:.)]?\s*/))) return mark({ kind: 'hash' }, m[1], m);
  if ((m = s.match(/^(\d{1,2})\.(?!\d)\s*/))) return mark({ kind: 'dot' }, m[1], m);
  if ((m = s.match(/^(\d{1,2})\)\s*/))) return mark({ kind: 'paren' }, m[1], m);
  if ((m = s.match(/^(\d{1,2})\s*([:\-–—])(?:\s+|$)/))) {
    return mark({ kind: 'colon', sep: m[2] as ':' | '-' | '–' | '—' }, m[1], m);
  }
  if ((m = s.match(/^(\d{1,2})$/))) return mark({ kind: 'bare' }, m[1], m);
  return null;
}

/** Item `k`'s number in `scheme`, ready to put before the item (a bare number is a line of its own). */
export function formatNumber(scheme: NumberScheme, k: number): string {
  switch (scheme.kind) {
    case 'dot':
      return `${k}. `;
    case 'paren':
      return `${k}) `;
    case 'hash':
      return `#${k} `;
    case 'colon':
      return scheme.sep === ':' ? `${k}: ` : `${k} ${scheme.sep} `;
    case 'emoji':
      return k === 10 ? `${KEYCAP_TEN} ` : `${[...String(k)].map((d) => d + KEYCAP).join('')} `;
    case 'bare':
      return `${k}\n`;
    case 'word': {
      const sep = scheme.sep === '-' ? ' -' : scheme.sep;
      return `${scheme.word === 'no' ? 'no.' : scheme.word} ${scheme.hash ? '#' : ''}${k}${sep} `;
    }
  }
}

export const schemeKey = (s: NumberScheme): string => JSON.stringify(s);

export const HOOK_PATTERNS = [
  'pov',
  'wish-knew',
  'things-i-do',
  'count',
  'how-i',
  'nobody-talks',
  'guide',
  'question',
  'statement',
] as const;
export type HookPattern = (typeof HOOK_PATTERNS)[number];

const NUMBER_NAMES = 'three|four|five|six|seven|eight|nine|ten|eleven|twelve';
const COUNT = new RegExp(`^(?:top\\s+)?(\\d{1,2}|${NUMBER_NAMES})\\s+(?!x\\b|%)\\p{L}`, 'u');

/** Lower case, plain quotes, no emoji: what the hook rules read. */
function plain(text: string): string {
  return text
    .toLowerCase()
    .replace(/[‘’`]/g, "'")
    .replace(/[^\p{L}\p{N}\s'?:#.,!&-]/gu, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

/** The kind of hook a slideshow opens with; `statement` when none of the known ones. */
export function hookPattern(text: string): HookPattern {
  const s = plain(text);
  if (/^pov\b/.test(s)) return 'pov';
  if (/\bwish\b.*\b(knew|known|told|started|found|tried|sooner)\b/.test(s)) return 'wish-knew';
  if (/\bthings\s+(that\s+)?i\s+(do|did|started|stopped)\b/.test(s)) return 'things-i-do';
  if (COUNT.test(s)) return 'count';
  if (/^(here's\s+)?how\s+(i|i'm|i've|i'd|we|to)\b/.test(s)) return 'how-i';
  if (/\bunderrated\b/.test(s) || /\b(no ?one|nobody)\b.*\b(talks?|talking|tells?|told|mentions?|shares?)\b/.test(s))
    return 'nobody-talks';
  if (/\bguide\b/.test(s)) return 'guide';
  if (/\?\s*$/.test(s) || /^(why|what|which|who|ever|have you|do you|did you|are you|is it)\b/.test(s))
    return 'question';
  return 'statement';
}

/** The number a hook promises ("5 things …"), or null. */
export function hookCount(text: string): number | null {
  const m = plain(text).match(COUNT);
  if (!m) return null;
  const named = NUMBER_NAMES.split('|').indexOf(m[1]);
  return named >= 0 ? named + 3 : Number(m[1]);
}

/** Words Title Case leaves in lower case ("Listen to Podcasts", "Works with Your Night Cream"). */
export const SMALL_WORDS: ReadonlySet<string> = new Set(
  'a an and as at but by for from in into of on onto or over the to vs with'.split(' '),
);

/** How a text is cased: lower, UPPER, Title Case or as written; null when it has no letters. */
export function casingOf(text: string): Casing | null {
  const s = text.replace(/#\S+/g, '');
  const letters = s.match(/\p{L}/gu) ?? [];
  if (!letters.length) return null;
  if (/\p{Ll}/u.test(letters[0] ?? '')) return 'lower';
  if (letters.length >= 2 && !letters.some((c) => /\p{Ll}/u.test(c))) return 'upper';
  const long = (s.match(/\p{L}[\p{L}']*/gu) ?? []).filter((w) => w.length >= 3 && !SMALL_WORDS.has(w.toLowerCase()));
  if (long.length >= 2 && long.every((w) => /^\p{Lu}/u.test(w))) return 'title';
  return 'sentence';
}

export interface SlideShape {
  /** The main block's words: the title when a smaller body sits under it. */
  title: string;
  /** The smaller paragraph under the title, '' when none. */
  body: string;
  number: NumberMark | null;
  casing: Casing;
  bodyCasing: Casing;
  card: boolean;
  hasText: boolean;
}

export interface SourceStructure {
  slides: SlideShape[];
  hook: { pattern: HookPattern; count: number | null };
  /** The list's one numbering scheme when the source numbers its list slides, else null. */
  numbering: NumberScheme | null;
  /** The casing most of the source's titles use (for slides that had none). */
  casing: Casing;
  /** The casing most list titles, and most bodies under them, use: one voice down the list. */
  listCasing: Casing;
  bodyCasing: Casing;
}

const BODY_RATIO = 0.85;
const firstLine = (b: SourceBlock): string => (b.lines[0]?.text ?? b.text.split('\n')[0] ?? '').trim();
const joined = (b: SourceBlock): string => b.text.replace(/\s*\n\s*/g, ' ').trim();

function slideShape(text: SlideText | undefined | null): SlideShape {
  const blocks = (text?.blocks ?? []).filter((b) => b.text.trim());
  const card = text?.kind === 'card';
  if (!blocks.length) {
    return { title: '', body: '', number: null, casing: 'sentence', bodyCasing: 'sentence', card, hasText: false };
  }
  const ordered = [...blocks].sort((a, b) => a.box.y - b.box.y);
  // A number alone in its own block (a big "1" over the item) or at the start of the first line.
  const number = readNumber(firstLine(ordered[0]));
  const words = number?.scheme.kind === 'bare' ? ordered.slice(1) : ordered;
  const main = (words.length ? words : ordered).reduce((best, b) => (b.look.size > best.look.size * 1.05 ? b : best));
  const below = words.filter((b) => b !== main && b.box.y >= main.box.y && b.look.size <= main.look.size * BODY_RATIO);
  const title = joined(main);
  const body = below.map(joined).join(' ');
  const casing = casingOf(number && main === ordered[0] ? number.rest : title) ?? main.look.casing;
  const bodyCasing = casingOf(body) ?? below[0]?.look.casing ?? casing;
  return { title, body, number, casing, bodyCasing, card, hasText: true };
}

function mostCommon<T>(items: T[], key: (t: T) => string): T | undefined {
  const counts = new Map<string, number>();
  for (const i of items) counts.set(key(i), (counts.get(key(i)) ?? 0) + 1);
  return items.reduce<T | undefined>(
    (best, i) => (best === undefined || counts.get(key(i))! > counts.get(key(best))! ? i : best),
    undefined,
  );
}

/** The structure of a source slideshow from the text read off its slides (one entry per source slide). */
export function readStructure(texts: (SlideText | undefined | null)[]): SourceStructure {
  const slides = texts.map(slideShape);
  const hookText = slides[0] ? `${slides[0].title} ${slides[0].body}` : '';
  // A list is numbered when at least two of its slides, and at least half, carry a number in one scheme.
  const items = slides.slice(1).filter((s) => s.hasText && !s.card);
  const marks = items.map((s) => s.number).filter((m): m is NumberMark => m !== null);
  const scheme = mostCommon(
    marks.map((m) => m.scheme),
    schemeKey,
  );
  const same = scheme ? marks.filter((m) => schemeKey(m.scheme) === schemeKey(scheme)).length : 0;
  const numbering = scheme && same >= 2 && same * 2 >= items.length ? scheme : null;
  const withText = slides.filter((s) => s.hasText);
  const casing = mostCommon(withText, (s) => s.casing)?.casing ?? 'sentence';
  const listCasing = mostCommon(items, (s) => s.casing)?.casing ?? casing;
  const bodies = items.filter((s) => s.body);
  return {
    slides,
    hook: { pattern: hookPattern(hookText), count: hookCount(hookText) },
    numbering,
    casing,
    listCasing,
    bodyCasing: mostCommon(bodies, (s) => s.bodyCasing)?.bodyCasing ?? listCasing,
  };
}
