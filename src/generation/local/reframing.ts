import sharp from 'sharp';
import { PermanentError } from '../../common/errors';
import { SourceSlide } from '../../pipeline/slideshow';
import { seededRandom } from './seeded';

/**
 * How the offline generator re-frames a source slide for photo variant p (crop window, grade, mirror), and
 * which pixels it starts from: the reader's text-free copy when there is one; never a mirror of pixels that
 * may still carry text; a text-only card's plain colour.
 */

export interface Grade {
  name: string;
  /** Per-channel multipliers and offsets for sharp's `linear`. */
  a: [number, number, number];
  b: [number, number, number];
}

export const GRADES: Grade[] = [
  { name: 'neutral', a: [1, 1, 1], b: [0, 0, 0] },
  { name: 'warm', a: [1.06, 1.0, 0.9], b: [4, 0, -4] },
  { name: 'cool', a: [0.92, 1.0, 1.07], b: [-4, 0, 6] },
  { name: 'rosy', a: [1.05, 0.96, 1.0], b: [6, 0, 2] },
  { name: 'faded', a: [0.88, 0.88, 0.88], b: [20, 20, 22] },
];

/** How photo variant `p` re-frames a source slide; all of it follows from (link, slide, p). */
export interface Reframing {
  zoom: number;
  /** Where the crop window sits in the zoomed image, 0 = left/top, 1 = right/bottom. */
  fx: number;
  fy: number;
  mirror: boolean;
  brightness: number;
  saturation: number;
  hue: number;
  grade: Grade;
}

/**
 * How photo variant `p` of a plan slide is re-framed. `mirrorable` is false while the source image may still
 * carry text: mirrored captions read backwards.
 */
export function reframing(linkId: string, slideIndex: number, p: number, mirrorable = true, take = 0): Reframing {
  const r = seededRandom(`${linkId}:slide${slideIndex}:p${p}${take ? `:take${take}` : ''}`);
  return {
    zoom: 1.06 + r() * 0.22,
    fx: r(),
    fy: r(),
    mirror: r() < 0.5 && mirrorable,
    brightness: 0.94 + r() * 0.12,
    saturation: 0.85 + r() * 0.35,
    hue: Math.round((r() - 0.5) * 16),
    grade: GRADES[Math.floor(r() * GRADES.length)],
  };
}

const pct = (v: number): string => `${v >= 1 ? '+' : '−'}${Math.abs(Math.round((v - 1) * 100))}%`;

function place(f: number): string {
  return f < 0.34 ? 'upper' : f > 0.66 ? 'lower' : 'centre';
}

export function describeReframing(rf: Reframing): string {
  const h = rf.fx < 0.34 ? 'left' : rf.fx > 0.66 ? 'right' : 'centre';
  return (
    `zoomed ${rf.zoom.toFixed(2)}× on the ${place(rf.fy)} ${h}${rf.mirror ? ', mirrored' : ''}, ` +
    `${rf.grade.name} grade (brightness ${pct(rf.brightness)}, saturation ${pct(rf.saturation)}, hue ${rf.hue}°)`
  );
}

/** The slide's text-free copy when the text reader made one, else the slide as fetched. */
export const photoPath = (slide: SourceSlide): string => slide.cleanPath ?? slide.path;

/**
 * True when mirroring shows no letters: only a slide that was read and carries no text at all. A cleaned
 * slide is not enough: its captions are gone, but photos with captions also show packaging, signs and
 * screens the reader leaves alone (on the samples: "BRONSUN" tubes, a "FORM" tablet), and those would
 * read backwards.
 */
export function mirrorable(slide: SourceSlide | undefined): boolean {
  return !!slide?.text && slide.text.blocks.length === 0 && slide.text.marks.length === 0;
}

export const isCard = (slide: SourceSlide | undefined): boolean => slide?.text?.kind === 'card';

/**
 * A card's background when the reader gave none: the mean of the pixels near sharp's dominant colour (its
 * 16-level bins alone are off by up to 8 per channel), so the letters on the card do not tint it.
 */
export async function backgroundColour(file: string): Promise<string> {
  const small = await sharp(file, { failOn: 'none' })
    .resize(64, 64, { fit: 'fill' })
    .removeAlpha()
    .toColourspace('srgb')
    .raw()
    .toBuffer()
    .catch((e: Error) => {
      throw new PermanentError('generation', `source slide image cannot be read: ${e.message}`);
    });
  const { dominant: d } = await sharp(small, { raw: { width: 64, height: 64, channels: 3 } }).stats();
  const sum = [0, 0, 0];
  let n = 0;
  for (let i = 0; i < small.length; i += 3) {
    if (Math.abs(small[i] - d.r) + Math.abs(small[i + 1] - d.g) + Math.abs(small[i + 2] - d.b) > 48) continue;
    for (let c = 0; c < 3; c++) sum[c] += small[i + c];
    n++;
  }
  const rgb = n ? sum.map((v) => Math.round(v / n)) : [d.r, d.g, d.b];
  return `#${rgb.map((c) => c.toString(16).padStart(2, '0')).join('')}`;
}
