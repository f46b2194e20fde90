import * as fontkit from 'fontkit';
import { FontClass, TextLook } from '../../pipeline/source-text';

/**
 * The overlay faces, one per TikTok font class, all SIL Open Font License TTFs shipped by
 * `@expo-google-fonts/*` npm packages and loaded by path (require.resolve, so from src, dist or a fresh
 * clone alike), never from the system:
 *   sans        Montserrat        geometric grotesque, the closest OFL face to TikTok's "Classic"
 *   serif       Playfair Display  high-contrast display serif, like TikTok's serif
 *   typewriter  Courier Prime     a typewriter face with real bold
 *   handwriting Caveat            casual marker handwriting
 *   neon        Tilt Neon         rounded single-line tubes, drawn with a glow
 *
 * Text is not handed to sharp as SVG `<text>`: that goes through fontconfig/pango, which only sees
 * installed fonts and silently falls back (or draws tofu boxes) on a machine without them. Instead
 * fontkit shapes the text (kerning, ligatures) and the renderer draws the glyph outlines as SVG paths,
 * so the output depends only on these files and is the same bytes on every machine.
 */
const FACE_FILES: Record<FontClass, { regular: string; bold: string }> = {
  sans: {
    regular: '@expo-google-fonts/montserrat/600SemiBold/Montserrat_600SemiBold.ttf',
    bold: '@expo-google-fonts/montserrat/700Bold/Montserrat_700Bold.ttf',
  },
  serif: {
    regular: '@expo-google-fonts/playfair-display/400Regular/PlayfairDisplay_400Regular.ttf',
    bold: '@expo-google-fonts/playfair-display/700Bold/PlayfairDisplay_700Bold.ttf',
  },
  typewriter: {
    regular: '@expo-google-fonts/courier-prime/400Regular/CourierPrime_400Regular.ttf',
    bold: '@expo-google-fonts/courier-prime/700Bold/CourierPrime_700Bold.ttf',
  },
  handwriting: {
    regular: '@expo-google-fonts/caveat/500Medium/Caveat_500Medium.ttf',
    bold: '@expo-google-fonts/caveat/700Bold/Caveat_700Bold.ttf',
  },
  // Tilt Neon comes in one weight: neon tubes have no bold.
  neon: {
    regular: '@expo-google-fonts/tilt-neon/400Regular/TiltNeon_400Regular.ttf',
    bold: '@expo-google-fonts/tilt-neon/400Regular/TiltNeon_400Regular.ttf',
  },
};

/** TikTok's default caption face (Montserrat Bold). */
export const OVERLAY_FONT_MODULE = FACE_FILES.sans.bold;

export interface PlacedGlyph {
  id: number;
  /** Pen position in font units from the start of the line (x right, y up). */
  x: number;
  y: number;
}

export interface ShapedLine {
  glyphs: PlacedGlyph[];
  /** Advance width in font units. */
  width: number;
}

/** Shaped strings and glyph outlines kept per face: slides repeat the same words at the same sizes. */
const SHAPE_CACHE_MAX = 4000;

/** One loaded face with its shaping and outline caches. */
export class Face {
  readonly unitsPerEm: number;
  readonly capHeight: number;
  private readonly shapes = new Map<string, ShapedLine>();
  private readonly paths = new Map<number, string>();

  constructor(
    readonly file: string,
    private readonly font: fontkit.Font,
  ) {
    this.unitsPerEm = font.unitsPerEm;
    this.capHeight = font.capHeight || font.unitsPerEm * 0.7;
  }

  hasGlyph(codePoint: number): boolean {
    return this.font.hasGlyphForCodePoint(codePoint);
  }

  /** Shapes one line of text (no wrapping) in font units. */
  shape(text: string): ShapedLine {
    const hit = this.shapes.get(text);
    if (hit) return hit;
    const run = this.font.layout(text);
    const glyphs: PlacedGlyph[] = [];
    let pen = 0;
    run.glyphs.forEach((glyph, i) => {
      const pos = run.positions[i];
      glyphs.push({ id: glyph.id, x: pen + pos.xOffset, y: pos.yOffset });
      pen += pos.xAdvance;
    });
    const shaped = { glyphs, width: pen };
    if (this.shapes.size >= SHAPE_CACHE_MAX) this.shapes.clear();
    this.shapes.set(text, shaped);
    return shaped;
  }

  /** One glyph's bounding box in font units (y up), from its outline (the table's box can be stale). */
  glyphBox(id: number): { minX: number; minY: number; maxX: number; maxY: number } {
    const { minX, minY, maxX, maxY } = this.font.getGlyph(id).path.bbox;
    return { minX, minY, maxX, maxY };
  }

  /** SVG path data of one glyph in font units (y up); empty for blank glyphs such as the space. */
  pathData(id: number): string {
    let d = this.paths.get(id);
    if (d === undefined) {
      d = this.font.getGlyph(id).path.toSVG();
      this.paths.set(id, d);
    }
    return d;
  }
}

const faces = new Map<string, Face>();

function loadFace(module: string): Face {
  let face = faces.get(module);
  if (!face) {
    const file = require.resolve(module);
    const opened = fontkit.openSync(file);
    if (!('layout' in opened)) throw new Error(`${module} is a font collection, expected one font`);
    face = new Face(file, opened);
    faces.set(module, face);
  }
  return face;
}

/** The face a look is set in: its font class, bold or regular. */
export function faceFor(look: Pick<TextLook, 'font' | 'bold'>): Face {
  const files = FACE_FILES[look.font] ?? FACE_FILES.sans;
  return loadFace(look.bold ? files.bold : files.regular);
}

/** Absolute path of the default face's TTF. */
export function overlayFontPath(): string {
  return require.resolve(OVERLAY_FONT_MODULE);
}

/** The default face (Montserrat Bold). */
export function overlayFace(): Face {
  return loadFace(OVERLAY_FONT_MODULE);
}

/** Emoji and their helpers (variation selectors, joiners, skin tones, keycaps, tags, flags). */
const EMOJI =
  /\p{Extended_Pictographic}|\p{Emoji_Modifier}|\p{Regional_Indicator}|\u200d|\ufe0e|\ufe0f|\u20e3|[\u{e0020}-\u{e007f}]/u;

/** Invisible emoji helpers: never drawn even by a face that maps them. */
const JOINERS = /\p{Emoji_Modifier}|\u200d|\ufe0e|\ufe0f|\u20e3|[\u{e0020}-\u{e007f}]/u;

export interface Drawable {
  /** The text the face can draw: whitespace runs as one space, line breaks kept, empty lines gone. */
  text: string;
  /** Whether emoji were left out. */
  emoji: boolean;
  /** Other characters the face has no glyph for, each once, in order of appearance. */
  missing: string[];
}

/**
 * Keeps only what the face can draw: emoji and any other code point without a glyph are left out (and
 * reported) rather than drawn as boxes.
 */
export function drawable(text: string, face: Face = overlayFace()): Drawable {
  let out = '';
  let emoji = false;
  const missing = new Set<string>();
  for (const ch of text.normalize('NFC')) {
    const cp = ch.codePointAt(0) ?? 0;
    if (ch === '\n') out += '\n';
    else if (/\s/u.test(ch)) out += ' ';
    else if (cp < 0x20) continue;
    else if (face.hasGlyph(cp) && !JOINERS.test(ch)) out += ch;
    else if (EMOJI.test(ch)) emoji = true;
    else missing.add(ch);
  }
  const clean = out
    .split('\n')
    .map((line) => line.replace(/ {2,}/g, ' ').trim())
    .filter((line) => line.length > 0)
    .join('\n');
  return { text: clean, emoji, missing: [...missing] };
}

/** `drawable(text).text`: what of `text` the face can draw. */
export function drawableText(text: string, face: Face = overlayFace()): string {
  return drawable(text, face).text;
}
