import * as path from 'node:path';
import * as fs from 'node:fs';
import sharp from 'sharp';
import { TextReaderClient } from '../text-reader/text-reader.client';
import { cleanReturnedImage, drawnShare } from './returned-text';

/** Gemini's returned images through the real text reader: text drawn anyway comes out; drawn text is checked. */

const SLIDE = path.resolve(__dirname, '..', '..', '..', 'test', 'fixtures', 'samples', 'set_13', 'slide_2.jpg');

describe('cleanReturnedImage', () => {
  const reader = new TextReaderClient({ idleMs: 60_000 });
  afterAll(() => reader.close());

  it('inpaints text out of a scene that should have none, and keeps a blank one as it is', async () => {
    const withText = fs.readFileSync(SLIDE);
    const out = await cleanReturnedImage(reader, withText, { tag: 'spec' });
    expect(out.equals(withText)).toBe(false);
    const again = await reader.scrub(out);
    expect(again.text.blocks.map((b) => b.text).join(' ')).not.toMatch(/shampooing/);

    const blank = await sharp({ create: { width: 600, height: 800, channels: 3, background: '#406080' } })
      .png()
      .toBuffer();
    expect((await cleanReturnedImage(reader, blank, { tag: 'spec' })).equals(blank)).toBe(true);
  }, 300_000);

  it('keeps the image when the model drew the text itself, and measures how much of the plan it drew', async () => {
    const bytes = fs.readFileSync(SLIDE);
    const planned = 'double shampooing';
    expect((await cleanReturnedImage(reader, bytes, { tag: 'spec', planned })).equals(bytes)).toBe(true);
    expect(drawnShare(planned, 'double shampooing first time')).toBe(1);
    expect(drawnShare('glow serum every morning', 'double shampooing')).toBe(0);
  }, 300_000);

  it('a reader that fails keeps the paid image', async () => {
    const broken = { scrub: () => Promise.reject(new Error('engine down')) };
    const bytes = fs.readFileSync(SLIDE);
    expect((await cleanReturnedImage(broken, bytes, { tag: 'spec' })).equals(bytes)).toBe(true);
  });
});
