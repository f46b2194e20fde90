import { DEFAULT_LOOK, defaultBox, SlideshowPlan } from '../pipeline/plan';
import { buildManifest, captionOf, captionText, textsOf } from './variation-manifest';

const style = { ...DEFAULT_LOOK, box: defaultBox('top'), body: null };
const plan: SlideshowPlan = {
  version: 2,
  photoVariations: 2,
  textVariations: 2,
  aspect: '3:4',
  productPlacement: 'append',
  subject: null,
  captions: [
    { title: 'One', description: 'First.', hashtags: ['#a', '#b', '#c'] },
    { title: 'Two', description: '', hashtags: ['#d', '#e', '#f'] },
  ],
  slides: [
    { role: 'hook', sourceIndex: 0, sourceText: '', scenes: ['s', 's'], texts: ['h1', 'h2'], style },
    { role: 'product', sourceIndex: null, sourceText: '', scenes: ['s', 's'], texts: ['p1', 'p2'], style },
  ],
};
const v = { photoIndex: 1, textIndex: 2, texts: null, caption: null, edits: null };
const prices = { pricePerTextCall: 0.02, pricePerImageCall: 0.04, textMode: 'renderer' as const };

describe('variation manifest', () => {
  it("takes the text variant's texts and caption from the plan until the variation has its own", () => {
    expect(textsOf(plan, v)).toEqual(['h2', 'p2']);
    expect(captionOf(plan, v).title).toBe('Two');
    const edited = {
      ...v,
      texts: ['x', 'y'],
      caption: { title: 'Mine', description: 'd', hashtags: ['#x', '#y', '#z'] },
    };
    expect(textsOf(plan, edited)).toEqual(['x', 'y']);
    expect(captionOf(plan, edited).title).toBe('Mine');
  });

  it('writes caption.txt as title, description and hashtags with blank lines between, skipping an empty part', () => {
    expect(captionText(plan.captions[0])).toBe('One\n\nFirst.\n\n#a #b #c\n');
    expect(captionText(plan.captions[1])).toBe('Two\n\n#d #e #f\n');
  });

  it("lists every slide with its file and charges the variation its share of the link's calls", () => {
    const m = buildManifest({
      url: 'u',
      plan,
      variation: v,
      slideFiles: ['01.jpg', '02.jpg'],
      generator: 'gemini',
      prices,
    });
    expect(m.slides.map((s) => [s.text, s.sourceIndex, s.file])).toEqual([
      ['h2', 0, '01.jpg'],
      ['p2', null, '02.jpg'],
    ]);
    expect(m.hashtags).toEqual(['#d', '#e', '#f']);
    // 0.02 / 4 variations + 2 slides × 0.04 shared by 2 text variants.
    expect(m.cost).toEqual({ currency: 'USD', amount: 0.045 });
    expect(
      buildManifest({ url: 'u', plan, variation: v, slideFiles: [], generator: 'local', prices }).cost.amount,
    ).toBe(0);
    expect(m.editedAt).toBeNull();
  });
});
