import type { PostCaption } from '../pipeline/plan';

/** TikTok's photo post limits (Content Posting API, post_info): title ≤ 90, description ≤ 4000 UTF-16 units. */
export const TITLE_MAX = 90;
export const DESCRIPTION_MAX = 4000;

export interface Caption {
  title: string;
  description: string;
}

/**
 * What a caption is made from: the variation's own caption once the user edited it, else the plan's caption of
 * its text variant, else the source post's.
 */
export interface CaptionSource {
  link: { caption: string | null; plan?: { captions?: PostCaption[] } | null };
  variation: { textIndex: number; caption?: PostCaption | null };
}

/**
 * The one place a variation's TikTok caption is decided. The plan's caption of text variant t (title ≤ 90,
 * description, 3–5 hashtags) gives the title and the description with the hashtags under it; a plan without
 * one (older plans, a link planned before captions existed) falls back to the source post's caption: its
 * first line without hashtags as the title, the whole text as the description.
 */
export function captionFor({ link, variation }: CaptionSource): Caption {
  const planned = variation.caption ?? link.plan?.captions?.[variation.textIndex - 1];
  if (planned) {
    const tags = planned.hashtags.filter((h) => !planned.description.includes(h)).join(' ');
    const description = [planned.description.trim(), tags].filter(Boolean).join('\n\n');
    return {
      title: clip(planned.title.trim(), TITLE_MAX, true),
      description: clip(description, DESCRIPTION_MAX, false),
    };
  }
  const text = (link.caption ?? '').replace(/\r\n?/g, '\n').trim();
  const firstLine = text.split('\n').find((l) => l.replace(/#[^\s#]+/g, '').trim()) ?? '';
  const title = clip(
    firstLine
      .replace(/#[^\s#]+/g, '')
      .replace(/\s+/g, ' ')
      .trim(),
    TITLE_MAX,
    true,
  );
  return { title, description: clip(text, DESCRIPTION_MAX, false) };
}

/** Cuts to `max` UTF-16 code units, never inside a surrogate pair; at a word boundary with "…" when asked. */
export function clip(s: string, max: number, words: boolean): string {
  if (s.length <= max) return s;
  let cut = max - (words ? 1 : 0);
  if (/[\uD800-\uDBFF]/.test(s[cut - 1] ?? '')) cut--;
  let out = s.slice(0, cut);
  if (words) {
    const space = out.lastIndexOf(' ');
    if (space > max / 2) out = out.slice(0, space);
    out = `${out.trimEnd()}…`;
  }
  return out;
}
