import sharp from 'sharp';
import { Rgb } from './pixels';

/**
 * Fills the masked letters from their surroundings by pull-push (Gortler et al., "The Lumigraph", 1996): the
 * known pixels are averaged down an image pyramid, each level half the size of the one below, with a 3×3 tent;
 * then, from the top down, every pixel not fully known takes its colour from the coarser level, bilinearly.
 * A hole is filled from the nearest level whose pixels reach across it, so thin strokes take their immediate
 * neighbours and wide blocks a smooth blend of what surrounds them. It runs at the working size; only the
 * masked region of its result is laid over the full-resolution original (composite below).
 *
 * Why not OpenCV's Telea (OpenCV.js, which this used before): measured side by side on the 41 sample slides,
 * OpenCV.js holds ~82 MB resident once loaded and ~30 MB more of WebAssembly heap after one fill, for this one
 * function, in every worker's text reader; pull-push uses a few MB while it runs and nothing after. On the
 * held-out caption strips of `bench/text-reader.ts` it scored 30.2 dB PSNR on thin strokes and 26.5 dB on
 * thick ones, against Telea's 30.2 and 27.2 and Navier-Stokes' 31.8 and 27.4, and on real captions it leaves
 * a soft blur where Telea streaked grey blocks across the people behind set_03's caption (README, "Source text").
 */

/** How many times a coarser pixel's known share is trusted: 4 = one known pixel of its 2×2 makes it known. */
const CONFIDENCE = 4;
const TENT = [1, 2, 1];

interface Level {
  w: number;
  h: number;
  /** Colour, 3 floats a pixel. */
  c: Float32Array;
  /** How much of the pixel is known, 0..1. */
  a: Float32Array;
}

function pull(l: Level): Level {
  const w = Math.ceil(l.w / 2);
  const h = Math.ceil(l.h / 2);
  const n: Level = { w, h, c: new Float32Array(w * h * 3), a: new Float32Array(w * h) };
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      let s = 0;
      let r = 0;
      let g = 0;
      let b = 0;
      for (let dy = -1; dy <= 1; dy++)
        for (let dx = -1; dx <= 1; dx++) {
          const fx = 2 * x + dx;
          const fy = 2 * y + dy;
          if (fx < 0 || fy < 0 || fx >= l.w || fy >= l.h) continue;
          const q = fy * l.w + fx;
          const a = (l.a[q] * TENT[dx + 1] * TENT[dy + 1]) / 16;
          s += a;
          r += a * l.c[q * 3];
          g += a * l.c[q * 3 + 1];
          b += a * l.c[q * 3 + 2];
        }
      const p = y * w + x;
      if (s > 0) {
        n.c[p * 3] = r / s;
        n.c[p * 3 + 1] = g / s;
        n.c[p * 3 + 2] = b / s;
      }
      n.a[p] = Math.min(1, s * CONFIDENCE);
    }
  return n;
}

/** Completes `f` from the (complete) coarser level `c`. */
function push(f: Level, c: Level): void {
  for (let y = 0; y < f.h; y++) {
    const cy = Math.min(c.h - 1, Math.max(0, (y + 0.5) / 2 - 0.5));
    const y0 = Math.floor(cy);
    const y1 = Math.min(c.h - 1, y0 + 1);
    const ty = cy - y0;
    for (let x = 0; x < f.w; x++) {
      const p = y * f.w + x;
      const a = f.a[p];
      if (a >= 1) continue;
      const cx = Math.min(c.w - 1, Math.max(0, (x + 0.5) / 2 - 0.5));
      const x0 = Math.floor(cx);
      const x1 = Math.min(c.w - 1, x0 + 1);
      const tx = cx - x0;
      for (let k = 0; k < 3; k++) {
        const top = c.c[(y0 * c.w + x0) * 3 + k] * (1 - tx) + c.c[(y0 * c.w + x1) * 3 + k] * tx;
        const bottom = c.c[(y1 * c.w + x0) * 3 + k] * (1 - tx) + c.c[(y1 * c.w + x1) * 3 + k] * tx;
        f.c[p * 3 + k] = a * f.c[p * 3 + k] + (1 - a) * (top * (1 - ty) + bottom * ty);
      }
      f.a[p] = 1;
    }
  }
}

/** Fills `mask` (1 byte per pixel, non-zero = fill) on `img`; returns a new image of the same size. */
export function inpaint(img: Rgb, mask: Uint8Array): Rgb {
  const { width: W, height: H } = img;
  const base: Level = { w: W, h: H, c: new Float32Array(W * H * 3), a: new Float32Array(W * H) };
  for (let p = 0; p < W * H; p++) {
    if (mask[p]) continue;
    base.a[p] = 1;
    for (let k = 0; k < 3; k++) base.c[p * 3 + k] = img.data[p * 3 + k];
  }
  const levels = [base];
  while (levels[levels.length - 1].w > 1 || levels[levels.length - 1].h > 1)
    levels.push(pull(levels[levels.length - 1]));
  for (let i = levels.length - 2; i >= 0; i--) push(levels[i], levels[i + 1]);
  const out = new Uint8Array(img.data);
  for (let p = 0; p < W * H; p++)
    if (mask[p]) for (let k = 0; k < 3; k++) out[p * 3 + k] = Math.round(base.c[p * 3 + k]);
  return { data: out, width: W, height: H };
}

/**
 * Lays the inpainted working-size image over the full-size original through the (softened) mask, and
 * encodes the result as JPEG.
 */
export async function composite(original: Rgb, work: Rgb, mask: Uint8Array, jpegQuality = 90): Promise<Buffer> {
  const { width: W, height: H } = original;
  const raw3 = (r: Rgb) => ({ raw: { width: r.width, height: r.height, channels: 3 as const } });
  const up =
    work.width === W && work.height === H
      ? work.data
      : new Uint8Array(await sharp(work.data, raw3(work)).resize(W, H, { fit: 'fill' }).raw().toBuffer());
  const alpha = new Uint8Array(
    await sharp(mask, { raw: { width: work.width, height: work.height, channels: 1 } })
      .resize(W, H, { fit: 'fill' })
      .blur(1)
      // One byte per pixel out, whatever colour space sharp chose on the way.
      .extractChannel(0)
      .raw()
      .toBuffer(),
  );
  const out = Buffer.alloc(W * H * 3);
  for (let p = 0; p < W * H; p++) {
    const a = alpha[p] / 255;
    for (let k = 0; k < 3; k++) {
      const i = p * 3 + k;
      out[i] = a === 0 ? original.data[i] : Math.round(original.data[i] * (1 - a) + up[i] * a);
    }
  }
  return sharp(out, raw3(original)).jpeg({ quality: jpegQuality }).toBuffer();
}
