/** TikTok's photo post limits (Content Posting API, post_info): title ≤ 90, description ≤ 4000 UTF-16 units. */
export const TITLE_MAX = 90;
export const DESCRIPTION_MAX = 4000;

export interface Caption {
  title: string;
  description: string;
}

/** What a caption can be made from. Today: the source post's caption (on the link). */
export interface CaptionSource {
  link: { caption: string | null };
  variation: { photoIndex: number; textIndex: number };
}

/**
 * The one place a variation's TikTok caption is decided. Until variations carry their own caption
 * (title, description, hashtags from the plan), it falls back to the source post's caption: the title is
 * its first line without hashtags, the description the whole text. Point this at the real caption when
 * it lands; nothing else needs to change.
 */
export function captionFor({ link }: CaptionSource): Caption {
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
