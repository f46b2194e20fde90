import { FACE_TAPE } from './__fixtures__/sample-texts';
import { MAX_CLAIM_CHARS, productWords } from './product-words';

describe('productWords', () => {
  it('reads the name, brand, noun and benefit list of a description with bullets', () => {
    expect(productWords(FACE_TAPE.benefits)).toEqual({
      name: 'LumiDew Smoothing Face Tape',
      brand: 'LumiDew',
      noun: 'face tape',
      claims: [
        'overnight patches that smooth forehead lines, frown lines and smile lines while you sleep',
        'wake up with visibly smoother skin',
        'gentle, breathable adhesive made for sensitive skin',
        'no needles, no downtime',
        '24 patches in a reusable storage card',
        'works with your usual night cream',
      ],
      english: true,
    });
  });

  it('cuts the name where the description starts saying what it does', () => {
    expect(productWords(FACE_TAPE.short)).toMatchObject({
      name: 'LumiDew face tape',
      brand: 'LumiDew',
      noun: 'face tape',
      claims: ['smoothing patches you wear overnight'],
    });
    const prose = productWords(FACE_TAPE.prose);
    expect(prose).toMatchObject({ name: 'LumiDew face tape', brand: 'LumiDew', noun: 'face tape' });
    // The rest of the first sentence is split at ", so"; every sentence stays whole and readable.
    expect(prose.claims).toEqual([
      'a set of soft purple patches that hold the skin still while you sleep',
      'the lines you make when you frown or raise your brows get a night off',
      'put one on clean, dry skin before bed and peel it off in the morning',
      'the adhesive is gentle enough for sensitive skin and comes off without leaving residue',
      'most people see a smoother forehead after the first week',
    ]);
  });

  it('keeps a one-word description as name, brand and noun, with nothing to claim', () => {
    expect(productWords(FACE_TAPE.oneWord)).toEqual({
      name: 'LumiDew',
      brand: 'LumiDew',
      noun: 'LumiDew',
      claims: [],
      english: true,
    });
  });

  it('knows a description in another language, and keeps its name whole as the noun', () => {
    expect(productWords(FACE_TAPE.german)).toEqual({
      name: 'LumiDew Gesichtstape',
      brand: 'LumiDew',
      noun: 'LumiDew Gesichtstape',
      claims: [
        'sanfte Pflaster für die Nacht',
        'glättet Stirn- und Zornesfalten im Schlaf',
        'ohne Nadeln, ohne Ausfallzeit',
      ],
      english: false,
    });
    expect(productWords('ルミデュー フェイステープ。寝ている間にしわを伸ばします。').english).toBe(false);
  });

  it('finds no brand where none stands out, keeps acronyms and the C of Vitamin C', () => {
    expect(productWords('Face tape for smoother mornings. Gentle on skin.')).toMatchObject({
      name: 'Face tape',
      brand: 'Face tape',
      noun: 'face tape',
      claims: ['for smoother mornings', 'gentle on skin'],
    });
    expect(productWords('GlowDrop Vitamin C Serum, brightens dull skin (in two weeks). Vegan!')).toMatchObject({
      brand: 'GlowDrop',
      noun: 'vitamin C serum',
      claims: ['brightens dull skin in two weeks', 'vegan'],
    });
    expect(productWords('SPF50 sun stick – UV protection you can carry').claims).toEqual([
      'UV protection you can carry',
    ]);
  });

  it('leaves out sentences too long for a slide, and survives an empty description', () => {
    const long = `LumiDew. ${'very '.repeat(40)}long sentence. Short one.`;
    expect(productWords(long).claims).toEqual(['short one']);
    expect(productWords(long).claims.every((c) => c.length <= MAX_CLAIM_CHARS)).toBe(true);
    expect(productWords('')).toMatchObject({ name: 'this', claims: [] });
  });
});
