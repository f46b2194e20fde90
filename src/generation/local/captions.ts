import type { PostCaption } from '../../pipeline/plan';
import { CAPTION_CLOSERS, CAPTION_OPENERS, REACH_TAGS } from './copy-vocabulary';
import { setCase } from './copywriter';
import type { ProductWords } from './product-words';
import { rotate, seededRandom, seededShuffle } from './seeded';

/**
 * Post captions of the offline generator: one per text variant, written from templates and the product
 * description in the voice of the source's own caption (its casing, emoji, hashtag count and spelling,
 * length and line breaks). The source's words and brand hashtags are never reused: only its manner.
 */

export interface CaptionVoice {
  /** The writer types in lower case. */
  lower: boolean;
  /** Up to three emoji the writer used, in order. */
  emoji: string[];
  /** How many hashtags to give (3–5, as many as the source had). */
  tags: number;
  /** #GlowUp rather than #glowup. */
  camelTags: boolean;
  /** The source's own reach tags (#fyp …), as spelled there; other tags of the source are never reused. */
  reach: string[];
  /** A one-line writer: one claim, not three. */
  short: boolean;
  /** The writer puts each thought on its own line. */
  breaks: boolean;
}

const TITLE_MAX = 90;
const DESCRIPTION_MAX = 2200;
const EMOJI = /\p{Extended_Pictographic}(?:\uFE0F|\u200D\p{Extended_Pictographic}|[\u{1F3FB}-\u{1F3FF}])*/gu;
const HASHTAG = /#[\p{L}\p{N}_]+/gu;

export function captionVoice(caption: string): CaptionVoice {
  const tags = caption.match(HASHTAG) ?? [];
  const words = caption.replace(HASHTAG, '').replace(EMOJI, '').trim();
  const firstLetter = words.match(/\p{L}/u)?.[0];
  const reach = tags.filter((t) => REACH_TAGS.includes(t.toLowerCase()));
  return {
    lower: firstLetter !== undefined && firstLetter === firstLetter.toLowerCase(),
    emoji: [...new Set(caption.match(EMOJI) ?? [])].slice(0, 3),
    tags: Math.min(5, Math.max(3, tags.length || 4)),
    camelTags: tags.some((t) => /\p{Lu}/u.test(t.slice(1)) && /\p{Ll}/u.test(t)),
    reach: [...new Map(reach.map((t) => [t.toLowerCase(), t])).values()],
    short: words.length < 100,
    breaks: /\n\s*\S/.test(words),
  };
}

/** A hashtag from a product word or name ("face tape" → #facetape or #FaceTape); null when nothing is left. */
function productTag(phrase: string, camel: boolean): string | null {
  const parts = phrase
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .split(/[^\p{L}\p{N}]+/u)
    .filter(Boolean);
  const body = parts
    .map((p) => (camel ? p.charAt(0).toUpperCase() + p.slice(1) : p.toLowerCase()))
    .join('')
    .slice(0, 50);
  return body ? `#${body}` : null;
}

/** 3–5 hashtags: the product's own, the source's reach tags, then generic reach tags, no repeats. */
export function captionTags(product: ProductWords, voice: CaptionVoice, linkId: string, t: number): string[] {
  const own = [product.brand, product.noun].filter((p) => p !== 'this').map((p) => productTag(p, voice.camelTags));
  const reach = rotate(seededShuffle(REACH_TAGS, `${linkId}:tags`), t);
  const tags = [...own, ...voice.reach, ...reach].filter((tag): tag is string => !!tag);
  const seen = new Set<string>();
  return tags.filter((tag) => !seen.has(tag.toLowerCase()) && !!seen.add(tag.toLowerCase())).slice(0, voice.tags);
}

function cut(text: string, max: number): string {
  if (text.length <= max) return text;
  const room = text.slice(0, max + 1);
  const space = room.lastIndexOf(' ');
  return (space > max / 2 ? room.slice(0, space) : text.slice(0, max)).replace(/[\s,:;–—-]+$/, '');
}

const sentence = (line: string): string => (/[.!?)]$/.test(line) ? line : `${line}.`);

/**
 * Caption t of a link: the variant's hook as the title, an opener, the description's claims and a closer
 * as the description, and the hashtags. `hooks[t]` is variant t's hook line as written (before casing).
 */
export function writeCaptions(input: {
  linkId: string;
  hooks: string[];
  product: ProductWords;
  voice: CaptionVoice;
}): PostCaption[] {
  const { linkId, hooks, product, voice } = input;
  const fill = (template: string): string =>
    template.replace(/\{(\w+)\}/g, (_, k: string) => product[k as 'name' | 'brand' | 'noun'] ?? '');
  const openers = seededShuffle(CAPTION_OPENERS, `${linkId}:caption-open`).map(fill);
  const closers = seededShuffle(CAPTION_CLOSERS, `${linkId}:caption-close`);
  const cased = (line: string): string => setCase(line, voice.lower ? 'lower' : 'sentence');
  // Each link starts at another claim, so the same product's captions differ between links too.
  const start = Math.floor(seededRandom(`${linkId}:caption-claims`)() * Math.max(1, product.claims.length));
  return hooks.map((hook, t) => {
    const emoji = voice.emoji.length ? rotate(voice.emoji, t) : [];
    const title = cut(`${cased(hook)}${emoji[0] ? ` ${emoji[0]}` : ''}`, TITLE_MAX);
    const opener = cased(openers[t % openers.length]);
    const claims = rotate(product.claims, t + start)
      .slice(0, voice.short ? 1 : 3)
      .map((c) => sentence(cased(c)));
    const closer = cased(closers[t % closers.length]);
    const parts = [emoji[1] ? `${opener} ${emoji[1]}` : sentence(opener), ...claims, sentence(closer)];
    return {
      title,
      description: cut(parts.join(voice.breaks ? '\n\n' : ' '), DESCRIPTION_MAX),
      hashtags: captionTags(product, voice, linkId, t),
    };
  });
}
