import type { LinkPreview, SlideSourceText } from '../api/client';

/** A product being filled in on the new-batch screen; uploaded through POST /api/products on Start. */
export interface ProductDraft {
  file: File | null;
  description: string;
  /** A product picked from the library: used as it is, nothing uploaded. */
  savedId: string | null;
}

/**
 * `texts`: the text read off each slide (asked for after the preview; undefined while it is being read).
 * `permanent`: the post can never be made (private, deleted, region-locked, a video): it blocks Start.
 */
export type PreviewState =
  | { state: 'loading' }
  | { state: 'ok'; data: LinkPreview; texts?: SlideSourceText[] | null }
  | { state: 'error'; reason: string; permanent: boolean };

export const emptyDraft = (savedId: string | null = null): ProductDraft => ({ file: null, description: '', savedId });

/** Why Start is disabled, or null when the form is complete. */
export function startBlocker(o: {
  input: string;
  checking: boolean;
  checkError: string | null;
  validCount: number;
  invalidCount: number;
  /** Links past the 100-link limit (valid, but the batch cannot take them). */
  overLimit?: number;
  applyToAll: boolean;
  shared: ProductDraft;
  perLink: ProductDraft[];
}): string | null {
  if (!o.input.trim()) return 'Paste at least one TikTok slideshow link.';
  if (o.checkError) return `The links could not be checked: ${o.checkError}`;
  if (o.checking) return 'Checking the links…';
  if (o.overLimit) return `A batch takes at most 100 links: remove ${o.overLimit}.`;
  if (o.invalidCount > 0) return `Fix or remove ${o.invalidCount} invalid ${o.invalidCount === 1 ? 'link' : 'links'} first.`;
  if (o.validCount === 0) return 'No valid link yet.';
  if (o.validCount > 100) return 'A batch takes at most 100 links.';
  const drafts = o.applyToAll ? [o.shared] : o.perLink;
  const where = (i: number) => (o.applyToAll ? '' : ` for link ${i + 1}`);
  for (const [i, d] of drafts.entries()) {
    if (d.savedId) continue;
    if (!d.file) return `Add a product photo${where(i)}.`;
    if (!d.description.trim()) return `Add a product description${where(i)}.`;
  }
  return null;
}
