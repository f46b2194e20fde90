import { block, card, MARKER_NAMES, numbered, photo, SAMPLE_SETS } from './__fixtures__/sample-texts';
import {
  casingOf,
  formatNumber,
  hookCount,
  hookPattern,
  NumberScheme,
  readNumber,
  readStructure,
  schemeKey,
} from './source-structure';
import { DEFAULT_LOOK } from '../../pipeline/plan';

const sets = Object.fromEntries(SAMPLE_SETS.map((s) => [s.name, s]));

describe('readNumber', () => {
  it.each<[string, NumberScheme, number, string]>([
    ['1. sleep 8 hours', { kind: 'dot' }, 1, 'sleep 8 hours'],
    ['12.move your body', { kind: 'dot' }, 12, 'move your body'],
    ['#3 take your vitamins', { kind: 'hash' }, 3, 'take your vitamins'],
    ['# 4: gratitude', { kind: 'hash' }, 4, 'gratitude'],
    ['2) practice gratitude', { kind: 'paren' }, 2, 'practice gratitude'],
    ['5 - walk slowly', { kind: 'colon', sep: '-' }, 5, 'walk slowly'],
    ['6: rice masks', { kind: 'colon', sep: ':' }, 6, 'rice masks'],
    ['3\uFE0F\u20E3 satin pillows', { kind: 'emoji' }, 3, 'satin pillows'],
    ['\u{1F51F} last one', { kind: 'emoji' }, 10, 'last one'],
    ['tip 1: wear perfume', { kind: 'word', word: 'tip', hash: false, sep: ':' }, 1, 'wear perfume'],
    ['Step 2 - double shampoo', { kind: 'word', word: 'step', hash: false, sep: '-' }, 2, 'double shampoo'],
    ['Reason #3 it works', { kind: 'word', word: 'reason', hash: true, sep: '' }, 3, 'it works'],
    ['DAY 7. rest', { kind: 'word', word: 'day', hash: false, sep: '.' }, 7, 'rest'],
    ['No. 1 fan favourite', { kind: 'word', word: 'no', hash: false, sep: '' }, 1, 'fan favourite'],
    ['4', { kind: 'bare' }, 4, ''],
  ])('reads %j', (line, scheme, n, rest) => {
    expect(readNumber(line)).toEqual({ scheme, n, rest });
  });

  it.each([
    'sleep 8 hours every night',
    '24 patches in a reusable storage card',
    '10x better hair',
    '1.5 litres of water a day',
    '2024 was my year',
    'no 2 days are the same',
    'tipping point',
    '',
  ])('finds no list number in %j', (line) => {
    expect(readNumber(line)).toBeNull();
  });

  it('writes every scheme so that it reads back as the same scheme and number', () => {
    const schemes: NumberScheme[] = [
      { kind: 'dot' },
      { kind: 'paren' },
      { kind: 'hash' },
      { kind: 'colon', sep: ':' },
      { kind: 'colon', sep: '–' },
      { kind: 'emoji' },
      { kind: 'word', word: 'tip', hash: false, sep: ':' },
      { kind: 'word', word: 'step', hash: true, sep: '' },
      { kind: 'word', word: 'day', hash: false, sep: '-' },
      { kind: 'word', word: 'no', hash: false, sep: '' },
    ];
    for (const scheme of schemes) {
      for (const k of [1, 2, 9, 10, 11]) {
        const mark = readNumber(`${formatNumber(scheme, k)}keep it simple`);
        expect({ k, scheme: mark && schemeKey(mark.scheme), rest: mark?.rest }).toEqual({
          k: mark?.n,
          scheme: schemeKey(scheme),
          rest: 'keep it simple',
        });
      }
    }
    expect(formatNumber({ kind: 'bare' }, 3)).toBe('3\n');
  });
});

describe('hookPattern', () => {
  it.each([
    ['the ultimate\nglow up guide', 'guide'],
    ['easy habits i wish i knew sooner\nto be ultra feminine', 'wish-knew'],
    ['things I wish I knew before starting retinol', 'wish-knew'],
    ['high maintenance things i\ndo to stay low maintenance', 'things-i-do'],
    ['Simple things I do at home\nto make my hair 10x better', 'things-i-do'],
    ['underrated glow-up habits\nno one talks about✨', 'nobody-talks'],
    ['what nobody tells you about moving out', 'nobody-talks'],
    ['POV: you finally fixed your sleep', 'pov'],
    ['pov ur skin is glowing', 'pov'],
    ['5 things that changed my skin', 'count'],
    ['Top 10 products I repurchase', 'count'],
    ['seven habits of very calm people', 'count'],
    ['How I get ready in 10 minutes', 'how-i'],
    ["here's how i keep my curls", 'how-i'],
    ['why is nobody using this?', 'question'],
    ['is it worth the hype? 🤔', 'question'],
    ['what’s in my bag', 'question'],
    ['my morning routine', 'statement'],
    ['10x better hair at home', 'statement'],
  ])('reads %j as %s', (text, pattern) => {
    expect(hookPattern(text)).toBe(pattern);
  });

  it('reads the number a hook promises', () => {
    expect(hookCount('5 things that changed my skin')).toBe(5);
    expect(hookCount('top 10 products')).toBe(10);
    expect(hookCount('seven habits')).toBe(7);
    expect(hookCount('Simple things I do to make my hair 10x better')).toBeNull();
    expect(hookCount('sleep 8 hours')).toBeNull();
  });
});

describe('casingOf', () => {
  it.each([
    ['sleep 8 hours every night', 'lower'],
    ['i have not shaved in years', 'lower'],
    ['I have not shaved in YEARS', 'sentence'],
    ['Daily Walks Without Music', 'title'],
    ['Listen to Podcasts!', 'title'],
    ['Infrared Sauna & Red Light Therapy', 'title'],
    ['Simple things I do at home', 'sentence'],
    ['WORK SMARTER', 'upper'],
    ['✨ 123 #fyp', null],
  ])('%j is %s', (text, casing) => {
    expect(casingOf(text)).toBe(casing);
  });
});

describe('readStructure on the five sample slideshows', () => {
  it('classifies each hook and finds no numbering where the source numbers nothing', () => {
    const hooks = Object.fromEntries(SAMPLE_SETS.map((s) => [s.name, readStructure(s.slides).hook.pattern]));
    expect(hooks).toEqual({
      set_01: 'guide',
      set_03: 'wish-knew',
      set_06: 'things-i-do',
      set_10: 'nobody-talks',
      set_13: 'things-i-do',
    });
    for (const set of SAMPLE_SETS) expect(readStructure(set.slides).numbering).toBeNull();
  });

  it('splits a title from the smaller body under it, and keeps one-line slides whole', () => {
    const s03 = readStructure(sets.set_03.slides).slides;
    expect(s03[2]).toMatchObject({ title: 'wear perfume to bed', card: false, hasText: true });
    expect(s03[2].body).toMatch(/^it’s the tiniest thing/);
    expect(s03[0].body).toBe('');
    expect(s03[6].card).toBe(true);
    const s01 = readStructure(sets.set_01.slides).slides;
    expect(s01.map((s) => s.body)).toEqual(s01.map(() => ''));
    // set_06 slide 6: a title, a body and a second body paragraph.
    expect(readStructure(sets.set_06.slides).slides[5].body).toMatch(/^Best feminine cleanser!.*website$/);
  });

  it('reads the casing of the list and of the bodies under its titles', () => {
    expect(readStructure(sets.set_10.slides)).toMatchObject({ listCasing: 'title', bodyCasing: 'lower' });
    expect(readStructure(sets.set_01.slides)).toMatchObject({ listCasing: 'lower', bodyCasing: 'lower' });
    const s13 = readStructure(sets.set_13.slides);
    expect(s13.slides[0].casing).toBe('sentence');
    expect(s13.listCasing).toBe('lower');
  });

  it.each(MARKER_NAMES)('finds the list numbered with %s across the slides', (marker) => {
    for (const set of SAMPLE_SETS) {
      const structure = readStructure(numbered(set, marker).slides);
      expect(structure.numbering).not.toBeNull();
      const items = structure.slides.filter((s) => s.number);
      expect(items.map((s) => s.number!.n)).toEqual(items.map((_, k) => k + 1));
      // The number is not part of the title, and the slide's casing is its words'.
      expect(items.every((s) => readNumber(s.title)?.scheme.kind !== structure.numbering!.kind)).toBe(
        marker === 'bare',
      );
    }
  });

  it('calls a list numbered only when at least two slides, and half of them, share one scheme', () => {
    const l = { ...DEFAULT_LOOK, casing: 'lower' as const };
    const at = { x: 0.1, y: 0.4, w: 0.8, h: 0.05 };
    const slide = (text: string) => photo(1080, 1440, block(text, at, l));
    const hook = slide('my routine');
    const once = readStructure([hook, slide('1. one'), slide('two'), slide('three'), slide('four')]);
    expect(once.numbering).toBeNull();
    const mixed = readStructure([hook, slide('#1 one'), slide('tip 2: two'), slide('3) three'), slide('four')]);
    expect(mixed.numbering).toBeNull();
    const most = readStructure([hook, slide('#1 one'), slide('#2 two'), slide('tip 3: three'), slide('four')]);
    expect(most.numbering).toEqual({ kind: 'hash' });
    // A closing card and slides without text are no list items.
    const withCard = readStructure([
      hook,
      slide('1. one'),
      slide('2. two'),
      photo(1080, 1440),
      card(1080, 1440, '#ffffff', block('follow for more', at, l)),
    ]);
    expect(withCard.numbering).toEqual({ kind: 'dot' });
  });

  it('takes an emoji-only slide as text without words: its look gives the casing, the hook is a statement', () => {
    const l = { ...DEFAULT_LOOK, casing: 'upper' as const };
    const s = readStructure([photo(1080, 1440, block('✨💖✨', { x: 0.4, y: 0.4, w: 0.2, h: 0.05 }, l))]);
    expect(s.slides[0]).toMatchObject({ hasText: true, casing: 'upper', number: null });
    expect(s.hook).toEqual({ pattern: 'statement', count: null });
  });

  it('reads a slideshow nobody has read yet as plain sentences with a statement hook', () => {
    expect(readStructure([undefined, undefined, null])).toMatchObject({
      hook: { pattern: 'statement', count: null },
      numbering: null,
      casing: 'sentence',
      listCasing: 'sentence',
    });
  });
});
