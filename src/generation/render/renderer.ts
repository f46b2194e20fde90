import sharp, { JpegOptions } from 'sharp';
import { SlideshowPlan, SlideStyle } from '../../pipeline/plan';
import { TextLook } from '../../pipeline/source-text';
import { layoutText, Size, TextBand } from './layout';
import { lettersAlpha } from './glyphs';
import { blendOver, drawOutlined, outlineFromPixels, overlayBounds, overlaySvg } from './overlay';

/**
 * Draws a slide's new text onto its image in the source's style and writes the final JPEG. Layout (fonts per
 * class, wrap, fit, safe area) is in layout.ts, the text layer in overlay.ts; glyph outlines drawn as SVG
 * paths, so the result is the same bytes on every machine (see fonts.ts for why no `<text>` is used).
 */
export { applyCasing, layoutText, safeArea, splitTitleBody } from './layout';
export type { LaidOutLine, Rect, Size, TextBand, TextLayout } from './layout';
export { overlayBounds, overlaySvg } from './overlay';

export type Aspect = SlideshowPlan['aspect'];

/** TikTok's photo-mode sizes: 1080 wide, 3:4 or 9:16. */
export function outputSize(aspect: Aspect): { width: 1080; height: 1440 | 1920 } {
  return aspect === '3:4' ? { width: 1080, height: 1440 } : { width: 1080, height: 1920 };
}

/** Never blow an image up by more than this: past ~1.1× the softness shows. */
export const MAX_UPSCALE = 1.1;

/**
 * The slide size for a base image of `image` pixels: the aspect's standard size, shrunk (keeping its shape)
 * where that would enlarge the image more than `MAX_UPSCALE` times.
 */
export function slideSize(aspect: Aspect, image: { width: number; height: number }): Size {
  const full = outputSize(aspect);
  const scale = Math.min(1, MAX_UPSCALE * Math.min(image.width / full.width, image.height / full.height) || 1);
  const even = (n: number) => Math.max(2, 2 * Math.floor((n * scale) / 2));
  return scale >= 1 ? full : { width: even(full.width), height: even(full.height) };
}

/**
 * Plain libjpeg-turbo at q90 with optimised Huffman tables. mozjpeg's trellis quantisation would save about
 * 10% of the bytes but makes encoding 3–5× slower, and encoding is most of a slide's render time; a
 * 10,000-variation batch renders tens of thousands of slides.
 */
export const SLIDE_JPEG: JpegOptions = { quality: 90, optimiseCoding: true, chromaSubsampling: '4:2:0' };

/**
 * Cover-fits `base` to `size`, draws `text` in `style` and returns an sRGB JPEG without metadata, exactly
 * `size`. What the fonts cannot draw (emoji, scripts they lack) is left out and said in `notes`; it never
 * fails the slide, and a text with nothing drawable leaves the slide without text.
 *
 * The slide is decoded and resized once to raw pixels, the text's small overlay is blended into its own
 * region here, and the result encoded once: libvips' composite would convert and blend the whole slide
 * (about as much work again as the resize and encode) for a text that covers a fifth of it. The default
 * outlined look (one part) takes the fast path: letters from cached glyph bitmaps (glyphs.ts), the outline
 * from their pixels (overlay.ts); other looks rasterise their text region's SVG with librsvg.
 */
export async function renderSlide(
  base: Buffer,
  text: string,
  style: SlideStyle,
  size: Size,
  notes: string[] = [],
  band: TextBand | null = null,
): Promise<Buffer> {
  let layout = layoutText(text, style, size, notes, band);
  const image = sharp(base, { failOn: 'none' })
    .autoOrient()
    .resize(size.width, size.height, { fit: 'cover', position: 'centre' })
    .flatten({ background: '#000000' })
    .toColourspace('srgb');
  if (!layout) return image.jpeg(SLIDE_JPEG).toBuffer();
  const decoded = image.raw().toBuffer();
  // Only plain letters may need an outline for contrast, and that needs the pixels first; every other look
  // decodes the photo and rasterises its letters at the same time.
  if (style.treatment === 'none' || style.body?.treatment === 'none') {
    const pixels = await decoded;
    const legible = legibleStyle(style, pixels, size.width, overlayBounds(layout, size));
    if (legible !== style) layout = layoutText(text, legible, size, [], band) ?? layout;
  }
  const area = overlayBounds(layout, size);
  const outline = outlineFromPixels(layout);
  if (outline) {
    const [pixels, letters] = await Promise.all([decoded, lettersAlpha(layout, area)]);
    drawOutlined(pixels, size.width, letters, outline, outline.radius, area);
    return encodeRaw(pixels, size);
  }
  const [pixels, overlay] = await Promise.all([
    decoded,
    sharp(Buffer.from(overlaySvg(layout, area)))
      .ensureAlpha()
      .raw()
      .toBuffer(),
  ]);
  blendOver(pixels, size.width, overlay, area);
  return encodeRaw(pixels, size);
}

/** Relative luminance (WCAG) of an sRGB colour given as 0–255 channels. */
function luminance(r: number, g: number, b: number): number {
  const lin = (c: number) => {
    const v = c / 255;
    return v <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b);
}

const hexLuminance = (hex: string): number =>
  luminance(parseInt(hex.slice(1, 3), 16), parseInt(hex.slice(3, 5), 16), parseInt(hex.slice(5, 7), 16));

/** Below this contrast ratio between the letters and the photo under them, plain letters are hard to read. */
const MIN_CONTRAST = 2.5;
/** Share of the text area's pixels that may be too close to the letters before an outline is added. */
const MAX_LOW_CONTRAST = 0.2;

/**
 * Plain letters (treatment none) rely on the photo for contrast. The source set them where that worked, but
 * a re-framed crop, another photo variant or a cleaned area can put light letters on a light patch: when more
 * than a fifth of the pixels under the text are too close to the fill, the look gets a thin outline in the
 * opposite tone (what TikTok's own "classic" text does), the rest of it unchanged.
 */
export function legibleStyle(
  style: SlideStyle,
  pixels: Buffer,
  width: number,
  area: { left: number; top: number; width: number; height: number },
): SlideStyle {
  const plain = (look: TextLook) => look.treatment === 'none';
  if (!plain(style) && !(style.body && plain(style.body))) return style;
  const step = Math.max(1, Math.round(Math.sqrt((area.width * area.height) / 4000)));
  const lums: number[] = [];
  for (let y = area.top; y < area.top + area.height; y += step) {
    for (let x = area.left; x < area.left + area.width; x += step) {
      const i = (y * width + x) * 3;
      if (i + 2 < pixels.length) lums.push(luminance(pixels[i], pixels[i + 1], pixels[i + 2]));
    }
  }
  if (!lums.length) return style;
  const fix = (look: TextLook): TextLook => {
    if (!plain(look)) return look;
    const fill = hexLuminance(look.fill);
    const low = lums.filter((l) => (Math.max(l, fill) + 0.05) / (Math.min(l, fill) + 0.05) < MIN_CONTRAST).length;
    if (low / lums.length <= MAX_LOW_CONTRAST) return look;
    return { ...look, treatment: 'outline', accent: fill > 0.4 ? '#000000' : '#FFFFFF' };
  };
  const title = fix(style);
  const body = style.body ? fix(style.body) : null;
  if (title === style && body === style.body) return style;
  return { ...style, ...title, box: style.box, body };
}

function encodeRaw(pixels: Buffer, size: Size): Promise<Buffer> {
  return sharp(pixels, { raw: { width: size.width, height: size.height, channels: 3 } })
    .jpeg(SLIDE_JPEG)
    .toBuffer();
}
