import { inpaint } from './inpaint';
import { Rgb } from './pixels';

/** A smooth picture: red rises left to right, green top to bottom, blue constant. */
function gradient(width: number, height: number): Rgb {
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) {
      const p = (y * width + x) * 3;
      data[p] = Math.round((x / (width - 1)) * 255);
      data[p + 1] = Math.round((y / (height - 1)) * 255);
      data[p + 2] = 90;
    }
  return { data, width, height };
}

describe('inpaint (pull-push fill)', () => {
  const img = gradient(120, 160);
  // "Letters": white bars of a caption, 3 and 12 px wide, written over the picture and masked.
  const mask = new Uint8Array(img.width * img.height);
  const captioned = { ...img, data: new Uint8Array(img.data) };
  for (let y = 60; y < 84; y++)
    for (let x = 10; x < 110; x++)
      if (x % 20 < (y < 72 ? 3 : 12)) {
        mask[y * img.width + x] = 255;
        captioned.data.fill(255, (y * img.width + x) * 3, (y * img.width + x) * 3 + 3);
      }

  it('fills the letters with the colours around them and leaves every other pixel as it was', () => {
    const out = inpaint(captioned, mask);
    let worst = 0;
    for (let p = 0; p < mask.length; p++)
      for (let k = 0; k < 3; k++) {
        const d = Math.abs(out.data[p * 3 + k] - img.data[p * 3 + k]);
        if (mask[p]) worst = Math.max(worst, d);
        else expect(out.data[p * 3 + k]).toBe(captioned.data[p * 3 + k]);
      }
    // The bars' white (255) is gone: each filled pixel is within 12 levels of the picture under it (the bars
    // were 150+ off).
    expect(worst).toBeLessThanOrEqual(12);
    expect(out).toMatchObject({ width: img.width, height: img.height });
  });

  it('changes nothing when nothing is masked', () => {
    expect(Buffer.from(inpaint(captioned, new Uint8Array(mask.length)).data).equals(Buffer.from(captioned.data))).toBe(
      true,
    );
  });
});
