/**
 * Link intake: free text in, accepted TikTok links and per-line reasons out (numbered by line). Pure, no I/O: whether a
 * `/video/` link or a short link is really a slideshow is only known after fetching.
 */

export const MAX_LINKS_PER_BATCH = 100;

export type LinkKind = 'photo' | 'video' | 'short';

export interface ParsedLink {
  /** Canonical form: `https://www.tiktok.com/@user/photo/<id>`, or the short link without query. */
  url: string;
  kind: LinkKind;
  /** The numeric post id; null for short links until they are resolved. */
  postId: string | null;
  /** Short-link code (`vm`/`vt`/`t`), used to spot duplicates among unresolved short links. */
  shortCode?: string;
  user?: string;
}

/** Why a line was refused, for the UI's one-click clean-ups (remove invalid lines, remove duplicates). */
export type InvalidCode = 'invalid' | 'no_link' | 'duplicate' | 'over_limit';

export interface InvalidLine {
  /** 1-based line of the paste (blank lines count, as in the text box). */
  line: number;
  input: string;
  reason: string;
  code: InvalidCode;
}

export interface IntakeResult {
  /** Accepted links in paste order, each with the line it came from. */
  valid: (ParsedLink & { line: number })[];
  invalid: InvalidLine[];
}

const TIKTOK_MAIN_HOSTS = new Set(['tiktok.com', 'www.tiktok.com', 'm.tiktok.com']);
const SHORT_HOSTS = new Set(['vm.tiktok.com', 'vt.tiktok.com']);
const POST_ID = /^\d{15,21}$/;
const SHORT_CODE = /^[A-Za-z0-9_-]{5,20}$/;

export class LinkError extends Error {}

/** Parses one URL; throws `LinkError` with a reason a person can act on. */
export function parseTikTokUrl(input: string): ParsedLink {
  let raw = input.trim().replace(/^[<("'\u201c\u2018]+|[>)"'\u201d\u2019.,;]+$/g, '');
  if (!raw) throw new LinkError('empty');
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(raw)) {
    // "tiktok.com/@a/photo/1", "www.tiktok.com/…", "vm.tiktok.com/…" pasted without a scheme.
    if (/^([a-z0-9-]+\.)*tiktok\.com(\/|$)/i.test(raw)) raw = `https://${raw}`;
    else throw new LinkError('not a URL');
  }
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    throw new LinkError('not a URL');
  }
  if (u.protocol !== 'https:' && u.protocol !== 'http:')
    throw new LinkError(`unsupported scheme "${u.protocol.replace(':', '')}"`);
  const host = u.hostname.toLowerCase();
  const segments = u.pathname.split('/').filter(Boolean);

  if (SHORT_HOSTS.has(host)) {
    const code = segments[0];
    if (!code || segments.length > 1 || !SHORT_CODE.test(code)) throw new LinkError('short link without a valid code');
    return { url: `https://${host}/${code}/`, kind: 'short', postId: null, shortCode: `${host}/${code}` };
  }
  if (!TIKTOK_MAIN_HOSTS.has(host)) {
    if (host.endsWith('.tiktok.com')) throw new LinkError(`"${host}" is not a TikTok post host`);
    throw new LinkError(`not a TikTok link (host "${host}")`);
  }
  if (segments[0] === 't') {
    const code = segments[1];
    if (!code || segments.length > 2 || !SHORT_CODE.test(code)) throw new LinkError('short link without a valid code');
    return { url: `https://www.tiktok.com/t/${code}/`, kind: 'short', postId: null, shortCode: `t/${code}` };
  }
  // /@user/photo/<id>, /@user/video/<id>; m.tiktok.com also serves /v/<id>.html.
  if (segments[0] === 'v' && segments[1]) {
    const id = segments[1].replace(/\.html$/, '');
    if (!POST_ID.test(id)) throw new LinkError('post id is not a number of 15–21 digits');
    return { url: `https://www.tiktok.com/@_/video/${id}`, kind: 'video', postId: id };
  }
  if (!segments[0]?.startsWith('@') || segments.length < 3) {
    if (segments.length === 0) throw new LinkError('a TikTok home page, not a post');
    if (segments[0]?.startsWith('@') && segments.length === 1) throw new LinkError('a profile, not a post');
    throw new LinkError('not a TikTok post link (expected /@user/photo/<id>)');
  }
  const user = decodeURIComponent(segments[0].slice(1));
  const kind = segments[1].toLowerCase();
  const id = segments[2];
  if (kind !== 'photo' && kind !== 'video')
    throw new LinkError(`"/${segments[1]}/" is not a post (expected /photo/ or /video/)`);
  if (!POST_ID.test(id)) throw new LinkError('post id is not a number of 15–21 digits');
  if (segments.length > 3) throw new LinkError('unexpected path after the post id');
  if (!/^[A-Za-z0-9._]{1,64}$/.test(user)) throw new LinkError('user name is not a TikTok handle');
  return { url: `https://www.tiktok.com/@${user}/${kind}/${id}`, kind: kind as LinkKind, postId: id, user };
}

/** A token that is meant as a link (scheme://, or a host with a path): prose words are not. */
const LINK_LIKE = /^[<("'\u201c\u2018]*([a-z][a-z0-9+.-]*:\/\/|([a-z0-9-]+\.)+[a-z]{2,}\/)/i;

/**
 * The paste by line: each non-blank line with its 1-based number and its tokens (split on commas, tabs and
 * spaces). An array is taken as lines.
 */
export function splitLines(text: string | string[]): { line: number; text: string; tokens: string[] }[] {
  const joined = Array.isArray(text) ? text.join('\n') : text;
  return joined
    .split(/\r\n|\r|\n/)
    .map((raw, i) => ({ line: i + 1, text: raw.trim(), tokens: raw.split(/[\s,]+/u).filter((t) => t.length > 0) }))
    .filter((l) => l.tokens.length > 0);
}

/**
 * The links a line holds: a line of one token is that token (whatever it is, so its reason is specific);
 * in a longer line the link-like tokens are taken out of the text around them. Null: a line of prose.
 */
function linksOfLine(tokens: string[]): string[] | null {
  if (tokens.length === 1) return tokens;
  const links = tokens.filter((t) => LINK_LIKE.test(t));
  return links.length ? links : null;
}

/**
 * Validates a whole paste, line by line: links taken out of each line and parsed, duplicates by post id
 * (or short code) rejected, at most `max` accepted; every refused entry is listed with its line, reason
 * and a code the UI's clean-ups use.
 */
export function intakeLinks(text: string | string[], max = MAX_LINKS_PER_BATCH): IntakeResult {
  const valid: IntakeResult['valid'] = [];
  const invalid: InvalidLine[] = [];
  const seen = new Map<string, number>();
  for (const { line, text: lineText, tokens } of splitLines(text)) {
    const links = linksOfLine(tokens);
    if (!links) {
      invalid.push({ line, input: truncate(lineText), reason: 'no link in this line', code: 'no_link' });
      continue;
    }
    for (const input of links) {
      let parsed: ParsedLink;
      try {
        parsed = parseTikTokUrl(input);
      } catch (e) {
        const reason = e instanceof LinkError ? e.message : 'not a URL';
        invalid.push({ line, input: truncate(input), reason, code: 'invalid' });
        continue;
      }
      const key = parsed.postId ?? parsed.shortCode!;
      const first = seen.get(key);
      if (first !== undefined) {
        invalid.push({ line, input: truncate(input), reason: `duplicate of line ${first}`, code: 'duplicate' });
        continue;
      }
      seen.set(key, line);
      if (valid.length >= max) {
        const reason = `over the limit of ${max} links per batch`;
        invalid.push({ line, input: truncate(input), reason, code: 'over_limit' });
        continue;
      }
      valid.push({ ...parsed, line });
    }
  }
  return { valid, invalid };
}

const truncate = (s: string) => (s.length > 300 ? `${s.slice(0, 297)}...` : s);
