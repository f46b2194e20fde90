import { DEFAULT_LOOK, defaultBox, SlideshowPlan } from './plan';
import { checkEditedPlan, fieldName } from './plan-edit';

function plan(): SlideshowPlan {
  const slide = (role: SlideshowPlan['slides'][number]['role'], sourceIndex: number | null) => ({
    role,
    sourceIndex,
    sourceText: sourceIndex === null ? '' : `source words ${sourceIndex}`,
    scenes: ['scene a'],
    texts: ['text a', 'text b'],
    style: { ...DEFAULT_LOOK, box: defaultBox('top'), body: null },
  });
  return {
    version: 2,
    photoVariations: 1,
    textVariations: 2,
    aspect: '3:4',
    productPlacement: 'append',
    subject: null,
    captions: ['a', 'b'].map((k) => ({ title: `Title ${k}`, description: '', hashtags: ['#a', '#b', '#c'] })),
    slides: [slide('hook', 0), slide('body', 1), slide('body', 2), slide('product', null)],
  };
}

const EXPECT = { p: 1, t: 2, sourceSlides: 3 };

describe('checkEditedPlan', () => {
  it('accepts an edited plan with a dropped and a reordered slide', () => {
    const p = plan();
    p.slides = [p.slides[0], p.slides[2], p.slides[3]];
    p.slides[1].texts[0] = 'my own words';
    expect(checkEditedPlan(p, EXPECT)).toEqual({ ok: true, errors: [], plan: p });
  });

  it('names the field of a too-long text in bracket form', () => {
    const p = plan();
    p.slides[3].texts[0] = 'x'.repeat(5000);
    expect(checkEditedPlan(p, EXPECT).errors).toEqual(['slides[3].texts[0]: at most 500 characters']);
  });

  it('refuses an empty plan, an empty scene, a second product slide and an unknown source slide', () => {
    expect(checkEditedPlan({ ...plan(), slides: [] }, EXPECT).errors).toEqual(['slides: at least 1 item']);
    const p = plan();
    p.slides[0].scenes[0] = '  ';
    expect(checkEditedPlan(p, EXPECT).errors).toEqual(['slides[0].scenes[0]: must not be empty']);
    const two = plan();
    two.slides[1].role = 'product';
    two.slides[2].sourceIndex = 7;
    expect(checkEditedPlan(two, EXPECT).errors).toEqual([
      'slides: expected exactly one product slide, got 2',
      'slides[2].sourceIndex: 7 is past the last source slide (2)',
    ]);
  });

  it('says which field is missing or of the wrong kind', () => {
    const { slides: _slides, ...noSlides } = plan();
    expect(checkEditedPlan(noSlides, EXPECT).errors).toEqual(['slides: required (array)']);
    expect(checkEditedPlan({ ...plan(), aspect: '1:1' }, EXPECT).errors).toEqual([
      'aspect: must be one of "3:4", "9:16"',
    ]);
    expect(checkEditedPlan('nope', EXPECT).errors).toEqual(['plan: must be object']);
  });

  it('writes paths with indexes in brackets', () => {
    expect(fieldName(['slides', 3, 'texts', 0])).toBe('slides[3].texts[0]');
    expect(fieldName([])).toBe('plan');
  });
});
