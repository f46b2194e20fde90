import sharp from 'sharp';
import { Rgb } from './pixels';

/**
 * OpenCV's inpainting (@techstark/opencv-js: OpenCV 4.12 in WebAssembly). Telea's fast-marching method
 * fills the masked letters from their surroundings; it is run at the working size, and only the masked
 * region of its result is laid over the full-resolution original, so the rest of the photo keeps every pixel.
 */

// The opencv.js module has no usable typings for its runtime object; the calls used here are few.
/* eslint-disable @typescript-eslint/no-explicit-any */
type Cv = any;
let ready: Promise<{ cv: Cv }> | undefined;

/**
 * The initialised module, wrapped: an Emscripten module is a thenable, so a promise must never resolve
 * to it (awaiting it would adopt its `then` and never settle).
 */
export function loadCv(): Promise<{ cv: Cv }> {
  ready ??= new Promise((resolve) => {
    const cv = require('@techstark/opencv-js');
    if (cv.Mat) resolve({ cv });
    else cv.onRuntimeInitialized = () => resolve({ cv });
  });
  return ready;
}

export type InpaintMethod = 'telea' | 'ns';

/** Inpaints `mask` (1 byte per pixel, non-zero = fill) on `img`; returns a new image of the same size. */
export async function inpaint(img: Rgb, mask: Uint8Array, radius = 5, method: InpaintMethod = 'telea'): Promise<Rgb> {
  const { cv } = await loadCv();
  const src = cv.matFromArray(img.height, img.width, cv.CV_8UC3, img.data);
  const m = cv.matFromArray(img.height, img.width, cv.CV_8UC1, mask);
  const dst = new cv.Mat();
  try {
    cv.inpaint(src, m, dst, radius, method === 'telea' ? cv.INPAINT_TELEA : cv.INPAINT_NS);
    return { data: new Uint8Array(dst.data), width: img.width, height: img.height };
  } finally {
    src.delete();
    m.delete();
    dst.delete();
  }
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
