import type { ValidateResult } from '../api/client';

/** An entry of the paste that cannot start: the server's invalid lines plus links the preview found unusable. */
export interface Refused {
  line: number;
  input: string;
  reason: string;
  code: string;
}

/**
 * The paste rewritten without the refused entries whose code is in `codes`: a line left with no accepted
 * link goes; a line that also holds accepted links keeps just those (the prose around them goes too).
 * With `tidy`, a line whose links were taken out of prose is reduced to those links as well; other lines
 * keep their text as typed.
 */
export function withoutRefused(
  text: string,
  result: ValidateResult,
  refused: Refused[],
  codes: string[],
  tidy = false,
): string {
  const drop = new Map<number, Set<string>>();
  for (const r of refused) if (codes.includes(r.code)) drop.set(r.line, (drop.get(r.line) ?? new Set()).add(r.input));
  const keepByLine = new Map<number, string[]>();
  for (const v of result.valid) {
    if (drop.get(v.line)?.has(v.url)) continue; // an unusable post is named by its URL
    keepByLine.set(v.line, [...(keepByLine.get(v.line) ?? []), v.url]);
  }
  const out: string[] = [];
  text.split(/\r\n|\r|\n/).forEach((line, i) => {
    const n = i + 1;
    const keep = keepByLine.get(n);
    const prose = tidy && !!keep && line.split(/[\s,]+/).filter(Boolean).length > keep.length;
    if (!drop.has(n) && !prose) out.push(line);
    else if (keep) out.push(keep.join('\n'));
  });
  return out.join('\n');
}
