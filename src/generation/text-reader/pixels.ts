/** An RGB image as raw bytes (3 channels), the form every pixel measurement here works on. */
export interface Rgb {
  data: Uint8Array;
  width: number;
  height: number;
}

/** A rectangle in pixels of the image it belongs to (x1, y1 exclusive). */
export interface PxBox {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

export type Colour = [number, number, number];

export const luma = (c: Colour): number => 0.299 * c[0] + 0.587 * c[1] + 0.114 * c[2];

export function colourDistance(a: Colour, b: Colour): number {
  return Math.hypot(a[0] - b[0], a[1] - b[1], a[2] - b[2]);
}

export function hex(c: Colour): string {
  return `#${c
    .map((v) =>
      Math.max(0, Math.min(255, Math.round(v)))
        .toString(16)
        .padStart(2, '0'),
    )
    .join('')}`;
}

export function pixel(img: Rgb, x: number, y: number): Colour {
  const i = (y * img.width + x) * 3;
  return [img.data[i], img.data[i + 1], img.data[i + 2]];
}

export function clampBox(b: PxBox, width: number, height: number): PxBox {
  return {
    x0: Math.max(0, Math.floor(b.x0)),
    y0: Math.max(0, Math.floor(b.y0)),
    x1: Math.min(width, Math.ceil(b.x1)),
    y1: Math.min(height, Math.ceil(b.y1)),
  };
}

export function pad(b: PxBox, px: number, py = px): PxBox {
  return { x0: b.x0 - px, y0: b.y0 - py, x1: b.x1 + px, y1: b.y1 + py };
}

export function unionPx(boxes: PxBox[]): PxBox {
  return {
    x0: Math.min(...boxes.map((b) => b.x0)),
    y0: Math.min(...boxes.map((b) => b.y0)),
    x1: Math.max(...boxes.map((b) => b.x1)),
    y1: Math.max(...boxes.map((b) => b.y1)),
  };
}

export function overlap(a: PxBox, b: PxBox): number {
  const w = Math.min(a.x1, b.x1) - Math.max(a.x0, b.x0);
  const h = Math.min(a.y1, b.y1) - Math.max(a.y0, b.y0);
  return w > 0 && h > 0 ? w * h : 0;
}

export const area = (b: PxBox): number => Math.max(0, b.x1 - b.x0) * Math.max(0, b.y1 - b.y0);

/** The per-channel median of a list of colours (robust against the few odd pixels JPEG adds). */
export function medianColour(colours: Colour[]): Colour {
  if (!colours.length) return [0, 0, 0];
  const med = (k: number) => {
    const v = colours.map((c) => c[k]).sort((a, b) => a - b);
    return v[Math.floor(v.length / 2)];
  };
  return [med(0), med(1), med(2)];
}

/** Every `step`-th pixel of a box (all of them for small boxes). */
export function sample(img: Rgb, b: PxBox, step = 1): Colour[] {
  const c = clampBox(b, img.width, img.height);
  const out: Colour[] = [];
  for (let y = c.y0; y < c.y1; y += step) for (let x = c.x0; x < c.x1; x += step) out.push(pixel(img, x, y));
  return out;
}

/** The pixels of the ring between `inner` and `inner` padded by `width` (the surroundings of a box). */
export function ring(img: Rgb, inner: PxBox, width: number, step = 1): Colour[] {
  const outer = clampBox(pad(inner, width), img.width, img.height);
  const out: Colour[] = [];
  for (let y = outer.y0; y < outer.y1; y += step)
    for (let x = outer.x0; x < outer.x1; x += step)
      if (x < inner.x0 || x >= inner.x1 || y < inner.y0 || y >= inner.y1) out.push(pixel(img, x, y));
  return out;
}

/** Share of `colours` within `tolerance` of `of`. */
export function shareNear(colours: Colour[], of: Colour, tolerance: number): number {
  if (!colours.length) return 0;
  return colours.filter((c) => colourDistance(c, of) <= tolerance).length / colours.length;
}

/** Grows a binary mask (1 byte per pixel, 0 or 255) by `r` pixels (square structuring element, separable). */
export function dilate(mask: Uint8Array, width: number, height: number, r: number): Uint8Array {
  if (r <= 0) return mask;
  const tmp = new Uint8Array(mask.length);
  for (let y = 0; y < height; y++) {
    // two sweeps per row: distance to the nearest set pixel on either side
    let prev = -Infinity;
    for (let x = 0; x < width; x++) {
      if (mask[y * width + x]) prev = x;
      if (x - prev <= r) tmp[y * width + x] = 255;
    }
    let next = Infinity;
    for (let x = width - 1; x >= 0; x--) {
      if (mask[y * width + x]) next = x;
      if (next - x <= r) tmp[y * width + x] = 255;
    }
  }
  const out = new Uint8Array(mask.length);
  for (let x = 0; x < width; x++) {
    let prev = -Infinity;
    for (let y = 0; y < height; y++) {
      if (tmp[y * width + x]) prev = y;
      if (y - prev <= r) out[y * width + x] = 255;
    }
    let next = Infinity;
    for (let y = height - 1; y >= 0; y--) {
      if (tmp[y * width + x]) next = y;
      if (next - y <= r) out[y * width + x] = 255;
    }
  }
  return out;
}
