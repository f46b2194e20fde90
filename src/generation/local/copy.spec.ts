import { captionSchema, SlideshowPlan, validatePlan } from '../../pipeline/plan';
import { slideWords } from '../../pipeline/source-text';
import { FetchedSlideshow } from '../../pipeline/slideshow';
import { FACE_TAPE, MARKER_NAMES, numbered, OTHER_BRANDS, SAMPLE_SETS, SampleSet } from './__fixtures__/sample-texts';
import { REACH_TAGS, TEMPLATE_WORDS } from './copy-vocabulary';
import { lineKey } from './copywriter';
import { LocalGenerator } from './local-generator';
import { wordsOf } from './product-words';
import {
  casingOf,
  formatNumber,
  hookCount,
  hookPattern,
  readNumber,
  readStructure,
  schemeKey,
} from './source-structure';

/**
 * The offline copy on the five real sample slideshows (their text written down in __fixtures__), for the
 * face tape described five ways, with ten text variants: structure kept, no line twice in a variant,
 * variants different, captions within TikTok's limits, and every word from the description or a template.
 */

const T = 10;
const gen = new LocalGenerator();
const DESCRIPTIONS = Object.entries(FACE_TAPE);

function show(set: SampleSet): FetchedSlideshow {
  return {
    postId: set.name,
    caption: set.caption,
    url: `https://www.tiktok.com/@sample/photo/${set.name}`,
    source: 'fixture',
    slides: set.slides.map((text, index) => ({
      index,
      path: `/nowhere/${index}.jpg`,
      width: text.width,
      height: text.height,
      text,
    })),
  };
}

const plans = new Map<string, Promise<SlideshowPlan>>();

/** The plan for a set and description (made once per spec file: analysis is deterministic). */
function plan(set: SampleSet, description: string, linkId = `link-${set.name}`): Promise<SlideshowPlan> {
  const key = JSON.stringify([set.name, description, linkId]);
  if (!plans.has(key)) {
    plans.set(
      key,
      gen.analyse({
        linkId,
        slideshow: show(set),
        product: { photoPath: '/nowhere/product.png', description },
        photoVariations: 1,
        textVariations: T,
      }),
    );
  }
  return plans.get(key)!;
}

/** Words of `text` that neither the description nor any template has: must be none. */
function untraceable(text: string, description: string): string[] {
  const own = new Set(wordsOf(description));
  return wordsOf(text).filter((w) => !own.has(w) && !TEMPLATE_WORDS.has(w));
}

/** A hashtag is a reach tag, or words of the description run together (#lumidew, #facetape). */
function tagTraceable(tag: string, description: string): boolean {
  const body = tag.slice(1).toLowerCase();
  if (REACH_TAGS.includes(`#${body}`)) return true;
  const words = wordsOf(description.normalize('NFKD').replace(/\p{M}/gu, ''));
  return words.some((_, i) => words.slice(i).some((__, j) => words.slice(i, i + j + 1).join('') === body));
}

/** A slide text's lines without the list number: what "the same line" compares. */
function contentLines(text: string): string[] {
  return text
    .split('\n')
    .map((l) => readNumber(l)?.rest ?? l)
    .filter((l) => l.trim());
}

const variant = (p: SlideshowPlan, t: number): string[] => p.slides.map((s) => s.texts[t]);

describe('offline copy on the sample slideshows', () => {
  const cases = SAMPLE_SETS.flatMap((set) => DESCRIPTIONS.map(([kind, d]) => [set.name, kind, set, d] as const));

  it.each(cases)(
    '%s, %s description: a valid plan whose words all come from the description or templates',
    async (_, __, set, d) => {
      const p = await plan(set, d);
      expect(validatePlan(p, { p: 1, t: T, sourceSlides: set.slides.length }).errors).toEqual([]);
      const bad: string[] = [];
      for (let t = 0; t < T; t++) {
        for (const text of variant(p, t)) bad.push(...untraceable(text, d));
        const c = p.captions[t];
        bad.push(...untraceable(`${c.title}\n${c.description}`, d));
        expect(c.hashtags.filter((tag) => !tagTraceable(tag, d))).toEqual([]);
      }
      expect(bad).toEqual([]);
      const all = p.slides.flatMap((s) => s.texts).join('\n') + JSON.stringify(p.captions);
      expect(OTHER_BRANDS.filter((b) => wordsOf(all).includes(b))).toEqual([]);
    },
  );

  it('the traceability check can fail: the source’s own words are caught', () => {
    const sourceText = SAMPLE_SETS.map((s) => s.slides.map(slideWords).join('\n')).join('\n');
    expect(untraceable(sourceText, FACE_TAPE.benefits)).toEqual(
      expect.arrayContaining(['forchics', 'amazon', 'carlton', 'lebanta', 'matcha', 'perfume']),
    );
    expect(tagTraceable('#redken', FACE_TAPE.benefits)).toBe(false);
    expect(tagTraceable('#facetape', FACE_TAPE.benefits)).toBe(true);
  });

  it.each(cases)('%s, %s description: no line twice in a variant, every variant different', async (_, __, set, d) => {
    const p = await plan(set, d);
    for (let t = 0; t < T; t++) {
      const keys = variant(p, t).flatMap(contentLines).map(lineKey);
      expect(keys.filter((k, i) => keys.indexOf(k) !== i)).toEqual([]);
    }
    for (const s of p.slides) expect(new Set(s.texts).size).toBe(T);
    const whole = Array.from({ length: T }, (_, t) => variant(p, t).join('\n---\n'));
    expect(new Set(whole).size).toBe(T);
    expect(new Set(p.captions.map((c) => c.title)).size).toBe(T);
  });

  it.each(cases)(
    '%s, %s description: hook pattern, title over body and casing as in the source',
    async (_, __, set, d) => {
      const p = await plan(set, d);
      const structure = readStructure(set.slides);
      for (let t = 0; t < T; t++) {
        const hook = p.slides[0].texts[t];
        expect({ hook, pattern: hookPattern(hook) }).toEqual({ hook, pattern: structure.hook.pattern });
        for (const s of p.slides) {
          const lines = s.texts[t].split('\n');
          // A title over a smaller body gets a title line and a body line; a one-line slide gets one line,
          // the product slide its line and a call to action.
          const expected = s.style.body ? 2 : s.role === 'product' ? 2 : 1;
          expect({ text: s.texts[t], lines: lines.length }).toEqual({ text: s.texts[t], lines: expected });
          if (s.role === 'body' && structure.listCasing === 'lower') expect(s.texts[t]).toBe(s.texts[t].toLowerCase());
        }
      }
      // The hook keeps its own slide's casing: set_13 opens in sentence case over a lower-case list.
      if (set.name === 'set_13') expect(p.slides[0].texts.every((h) => /^\p{Lu}/u.test(h))).toBe(true);
      if (set.name === 'set_10') {
        // Title Case headings over lower-case bodies, as the source set them.
        const body = p.slides.filter((s) => s.role === 'body').map((s) => s.texts[0].split('\n'));
        expect(body.every(([title]) => casingOf(title) === 'title')).toBe(true);
        expect(body.every(([, b]) => b === b.toLowerCase())).toBe(true);
      }
    },
  );

  it.each(cases)(
    '%s, %s description: captions within TikTok’s limits, in the source caption’s voice',
    async (_, __, set, d) => {
      const p = await plan(set, d);
      expect(p.captions).toHaveLength(T);
      for (const c of p.captions) {
        expect(captionSchema.safeParse(c).success).toBe(true);
        expect(c.title.length).toBeLessThanOrEqual(90);
        expect(c.description.length).toBeLessThanOrEqual(2200);
        expect(c.hashtags.length).toBeGreaterThanOrEqual(3);
        expect(c.hashtags.length).toBeLessThanOrEqual(5);
        expect(new Set(c.hashtags.map((h) => h.toLowerCase())).size).toBe(c.hashtags.length);
      }
      const lowerSource = /^[^A-Z]*$/.test(set.caption.replace(/#\S+/g, ''));
      const text = p.captions.map((c) => `${c.title} ${c.description}`).join(' ');
      expect(text === text.toLowerCase()).toBe(lowerSource);
      // The source's emoji come back; its own topic tags (#haircare, #glowup …) never do.
      const emoji = set.caption.match(/\p{Extended_Pictographic}/u)![0];
      expect(p.captions.every((c) => c.title.includes(emoji) || c.description.includes(emoji))).toBe(true);
      const sourceTags = (set.caption.match(/#\S+/g) ?? []).filter((tag) => !REACH_TAGS.includes(tag.toLowerCase()));
      expect(p.captions.flatMap((c) => c.hashtags).filter((tag) => sourceTags.includes(tag))).toEqual([]);
    },
  );
});

describe('offline copy on long lists', () => {
  const long = (base: SampleSet, slides: number): SampleSet => ({
    ...base,
    name: `${base.name} x${slides}`,
    slides: [
      base.slides[0],
      ...Array.from({ length: slides - 1 }, (_, i) => base.slides[1 + (i % (base.slides.length - 2))]),
    ],
  });

  it.each([
    ['35 one-line slides', long(SAMPLE_SETS[0], 35), FACE_TAPE.oneWord],
    ['35 titles over bodies', long(SAMPLE_SETS[4], 35), FACE_TAPE.oneWord],
    ['20 titles over bodies, numbered', numbered(long(SAMPLE_SETS[4], 20), 'dot'), FACE_TAPE.benefits],
  ])('%s: still no line twice in a variant', async (_, set, d) => {
    const p = await plan(set, d);
    expect(validatePlan(p, { p: 1, t: T, sourceSlides: set.slides.length }).errors).toEqual([]);
    for (let t = 0; t < T; t++) {
      const keys = variant(p, t).flatMap(contentLines).map(lineKey);
      expect(keys.filter((k, i) => keys.indexOf(k) !== i)).toEqual([]);
      for (const s of p.slides)
        expect(s.texts[t].split('\n').length).toBe(s.style.body || s.role === 'product' ? 2 : 1);
    }
  });
});

describe('offline copy keeps a numbered list numbered', () => {
  const cases = SAMPLE_SETS.flatMap((set) => MARKER_NAMES.map((m) => [set.name, m, numbered(set, m)] as const));

  it.each(cases)('%s numbered with %s: 1..N in the one scheme, in every variant', async (_, marker, set) => {
    const p = await plan(set, FACE_TAPE.benefits);
    const structure = readStructure(set.slides);
    const scheme = structure.numbering!;
    expect(scheme).not.toBeNull();
    const body = p.slides.filter((s) => s.role === 'body');
    for (let t = 0; t < T; t++) {
      body.forEach((s, k) => {
        const text = s.texts[t];
        expect({ text, starts: text.startsWith(formatNumber(scheme, k + 1)) || marker !== 'bare' }).toEqual({
          text,
          starts: true,
        });
        const mark = readNumber(text.split('\n')[0]);
        expect({ text, n: mark?.n, scheme: mark && schemeKey(mark.scheme) }).toEqual({
          text,
          n: k + 1,
          scheme: schemeKey(scheme),
        });
      });
      // The hook carries no number; the product slide carries the next one only when it replaced a list item
      // (set_01 ends on its last item), not a closing card.
      expect(readNumber(p.slides[0].texts[t].split('\n')[0])).toBeNull();
      const product = p.slides[p.slides.length - 1];
      const replacedItem = !!structure.slides[product.sourceIndex!]?.number;
      expect(readNumber(product.texts[t].split('\n')[0])?.n ?? null).toBe(replacedItem ? body.length + 1 : null);
      const keys = variant(p, t).flatMap(contentLines).map(lineKey);
      expect(keys.filter((k, i) => keys.indexOf(k) !== i)).toEqual([]);
    }
  });

  it('numbers the product slide next when it replaces a numbered last item', async () => {
    // set_01 has no closing card: its last slide is the list's last item, and the product slide takes it.
    const set = numbered(SAMPLE_SETS[0], 'hash');
    const p = await plan(set, FACE_TAPE.short);
    const product = p.slides[p.slides.length - 1];
    expect(product.role).toBe('product');
    const n = p.slides.filter((s) => s.role === 'body').length + 1;
    for (const text of product.texts) expect(text.startsWith(`#${n} `)).toBe(true);
  });

  it('fixes the reported list: one scheme, 1..N, and "your future self" at most once per variant', async () => {
    // The report: "#1, Tip 2, Reason 3, —, #5" and one line three times in one slideshow.
    const set = numbered(SAMPLE_SETS[0], 'hash');
    for (const d of [FACE_TAPE.oneWord, FACE_TAPE.short]) {
      const p = await plan(set, d, 'report');
      for (let t = 0; t < T; t++) {
        const texts = variant(p, t);
        const numbers = texts.slice(1).map((x) => x.match(/^#(\d+) /)?.[1]);
        expect(numbers).toEqual(texts.slice(1).map((_, k) => String(k + 1)));
        expect(texts.join('\n').match(/future self/g)?.length ?? 0).toBeLessThanOrEqual(1);
        expect(texts.some((x) => /^(tip|reason) \d/i.test(x))).toBe(false);
      }
    }
  });

  it('does not number a list the source did not number', async () => {
    for (const set of SAMPLE_SETS) {
      const p = await plan(set, FACE_TAPE.benefits);
      for (const s of p.slides) for (const text of s.texts) expect(readNumber(text.split('\n')[0])).toBeNull();
    }
  });
});

describe('offline copy keeps other hook patterns', () => {
  const withHook = (set: SampleSet, hook: string): SampleSet => ({
    ...set,
    name: `${set.name} "${hook}"`,
    slides: [
      { ...set.slides[0], blocks: [{ ...set.slides[0].blocks[0], text: hook, lines: [] }] },
      ...set.slides.slice(1),
    ],
  });

  it.each([
    ['POV: you finally stopped doing your nails every week', 'pov'],
    ['how i keep my hair healthy without trying', 'how-i'],
    ['is it even worth it?', 'question'],
    ['my hair routine lately', 'statement'],
  ])('"%s" gets %s hooks', async (hook, pattern) => {
    const p = await plan(withHook(SAMPLE_SETS[4], hook), FACE_TAPE.benefits);
    for (const text of p.slides[0].texts) expect({ text, pattern: hookPattern(text) }).toEqual({ text, pattern });
  });

  it('promises as many items as the list has when the source hook promised a number', async () => {
    const p = await plan(withHook(SAMPLE_SETS[4], '8 hair habits that changed everything'), FACE_TAPE.short);
    const items = p.slides.filter((s) => s.role === 'body').length;
    expect(items).toBe(8);
    for (const text of p.slides[0].texts) expect({ text, n: hookCount(text) }).toEqual({ text, n: items });
  });
});

describe('offline copy is the product’s', () => {
  it('names the product in every hook and on the product slide, and is the same for the same link', async () => {
    for (const set of SAMPLE_SETS) {
      const p = await plan(set, FACE_TAPE.prose);
      for (const text of p.slides[0].texts) expect(text.toLowerCase()).toMatch(/lumidew|face tape/);
      for (const text of p.slides[p.slides.length - 1].texts) expect(text.toLowerCase()).toContain('lumidew face tape');
      const again = await gen.analyse({
        linkId: `link-${set.name}`,
        slideshow: show(set),
        product: { photoPath: '/nowhere/product.png', description: FACE_TAPE.prose },
        photoVariations: 1,
        textVariations: T,
      });
      expect(again).toEqual(p);
    }
  });

  it('uses the description’s own benefits on the list slides', async () => {
    const p = await plan(SAMPLE_SETS[1], FACE_TAPE.benefits);
    const list = p.slides
      .filter((s) => s.role === 'body')
      .map((s) => s.texts[0])
      .join('\n');
    expect(list).toContain('no needles, no downtime');
    expect(list).toContain('wake up with visibly smoother skin');
  });

  it('keeps English frames apart from a foreign name: the German name is never cut into a noun', async () => {
    const p = await plan(SAMPLE_SETS[2], FACE_TAPE.german);
    const all = p.slides.flatMap((s) => s.texts).join('\n');
    expect(all).not.toMatch(/\bthe gesichtstape\b/i);
    expect(all.toLowerCase()).toContain('lumidew gesichtstape');
  });
});
