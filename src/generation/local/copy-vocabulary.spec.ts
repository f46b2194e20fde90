import { FACE_TAPE, OTHER_BRANDS } from './__fixtures__/sample-texts';
import { CTAS, HOOKS, PRODUCT_INTROS, PRODUCT_ITEMS, TEMPLATE_WORDS } from './copy-vocabulary';
import { productWords } from './product-words';
import { HOOK_PATTERNS, hookCount, hookPattern, readNumber } from './source-structure';

const fill = (template: string, d: string, n = 5): string => {
  const p = productWords(d);
  return template.replace(/\{(\w+)\}/g, (_, k: string) => (k === 'n' ? String(n) : p[k as 'name' | 'brand' | 'noun']));
};

describe('copy vocabulary', () => {
  it.each(HOOK_PATTERNS)('every %s hook reads as that pattern, whatever the product is called', (pattern) => {
    for (const d of [FACE_TAPE.benefits, FACE_TAPE.oneWord, FACE_TAPE.german, 'Face tape for smoother mornings']) {
      for (const hook of HOOKS[pattern]) {
        expect({ hook: fill(hook, d), pattern: hookPattern(fill(hook, d)) }).toEqual({ hook: fill(hook, d), pattern });
      }
    }
  });

  it('has at least ten hooks per pattern for ten text variants, each naming the product', () => {
    for (const pattern of HOOK_PATTERNS) {
      const usable = HOOKS[pattern].filter((h) => pattern === 'count' || !h.includes('{n}'));
      expect({ pattern, enough: usable.length >= 10 }).toEqual({ pattern, enough: true });
      for (const h of HOOKS[pattern]) expect(h).toMatch(/\{(name|brand|noun)\}/);
    }
    // The count pattern's hooks put the list's number first.
    for (const h of HOOKS.count) expect(hookCount(fill(h, FACE_TAPE.short, 7))).toBe(7);
  });

  it('has ten product lines of each kind, none of which reads as a list number', () => {
    for (const pool of [PRODUCT_INTROS, PRODUCT_ITEMS]) {
      expect(pool.length).toBeGreaterThanOrEqual(10);
      for (const line of pool) {
        expect(line).toContain('{name}');
        expect(readNumber(fill(line, FACE_TAPE.short))).toBeNull();
      }
    }
    expect(CTAS.length).toBeGreaterThanOrEqual(10);
  });

  it('brings no other brand into the copy', () => {
    expect(OTHER_BRANDS.filter((b) => TEMPLATE_WORDS.has(b))).toEqual([]);
  });
});
