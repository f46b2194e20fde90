import { DEFAULT_LOOK, defaultBox, SlideshowPlan, upgradePlan, validatePlan } from './plan';

function plan(overrides: Partial<SlideshowPlan> = {}): SlideshowPlan {
  const slide = (role: SlideshowPlan['slides'][number]['role'], sourceIndex: number | null) => ({
    role,
    sourceIndex,
    sourceText: sourceIndex === null ? '' : `source words ${sourceIndex}`,
    scenes: ['scene a', 'scene b'],
    texts: ['text a', 'text b', 'text c'],
    style: { ...DEFAULT_LOOK, box: defaultBox('top'), body: null },
  });
  return {
    version: 2,
    photoVariations: 2,
    textVariations: 3,
    aspect: '9:16',
    productPlacement: 'replace',
    subject: { kind: 'person', description: 'a woman in her twenties with long dark hair', slides: [0, 1] },
    captions: ['a', 'b', 'c'].map((k) => ({
      title: `Title ${k}`,
      description: `About ${k}`,
      hashtags: ['#a', '#b', '#c'],
    })),
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

  it('rejects slides with too few photo or text variants, and too few captions', () => {
    const p = plan();
    p.slides[0].scenes = ['only one'];
    p.slides[1].texts = ['one', 'two'];
    p.captions = p.captions.slice(0, 2);
    const check = validatePlan(p, EXPECT);
    expect(check.ok).toBe(false);
    expect(check.errors).toEqual([
      'captions: expected 3 captions (one per text variant), got 2',
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

  it('rejects source indexes past the source, a missing index on a non-product slide, and subject slides past the plan', () => {
    const p = plan();
    p.slides[1].sourceIndex = 7;
    p.slides[0].sourceIndex = null;
    p.subject = { kind: 'pet', description: 'a grey cat', slides: [0, 9] };
    const errors = validatePlan(p, EXPECT).errors;
    expect(errors).toContain('slides.1.sourceIndex: 7 is past the last source slide (2)');
    expect(errors).toContain('slides.0.sourceIndex: only a product slide may have none');
    expect(errors).toContain('subject.slides: 9 is past the last plan slide (2)');
  });

  it('rejects a malformed plan with paths a person or the model can act on', () => {
    const p = plan();
    const bad = {
      ...p,
      slides: [{ ...p.slides[0], style: { ...p.slides[0].style, fill: 'white' }, texts: ['x'.repeat(5000)] }],
      captions: [{ title: 't'.repeat(91), description: '', hashtags: ['#ok', 'nohash', '#x'] }],
    };
    const errors = validatePlan(bad, EXPECT).errors;
    expect(errors.some((e) => e.startsWith('slides.0.style.fill:'))).toBe(true);
    expect(errors.some((e) => e.startsWith('slides.0.texts.0:'))).toBe(true);
    expect(errors.some((e) => e.startsWith('captions.0.title:'))).toBe(true);
    expect(errors.some((e) => e.startsWith('captions.0.hashtags.1:'))).toBe(true);
  });
});

describe('upgradePlan', () => {
  const v1 = {
    version: 1,
    photoVariations: 1,
    textVariations: 2,
    aspect: '3:4',
    productPlacement: 'append',
    style: { sizeClass: 'large', fill: '#FFEE00', treatment: 'box', accent: '#111111', position: 'bottom' },
    slides: [
      { role: 'hook', sourceIndex: 0, scenes: ['s'], texts: ['Hook one', 'Hook two'] },
      { role: 'product', sourceIndex: null, scenes: ['p'], texts: ['Meet it', 'Try it'] },
    ],
  };

  it('gives a first-format plan its one style on every slide, captions from its texts, and validates', () => {
    const check = validatePlan(v1, { p: 1, t: 2, sourceSlides: 1 });
    expect(check.errors).toEqual([]);
    const up = check.plan!;
    expect(up.version).toBe(2);
    for (const s of up.slides) {
      expect(s.style).toMatchObject({ size: 0.08, fill: '#FFEE00', treatment: 'box', accent: '#111111', body: null });
      expect(s.style.box).toEqual(defaultBox('bottom'));
      expect(s.sourceText).toBe('');
    }
    expect(up.captions.map((c) => c.title)).toEqual(['Hook one', 'Hook two']);
    expect(up.subject).toBeNull();
  });

  it('leaves current plans and non-plans alone', () => {
    const current = plan();
    expect(upgradePlan(current)).toBe(current);
    expect(upgradePlan(null)).toBeNull();
    expect(upgradePlan('x')).toBe('x');
  });
});
