import type { SlideRole } from '../../pipeline/plan';
import {
  CTAS,
  HOOK_TEASERS,
  HOOKS,
  PRODUCT_INTROS,
  PRODUCT_ITEMS,
  SUPPORTS_GENERIC,
  SUPPORTS_PRODUCT,
  TITLES_GENERIC,
  TITLES_PRODUCT,
} from './copy-vocabulary';
import type { ProductWords } from './product-words';
import { rotate, seededShuffle } from './seeded';
import { Casing, formatNumber, SMALL_WORDS, SourceStructure } from './source-structure';

/**
 * The offline copywriter: the overlay texts of every slide in every text variant, written from the product
 * description and the templates in the source's structure. Within one variant no line appears twice; a
 * slide's text differs between variants; the list is numbered 1..N in the source's one scheme when the
 * source numbers it; a slide whose source set a title over a smaller body gets a title line and a body line.
 */

export interface CopySlide {
  role: SlideRole;
  sourceIndex: number | null;
  /** The slide's style sets a title over a smaller body: its text is a title line, then a body line. */
  hasBody: boolean;
}

export interface CopyRequest {
  linkId: string;
  slides: CopySlide[];
  structure: SourceStructure;
  product: ProductWords;
  variants: number;
}

/** A line from the description fits as a list line up to this length; longer ones go in the body. */
const TITLE_MAX = 60;
/**
 * At most this many list slides of one variant name the product (the hook and product slide do anyway), and
 * only one of them without a claim of the description's under it.
 */
const PRODUCT_MENTIONS = 2;

/** A line in the slide's casing, so it reads as the source's writer would have typed it. */
export function setCase(line: string, casing: Casing): string {
  if (casing === 'lower') return line.toLocaleLowerCase();
  if (casing === 'upper') return line.toLocaleUpperCase();
  const sentence = line
    .replace(/\bi(?=$|[\s,.!?:)]|'(m|ve|d|ll)\b)/g, 'I')
    .replace(/\bpov\b/g, 'POV')
    .replace(/\p{L}/u, (c) => c.toLocaleUpperCase());
  if (casing === 'sentence') return sentence;
  const words = [...sentence.matchAll(/\p{L}[\p{L}'’-]*/gu)];
  const last = words[words.length - 1]?.index;
  return sentence.replace(/\p{L}[\p{L}'’-]*/gu, (w, at: number) => {
    const keep = at !== words[0]?.index && at !== last && SMALL_WORDS.has(w.toLowerCase());
    return keep ? w : w.charAt(0).toLocaleUpperCase() + w.slice(1);
  });
}

/** What "the same line" means: letters and digits only, lower case. */
export const lineKey = (line: string): string =>
  line
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();

function fill(template: string, p: ProductWords, n: number): string {
  return template.replace(/\{(\w+)\}/g, (_, k: string) =>
    k === 'n' ? String(n) : (p[k as 'name' | 'brand' | 'noun'] ?? ''),
  );
}

const unique = (lines: string[]): string[] => [...new Map(lines.map((l) => [lineKey(l), l])).values()];

interface Casings {
  title: Casing;
  body: Casing;
}

/** One text variant being written: the lines it has used so far. */
class Variant {
  private readonly used = new Set<string>();
  productMentions = 0;

  free(line: string): boolean {
    return !this.used.has(lineKey(line));
  }

  use(...lines: string[]): void {
    for (const l of lines) this.used.add(lineKey(l));
  }

  /** The first candidate not used in this variant that `ok` accepts, or the first unused one. */
  pick(candidates: string[], ok: (line: string) => boolean = () => true): string | undefined {
    const free = candidates.filter((c) => this.free(c));
    return free.find(ok) ?? free[0];
  }
}

export interface WrittenCopy {
  /** `texts[i][t]`: slide i's text in variant t, cased and numbered as it will be drawn. */
  texts: string[][];
  /** Variant t's hook line as written, before casing (the caption's title starts from it). */
  hooks: string[];
}

export function writeTexts(req: CopyRequest): WrittenCopy {
  const { linkId, slides, structure, product, variants } = req;
  const body = slides.map((s, i) => ({ ...s, i })).filter((s) => s.role === 'body');
  const numbering = structure.numbering;
  const productSlide = slides.find((s) => s.role === 'product');
  const productNumbered =
    numbering !== null && productSlide?.sourceIndex != null && !!structure.slides[productSlide.sourceIndex]?.number;
  const count = body.length + (productNumbered ? 1 : 0);
  // The list keeps one voice even where its writer slipped; the hook and the last slide keep their own.
  const casings = (s: CopySlide): Casings => {
    const shape = s.sourceIndex === null ? undefined : structure.slides[s.sourceIndex];
    if (s.role === 'body' || !shape?.hasText) return { title: structure.listCasing, body: structure.bodyCasing };
    return { title: shape.casing, body: shape.bodyCasing };
  };
  // Title Case and capitals want short list lines; a longer claim goes in the body under one.
  const titleMax = { title: 36, upper: 30, lower: TITLE_MAX, sentence: TITLE_MAX }[structure.listCasing];
  // On one-line slides, claims fill at most half the list: the rest are habits, as in the source's list.
  const oneLineClaims = Math.ceil(body.filter((s) => !s.hasBody).length / 2);
  const filled = (templates: string[]): string[] => unique(templates.map((t) => fill(t, product, count)));
  const key = (what: string): string => `${linkId}:copy:${what}`;

  // Hooks keep the source's pattern; those promising a number only when the source's hook did.
  const hookTemplates = HOOKS[structure.hook.pattern];
  const counted = structure.hook.count !== null && count >= 2;
  const hooks = [
    ...(counted ? seededShuffle(filled(hookTemplates.filter((h) => h.includes('{n}'))), key('hook-n')) : []),
    ...seededShuffle(filled(hookTemplates.filter((h) => !h.includes('{n}'))), key('hook')),
  ];
  const teasers = seededShuffle(HOOK_TEASERS, key('teaser'));
  const intros = seededShuffle(filled(productNumbered ? PRODUCT_ITEMS : PRODUCT_INTROS), key('product'));
  const ctas = seededShuffle(CTAS, key('cta'));
  const productTitles = filled(TITLES_PRODUCT);
  const productSupports = filled(SUPPORTS_PRODUCT);
  const claims = product.claims;

  const texts: string[][] = slides.map(() => []);
  const hookLines: string[] = [];
  const history = slides.map(() => new Set<string>());
  for (let t = 0; t < variants; t++) {
    const v = new Variant();
    const lines: string[][] = slides.map(() => []);

    slides.forEach((s, i) => {
      if (s.role === 'hook') {
        const hook = v.pick(rotate(hooks, t)) ?? fill(HOOKS.statement[0], product, count);
        v.use(hook);
        hookLines.push(hook);
        lines[i] = [hook];
        if (s.hasBody) lines[i].push(v.pick(rotate(teasers, t))!);
      } else if (s.role === 'product' || s.role === 'cta') {
        const intro = v.pick(rotate(intros, t)) ?? product.name;
        // The CTA turns with t from a seeded start, so line and CTA pairs differ between links too.
        const cta = v.pick(rotate(ctas, t + intros.length))!;
        lines[i] = s.role === 'cta' ? [cta] : [intro, cta];
      }
      v.use(...lines[i]);
    });

    // The description's claims go first, one per list slide, each variant starting at another claim and
    // putting them on other slides; short ones make the list line, long ones the body under it.
    const slots = seededShuffle(
      body.map((_, k) => k),
      key(`slots:${t}`),
    );
    const titles: (string | undefined)[] = body.map(() => undefined);
    const supports: (string | undefined)[] = body.map(() => undefined);
    const pending = rotate(claims, t).filter((c) => v.free(c));
    let oneLiners = 0;
    for (const k of slots) {
      const s = body[k];
      // A one-line slide takes a short claim it has not shown in an earlier variant.
      const fits = (c: string) => s.hasBody || (c.length <= titleMax && !history[s.i].has(c));
      const at = s.hasBody || oneLiners < oneLineClaims ? pending.findIndex(fits) : -1;
      if (at < 0) continue;
      const [claim] = pending.splice(at, 1);
      if (claim.length <= titleMax) titles[k] = claim;
      else supports[k] = claim;
      if (!s.hasBody) oneLiners++;
      v.use(claim);
    }

    // Then templates, slide by slide in the variant's own order, so the few lines that name the product
    // land on different slides in each variant.
    for (const k of slots) {
      const s = body[k];
      const seen = history[s.i];
      const order = (pool: string[], what: string): string[] => rotate(seededShuffle(pool, key(`${what}:${s.i}`)), t);
      const differs = (title: string, support?: string) => !seen.has(compose(title, support).join('\n'));
      let title = titles[k];
      let support = supports[k];
      if (title === undefined) {
        // Over a claim, or alone on its slide, the list line may name the product; else it speaks of the habit.
        const mayName =
          v.productMentions < PRODUCT_MENTIONS && (support !== undefined || (!s.hasBody && v.productMentions === 0));
        const generic = order(TITLES_GENERIC, 'gt');
        const pool = mayName ? interleave(order(productTitles, 'pt'), generic) : generic;
        // A list longer than the pools (TikTok allows 35 slides) borrows lines rather than repeat one.
        const spare = [...order(productTitles, 'pt'), ...order(SUPPORTS_GENERIC, 'gs')];
        title = v.pick([...pool, ...spare], (l) => differs(l, support)) ?? generic[0];
        if (productTitles.includes(title)) v.productMentions++;
        v.use(title);
      }
      if (s.hasBody && support === undefined) {
        const mayName = titles[k] === undefined && v.productMentions < PRODUCT_MENTIONS;
        const generic = order(SUPPORTS_GENERIC, 'gs');
        const pool = mayName ? [...order(productSupports, 'ps'), ...generic] : generic;
        const spare = [...order(productSupports, 'ps'), ...order(HOOK_TEASERS, 'ht')];
        support = v.pick([...pool, ...spare], (l) => differs(title!, l));
        if (support && productSupports.includes(support)) v.productMentions++;
        if (support) v.use(support);
      }
      lines[s.i] = compose(title, support);
    }

    slides.forEach((s, i) => {
      const cased = casings(s);
      const k = body.findIndex((b) => b.i === i);
      const number = k >= 0 ? k + 1 : s.role === 'product' && productNumbered ? count : null;
      const [first, ...rest] = lines[i];
      let out = [setCase(first, cased.title), ...rest.map((l) => setCase(l, s.hasBody ? cased.body : cased.title))];
      if (number !== null && numbering) {
        const prefix = setCase(formatNumber(numbering, number), cased.title);
        // A bare number is the title line of its own; the item's lines follow in the body's look.
        out = numbering.kind === 'bare' ? [prefix.trim(), ...out] : [prefix + out[0], ...out.slice(1)];
      }
      const text = out.join('\n');
      texts[i].push(text);
      history[i].add(lines[i].join('\n'));
    });
    if (hookLines.length <= t) hookLines.push(product.name);
  }
  return { texts, hooks: hookLines };
}

const compose = (title: string, support?: string): string[] => (support ? [title, support] : [title]);

/** One line naming the product, then two about the habit, and so on: picks fall on both kinds. */
function interleave(named: string[], generic: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < Math.max(named.length, Math.ceil(generic.length / 2)); i++) {
    if (i < named.length) out.push(named[i]);
    out.push(...generic.slice(2 * i, 2 * i + 2));
  }
  return out;
}
