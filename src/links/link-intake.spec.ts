import { intakeLinks, parseTikTokUrl, splitLines } from './link-intake';

const ID = '7350123456789012345';

describe('parseTikTokUrl: accepted shapes', () => {
  it.each([
    [`https://www.tiktok.com/@glow.shop/photo/${ID}`, 'photo', `https://www.tiktok.com/@glow.shop/photo/${ID}`],
    [`https://www.tiktok.com/@glow.shop/video/${ID}`, 'video', `https://www.tiktok.com/@glow.shop/video/${ID}`],
    [`https://tiktok.com/@glow_shop/photo/${ID}`, 'photo', `https://www.tiktok.com/@glow_shop/photo/${ID}`],
    [`https://m.tiktok.com/@glow/photo/${ID}`, 'photo', `https://www.tiktok.com/@glow/photo/${ID}`],
    [`http://www.tiktok.com/@glow/photo/${ID}`, 'photo', `https://www.tiktok.com/@glow/photo/${ID}`],
    [`https://WWW.TIKTOK.COM/@glow/photo/${ID}`, 'photo', `https://www.tiktok.com/@glow/photo/${ID}`],
    [`https://www.tiktok.com/@glow/photo/${ID}/`, 'photo', `https://www.tiktok.com/@glow/photo/${ID}`],
    [
      `https://www.tiktok.com/@glow/photo/${ID}?is_from_webapp=1&sender_device=pc`,
      'photo',
      `https://www.tiktok.com/@glow/photo/${ID}`,
    ],
    [
      `https://www.tiktok.com/@glow/photo/${ID}?_r=1&_t=8kXyz#comments`,
      'photo',
      `https://www.tiktok.com/@glow/photo/${ID}`,
    ],
    [`https://www.tiktok.com/@glow/PHOTO/${ID}`, 'photo', `https://www.tiktok.com/@glow/photo/${ID}`],
    [`www.tiktok.com/@glow/photo/${ID}`, 'photo', `https://www.tiktok.com/@glow/photo/${ID}`],
    [`tiktok.com/@glow/photo/${ID}`, 'photo', `https://www.tiktok.com/@glow/photo/${ID}`],
    [`<https://www.tiktok.com/@glow/photo/${ID}>`, 'photo', `https://www.tiktok.com/@glow/photo/${ID}`],
    [`"https://www.tiktok.com/@glow/photo/${ID}",`, 'photo', `https://www.tiktok.com/@glow/photo/${ID}`],
    [`https://m.tiktok.com/v/${ID}.html`, 'video', `https://www.tiktok.com/@_/video/${ID}`],
    ['https://vm.tiktok.com/ZMabc123/', 'short', 'https://vm.tiktok.com/ZMabc123/'],
    ['https://vm.tiktok.com/ZMabc123', 'short', 'https://vm.tiktok.com/ZMabc123/'],
    ['https://vt.tiktok.com/ZSxyz789/?utm=1', 'short', 'https://vt.tiktok.com/ZSxyz789/'],
    ['vm.tiktok.com/ZMabc123/', 'short', 'https://vm.tiktok.com/ZMabc123/'],
    ['https://www.tiktok.com/t/ZTRabc12/', 'short', 'https://www.tiktok.com/t/ZTRabc12/'],
    ['https://tiktok.com/t/ZTRabc12', 'short', 'https://www.tiktok.com/t/ZTRabc12/'],
  ])('%s', (input, kind, url) => {
    const parsed = parseTikTokUrl(input);
    expect(parsed.kind).toBe(kind);
    expect(parsed.url).toBe(url);
    expect(parsed.postId).toBe(kind === 'short' ? null : ID);
  });
});

describe('parseTikTokUrl: rejected shapes, each with a reason', () => {
  it.each([
    ['hello', 'not a URL'],
    ['https://example.com/@glow/photo/7350123456789012345', 'not a TikTok link'],
    ['https://tiktok.com.evil.example/@a/photo/7350123456789012345', 'not a TikTok link'],
    ['https://www.instagram.com/p/Cabc/', 'not a TikTok link'],
    ['ftp://www.tiktok.com/@glow/photo/7350123456789012345', 'unsupported scheme'],
    ['mailto:x@tiktok.com', 'not a URL'],
    ['javascript:alert(1)', 'not a URL'],
    ['https://www.tiktok.com/', 'home page'],
    ['https://www.tiktok.com/@glow', 'a profile'],
    ['https://www.tiktok.com/@glow/photo/123', 'post id'],
    ['https://www.tiktok.com/@glow/photo/abc', 'post id'],
    ['https://www.tiktok.com/@glow/live/7350123456789012345', 'not a post'],
    ['https://www.tiktok.com/@glow/photo/7350123456789012345/extra', 'unexpected path'],
    ['https://www.tiktok.com/music/song-7350123456789012345', 'not a TikTok post link'],
    ['https://vm.tiktok.com/', 'short link without a valid code'],
    ['https://vm.tiktok.com/a/b', 'short link without a valid code'],
    ['https://ads.tiktok.com/@glow/photo/7350123456789012345', 'not a TikTok post host'],
    ['https://www.tiktok.com/@bad<name>/photo/7350123456789012345', 'handle'],
  ])('%s', (input, reason) => {
    expect(() => parseTikTokUrl(input)).toThrow(reason);
  });
});

describe('intakeLinks', () => {
  it('splits into lines numbered as in the text box, each line into tokens', () => {
    expect(splitLines('a\nb,c\td e\r\n\n,f').map((l) => [l.line, l.tokens])).toEqual([
      [1, ['a']],
      [2, ['b', 'c', 'd', 'e']],
      [4, ['f']],
    ]);
    expect(splitLines(['a b', 'c']).map((l) => l.line)).toEqual([1, 2]);
  });

  it('numbers entries by line: a line of prose is one invalid line, a link inside text is taken out', () => {
    const r = intakeLinks(
      [
        'my favourite slideshows from last week',
        '',
        `check this one https://www.tiktok.com/@a/photo/${ID}?lang=en it is great`,
        'see: vm.tiktok.com/ZMabc123/, and tiktok.com/@b/photo/7350123456789012399',
        'javascript:alert(1) is not a link here',
      ].join('\n'),
    );
    expect(r.valid.map((v) => [v.line, v.url])).toEqual([
      [3, `https://www.tiktok.com/@a/photo/${ID}`],
      [4, 'https://vm.tiktok.com/ZMabc123/'],
      [4, 'https://www.tiktok.com/@b/photo/7350123456789012399'],
    ]);
    expect(r.invalid).toEqual([
      { line: 1, input: 'my favourite slideshows from last week', reason: 'no link in this line', code: 'no_link' },
      { line: 5, input: 'javascript:alert(1) is not a link here', reason: 'no link in this line', code: 'no_link' },
    ]);
  });

  it('a link-like token that is not a TikTok post is refused with its own reason, on its line', () => {
    const r = intakeLinks(`see https://example.com/x and https://www.tiktok.com/@a/photo/${ID}`);
    expect(r.valid.map((v) => v.line)).toEqual([1]);
    expect(r.invalid).toEqual([
      { line: 1, input: 'https://example.com/x', reason: 'not a TikTok link (host "example.com")', code: 'invalid' },
    ]);
  });

  it('rejects duplicates by post id whatever the URL form, naming the first line', () => {
    const r = intakeLinks([
      `https://www.tiktok.com/@a/photo/${ID}`,
      `https://m.tiktok.com/@a/video/${ID}?x=1`,
      'https://vm.tiktok.com/ZMabc123/',
      'vm.tiktok.com/ZMabc123',
    ]);
    expect(r.valid).toHaveLength(2);
    expect(r.invalid).toEqual([
      { line: 2, input: `https://m.tiktok.com/@a/video/${ID}?x=1`, reason: 'duplicate of line 1', code: 'duplicate' },
      { line: 4, input: 'vm.tiktok.com/ZMabc123', reason: 'duplicate of line 3', code: 'duplicate' },
    ]);
  });

  it('accepts at most 100 links and says why the rest were refused', () => {
    const links = Array.from(
      { length: 103 },
      (_, i) => `https://www.tiktok.com/@a/photo/${7350000000000000000n + BigInt(i)}`,
    );
    const r = intakeLinks(links.join('\n'));
    expect(r.valid).toHaveLength(100);
    expect(r.invalid.map((i) => i.line)).toEqual([101, 102, 103]);
    expect(r.invalid[0]).toMatchObject({ reason: 'over the limit of 100 links per batch', code: 'over_limit' });
  });

  it('lists every invalid line with its position and keeps the valid ones in order', () => {
    const r = intakeLinks(`nonsense\nhttps://www.tiktok.com/@a/photo/${ID}\nhttps://example.com/x`);
    expect(r.valid.map((v) => v.postId)).toEqual([ID]);
    expect(r.invalid.map((i) => [i.line, i.reason])).toEqual([
      [1, 'not a URL'],
      [3, 'not a TikTok link (host "example.com")'],
    ]);
  });

  it('truncates a huge garbage token in the report', () => {
    const r = intakeLinks('x'.repeat(5000));
    expect(r.invalid[0].input.length).toBeLessThanOrEqual(300);
  });
});
