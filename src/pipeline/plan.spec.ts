import { SlideshowPlan, validatePlan } from './plan';

function plan(overrides: Partial<SlideshowPlan> = {}): SlideshowPlan {
  const slide = (role: SlideshowPlan['slides'][number]['role'], sourceIndex: number | null) => ({
    role,
    sourceIndex,
    scenes: ['scene a', 'scene b'],
    texts: ['text a', 'text b', 'text c'],
  });
  return {
    version: 1,
    photoVariations: 2,
    textVariations: 3,
    aspect: '9:16',
    productPlacement: 'replace',
    style: { sizeClass: 'medium', fill: '#FFFFFF', treatment: 'outline', accent: '#000000', position: 'top' },
    slides: [slide('hook', 0), slide('body', 1), slide('product', 2)],
    ...overrides,
  };
}

const EXPECT = { p: 2, t: 3, sourceSlides: 3 };

describe('validatePlan', () => {
  it('accepts a complete plan and returns it parsed', () => {
    const check = validatePlan(plan(), EXPECT);
    expect(check).toEqual({ ok: true, errors: [], plan: plan() });
  });

  it('rejects a plan with no product slide', () => {
    const p = plan();
    p.slides[2].role = 'cta';
    const check = validatePlan(p, EXPECT);
    expect(check.ok).toBe(false);
    expect(check.errors).toContain('slides: expected exactly one product slide, got 0');
  });

  it('rejects a plan with two product slides', () => {
    const p = plan();
    p.slides[1].role = 'product';
    expect(validatePlan(p, EXPECT).errors).toContain('slides: expected exactly one product slide, got 2');
  });

  it('rejects slides with too few photo or text variants', () => {
    const p = plan();
    p.slides[0].scenes = ['only one'];
    p.slides[1].texts = ['one', 'two'];
    const check = validatePlan(p, EXPECT);
    expect(check.ok).toBe(false);
    expect(check.errors).toEqual([
      'slides.0.scenes: expected 2 scene descriptions, got 1',
      'slides.1.texts: expected 3 overlay texts, got 2',
    ]);
  });

  it('rejects variant counts other than the ones asked for', () => {
    const check = validatePlan(plan({ photoVariations: 1, textVariations: 4 }), EXPECT);
    expect(check.errors).toEqual(
      expect.arrayContaining(['photoVariations: expected 2, got 1', 'textVariations: expected 3, got 4']),
    );
  });

  it('rejects source indexes past the source and a missing index on a non-product slide', () => {
    const p = plan();
    p.slides[1].sourceIndex = 7;
    p.slides[0].sourceIndex = null;
    const errors = validatePlan(p, EXPECT).errors;
    expect(errors).toContain('slides.1.sourceIndex: 7 is past the last source slide (2)');
    expect(errors).toContain('slides.0.sourceIndex: only a product slide may have none');
  });

  it('rejects a malformed plan with paths the model can act on', () => {
    const bad = { ...plan(), style: { ...plan().style, fill: 'white' }, slides: [] };
    const check = validatePlan(bad, EXPECT);
    expect(check.ok).toBe(false);
    expect(check.errors.some((e) => e.startsWith('style.fill:'))).toBe(true);
    expect(check.errors.some((e) => e.startsWith('slides:'))).toBe(true);
  });
});
