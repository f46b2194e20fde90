import { captionFor, clip, DESCRIPTION_MAX, TITLE_MAX } from './caption';

const v = { photoIndex: 1, textIndex: 2 };

describe('captionFor', () => {
  const captions = [
    { title: 'Glass skin in 3 steps', description: 'My morning routine.', hashtags: ['#skincare', '#glowup', '#fyp'] },
    {
      title: 'Stop doing this ❌',
      description: 'Step 2 changed everything #glowup',
      hashtags: ['#skincare', '#glowup', '#fyp'],
    },
  ];

  it("takes text variant t's caption from the plan, hashtags under the description (once)", () => {
    const link = { caption: 'the source caption #old', plan: { captions } };
    expect(captionFor({ link, variation: { textIndex: 1 } })).toEqual({
      title: 'Glass skin in 3 steps',
      description: 'My morning routine.\n\n#skincare #glowup #fyp',
    });
    expect(captionFor({ link, variation: { textIndex: 2 } })).toEqual({
      title: 'Stop doing this ❌',
      description: 'Step 2 changed everything #glowup\n\n#skincare #fyp',
    });
    // A caption the user edited after seeing the variation wins over the plan's.
    const edited = { title: 'My own title', description: 'Edited.', hashtags: ['#a', '#b', '#c'] };
    expect(captionFor({ link, variation: { textIndex: 1, caption: edited } })).toEqual({
      title: 'My own title',
      description: 'Edited.\n\n#a #b #c',
    });
    // A plan without captions (made before they existed) falls back to the source caption.
    expect(captionFor({ link: { caption: 'Source title #x', plan: {} }, variation: v }).title).toBe('Source title');
  });

  it('takes the first line without hashtags as the title and the whole caption as the description', () => {
    const c = captionFor({ link: { caption: 'Glow like this ✨ #skincare #fyp\nMore in bio\n#serum' }, variation: v });
    expect(c).toEqual({
      title: 'Glow like this ✨',
      description: 'Glow like this ✨ #skincare #fyp\nMore in bio\n#serum',
    });
  });

  it('skips lines of hashtags only and copes with no caption at all', () => {
    expect(captionFor({ link: { caption: '#fyp #viral\nThe real title' }, variation: v }).title).toBe('The real title');
    expect(captionFor({ link: { caption: null }, variation: v })).toEqual({ title: '', description: '' });
    expect(captionFor({ link: { caption: '#a #b' }, variation: v })).toEqual({ title: '', description: '#a #b' });
  });

  it("keeps TikTok's limits: title ≤ 90 at a word boundary with an ellipsis, description ≤ 4000", () => {
    const long = 'word '.repeat(40).trim();
    const c = captionFor({ link: { caption: `${long}\n${'x'.repeat(5000)}` }, variation: v });
    expect(c.title.length).toBeLessThanOrEqual(TITLE_MAX);
    expect(c.title.endsWith('word…')).toBe(true);
    expect(c.description.length).toBe(DESCRIPTION_MAX);
  });

  it('never cuts an emoji in half (UTF-16 surrogate pairs)', () => {
    const s = '😀'.repeat(60); // 120 code units
    const out = clip(s, TITLE_MAX, false);
    expect(out.length).toBeLessThanOrEqual(TITLE_MAX);
    expect(out).toBe('😀'.repeat(45));
    expect(clip('😀'.repeat(46), 91, false)).toBe('😀'.repeat(45));
  });
});
