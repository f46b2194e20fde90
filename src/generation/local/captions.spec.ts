import { captionSchema } from '../../pipeline/plan';
import { FACE_TAPE, SAMPLE_SETS } from './__fixtures__/sample-texts';
import { captionTags, captionVoice, writeCaptions } from './captions';
import { productWords } from './product-words';

const caption = (name: string) => SAMPLE_SETS.find((s) => s.name === name)!.caption;

describe('captionVoice', () => {
  it('reads casing, emoji, hashtag count and spelling off the source caption', () => {
    expect(captionVoice(caption('set_01'))).toEqual({
      lower: true,
      emoji: ['🤍', '✨'],
      tags: 4,
      camelTags: false,
      reach: [],
      short: true,
      breaks: false,
    });
    expect(captionVoice(caption('set_10'))).toMatchObject({
      lower: false,
      emoji: ['✨'],
      tags: 4,
      camelTags: true,
      reach: ['#FYP'],
    });
    expect(captionVoice(caption('set_13'))).toMatchObject({ lower: true, emoji: ['🫶'], tags: 5, reach: ['#fyp'] });
  });

  it('gives 3 to 5 tags whatever the source had, and a plain voice to an empty caption', () => {
    expect(captionVoice('#a #b #c #d #e #f #g').tags).toBe(5);
    expect(captionVoice('one tag #fyp').tags).toBe(3);
    expect(captionVoice('')).toEqual({
      lower: false,
      emoji: [],
      tags: 4,
      camelTags: false,
      reach: [],
      short: true,
      breaks: false,
    });
    const long = `My whole evening routine, explained.\nStep by step, with everything I use and why. ${'More words here. '.repeat(8)}`;
    expect(captionVoice(long)).toMatchObject({ lower: false, short: false, breaks: true });
  });
});

describe('writeCaptions', () => {
  const product = productWords(FACE_TAPE.benefits);

  it('writes one valid caption per hook: the hook as title, claims in the description, product tags first', () => {
    const voice = captionVoice(caption('set_03'));
    const hooks = ['things i wish i knew before trying lumidew', 'i wish i knew about lumidew sooner'];
    const captions = writeCaptions({ linkId: 'l', hooks, product, voice });
    expect(captions).toHaveLength(2);
    for (const c of captions) expect(captionSchema.parse(c)).toEqual(c);
    expect(captions[0].title).toBe('things i wish i knew before trying lumidew 🎀');
    // One of the description's claims each (the voice is short), the next variant the next claim.
    const first = product.claims.findIndex((c) => captions[0].description.includes(c));
    expect(first).toBeGreaterThanOrEqual(0);
    expect(captions[1].description).toContain(product.claims[(first + 1) % product.claims.length]);
    expect(captions[0].hashtags.slice(0, 3)).toEqual(['#lumidew', '#facetape', '#fyp']);
    expect(captions[0].hashtags).toHaveLength(5);
    expect(captions[0].description).toBe(captions[0].description.toLowerCase());
  });

  it('writes in sentence case with capitalised product tags for a writer who does', () => {
    const [c] = writeCaptions({
      linkId: 'l',
      hooks: ['no one talks about how good lumidew is'],
      product,
      voice: captionVoice(caption('set_10')),
    });
    expect(c.title).toBe('No one talks about how good lumidew is ✨');
    expect(c.description).toMatch(/^\p{Lu}/u);
    expect(c.hashtags).toEqual(['#LumiDew', '#FaceTape', '#FYP', expect.stringMatching(/^#[a-z]+$/)]);
  });

  it('stays within TikTok’s limits for a very long name and description', () => {
    const huge = productWords(
      `Extraordinarily Long Brandname Ultimate Smoothing Overnight Face Tape Collection. ${Array.from(
        { length: 60 },
        (_, i) => `Benefit number ${i} that goes on and on for quite a while indeed.`,
      ).join(' ')}`,
    );
    const hooks = [`${'very long hook '.repeat(12)}${huge.name}`];
    const voice = { ...captionVoice(''), short: false, emoji: ['✨', '💜', '🌙'] };
    const [c] = writeCaptions({ linkId: 'l', hooks, product: huge, voice });
    expect(captionSchema.safeParse(c).success).toBe(true);
    expect(c.title.length).toBeLessThanOrEqual(90);
    expect(c.title).not.toMatch(/\s$/);
    expect(c.description.length).toBeLessThanOrEqual(2200);
    expect(c.hashtags.every((t) => t.length <= 51)).toBe(true);
  });

  it('makes tags a TikTok accepts from any product name', () => {
    const voice = captionVoice('');
    for (const d of [FACE_TAPE.german, 'Crème Brûlée Lip Balm', 'ルミデュー テープ', '!!!', 'x']) {
      const tags = captionTags(productWords(d), voice, 'l', 0);
      expect(tags.length).toBeGreaterThanOrEqual(3);
      for (const t of tags) expect(t).toMatch(/^#[\p{L}\p{N}_]{1,50}$/u);
    }
    expect(captionTags(productWords('LumiDew Crème Brûlée balm'), voice, 'l', 0).slice(0, 2)).toEqual([
      '#lumidew',
      '#cremebruleebalm',
    ]);
  });
});
