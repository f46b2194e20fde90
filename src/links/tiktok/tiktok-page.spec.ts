import { PermanentError, TransientError } from '../../common/errors';
import { PageData, classifyPage, parseTikTokPage } from './tiktok-page';

const ID = '7412345678901234567';

function universal(scope: Record<string, unknown>): string {
  const json = JSON.stringify({ __DEFAULT_SCOPE__: scope }).replace(/</g, '\\u003c');
  return `<html><head></head><body><script id="__UNIVERSAL_DATA_FOR_REHYDRATION__" type="application/json">${json}</script></body></html>`;
}

const appContext = { 'webapp.app-context': { language: 'en' } };
const image = (n: number) => ({
  imageURL: {
    urlList: [
      `https://p16-sign-va.tiktokcdn.com/obj/${n}.jpeg?x-expires=1&x-signature=a`,
      `https://p19-sign.tiktokcdn-us.com/obj/${n}.jpeg`,
    ],
  },
  imageWidth: 1080,
  imageHeight: 1440,
});
const photoItem = {
  id: ID,
  desc: 'three tips </script> for <b>glow</b>',
  author: { uniqueId: 'glowgirl', nickname: 'Glow' },
  music: { playUrl: 'https://sf16-ies-music.tiktokcdn.com/obj/a.mp3', title: 'original sound', duration: 24 },
  imagePost: { images: [image(1), image(2), image(3)] },
  video: { id: '', duration: 0 },
};
const detailPage = (detail: unknown) => universal({ ...appContext, 'webapp.video-detail': detail });

function classified(html: string): unknown {
  try {
    return classifyPage(parseTikTokPage(html, ID), ID);
  } catch (e) {
    return e;
  }
}

describe('parseTikTokPage + classifyPage', () => {
  it('reads a slideshow from the universal data script: slides in order, every URL kept, audio, caption', () => {
    const post = classifyPage(
      parseTikTokPage(detailPage({ statusCode: 0, itemInfo: { itemStruct: photoItem } }), ID),
      ID,
    );
    expect(post.postId).toBe(ID);
    expect(post.author).toBe('glowgirl');
    expect(post.caption).toBe('three tips </script> for <b>glow</b>');
    expect(post.slides).toHaveLength(3);
    expect(post.slides[1].urls).toEqual(image(2).imageURL.urlList);
    expect(post.slides[0]).toMatchObject({ width: 1080, height: 1440 });
    expect(post.audio).toEqual({ urls: [photoItem.music.playUrl], title: 'original sound', durationSec: 24 });
  });

  it('reads the older SIGI_STATE shape (ItemModule keyed by id, author as a string)', () => {
    const sigi = { ItemModule: { [ID]: { ...photoItem, author: 'oldschool' } } };
    const html = `<script id="SIGI_STATE" type="application/json">${JSON.stringify(sigi).replace(/</g, '\\u003c')}</script>`;
    const post = classifyPage(parseTikTokPage(html, ID), ID);
    expect(post.author).toBe('oldschool');
    expect(post.slides).toHaveLength(3);
  });

  it.each([
    [10204, 'not_found'],
    [10222, 'private'],
    [10231, 'region_locked'],
  ])('statusCode %i is a permanent %s', (statusCode, code) => {
    const e = classified(detailPage({ statusCode, statusMsg: '' }));
    expect(e).toBeInstanceOf(PermanentError);
    expect((e as PermanentError).code).toBe(code);
  });

  it('an unknown non-zero status is transient (TikTok hiccup, not the user’s fault)', () => {
    expect(classified(detailPage({ statusCode: 10101 }))).toBeInstanceOf(TransientError);
  });

  it('a video post is "not a slideshow (this post is a video)"', () => {
    const video = {
      ...photoItem,
      imagePost: undefined,
      video: { id: ID, playAddr: 'https://v16.tiktokcdn.com/v.mp4', duration: 12 },
    };
    const e = classified(detailPage({ statusCode: 0, itemInfo: { itemStruct: video } })) as PermanentError;
    expect(e).toBeInstanceOf(PermanentError);
    expect(e.code).toBe('not_slideshow');
    expect(e.message).toBe('not a slideshow (this post is a video)');
  });

  it('a data script without the detail block is "no-detail" (the /photo/ → /video/ retry case), then not found', () => {
    const page = parseTikTokPage(universal(appContext), ID);
    expect(page).toEqual<PageData>({ kind: 'no-detail' });
    expect((classified(universal(appContext)) as PermanentError).code).toBe('not_found');
  });

  it('a captcha/verify page is a transient challenge', () => {
    const html =
      '<html><title>Security Check</title><div id="tiktok-verify-ele"></div><script src="/captcha.js"></script></html>';
    const e = classified(html) as TransientError;
    expect(e).toBeInstanceOf(TransientError);
    expect(e.code).toBe('challenge');
  });

  it('a page with no data at all, or broken JSON, is a transient "could not extract"', () => {
    expect((classified('<html><body>hello</body></html>') as TransientError).code).toBe('extract_failed');
    const broken =
      '<script id="__UNIVERSAL_DATA_FOR_REHYDRATION__" type="application/json">{"__DEFAULT_SCOPE__":</script>';
    expect((classified(broken) as TransientError).code).toBe('extract_failed');
  });

  it('an item with neither photos nor a video is still not a slideshow', () => {
    const e = classified(
      detailPage({ statusCode: 0, itemInfo: { itemStruct: { id: ID, desc: 'x', imagePost: { images: [] } } } }),
    );
    expect((e as PermanentError).code).toBe('not_slideshow');
  });

  it('drops empty and non-string URLs from a urlList and music without playUrl', () => {
    const item = {
      ...photoItem,
      music: { title: 'x', playUrl: '' },
      imagePost: { images: [{ imageURL: { urlList: ['', 5, 'https://a.tiktokcdn.com/1.jpeg'] } }] },
    };
    const post = classifyPage(parseTikTokPage(detailPage({ statusCode: 0, itemInfo: { itemStruct: item } }), ID), ID);
    expect(post.slides[0].urls).toEqual(['https://a.tiktokcdn.com/1.jpeg']);
    expect(post.audio).toBeUndefined();
  });
});
