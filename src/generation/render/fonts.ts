import * as fontkit from 'fontkit';

/**
 * The overlay font: Montserrat Bold (SIL Open Font License), shipped as a TTF by the
 * `@expo-google-fonts/montserrat` npm package and loaded by path, never from the system.
 *
 * Text is not handed to sharp as SVG `<text>`: that goes through fontconfig/pango, which only sees
 * installed fonts and silently falls back (or draws tofu boxes) on a machine without them. Instead
 * fontkit shapes the text (kerning, ligatures) and the renderer draws the glyph outlines as SVG paths,
 * so the output depends only on this file and is the same bytes on every machine.
 */
export const OVERLAY_FONT_MODULE = '@expo-google-fonts/montserrat/700Bold/Montserrat_700Bold.ttf';

let cached: fontkit.Font | undefined;

/** Absolute path of the bundled TTF. */
export function overlayFontPath(): string {
  return require.resolve(OVERLAY_FONT_MODULE);
}

export function overlayFont(): fontkit.Font {
  if (!cached) {
    const opened = fontkit.openSync(overlayFontPath());
    if (!('layout' in opened)) throw new Error(`${OVERLAY_FONT_MODULE} is a font collection, expected one font`);
    cached = opened;
  }
  return cached;
}

/**
 * Keeps only what the font can draw: emoji (and their variation selectors, joiners and skin-tone
 * modifiers) and any other code point without a glyph are dropped rather than drawn as boxes.
 * Whitespace runs collapse to one space; explicit line breaks survive.
 */
export function drawableText(text: string, font: fontkit.Font = overlayFont()): string {
  let out = '';
  for (const ch of text.normalize('NFC')) {
    const cp = ch.codePointAt(0) ?? 0;
    if (ch === '\n') out += '\n';
    else if (/\s/u.test(ch)) out += ' ';
    else if (cp >= 0x20 && font.hasGlyphForCodePoint(cp)) out += ch;
  }
  return out
    .split('\n')
    .map((line) => line.replace(/ {2,}/g, ' ').trim())
    .filter((line) => line.length > 0)
    .join('\n');
}

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

/** Shapes one line of text (no wrapping) in font units. */
export function shapeLine(text: string, font: fontkit.Font = overlayFont()): ShapedLine {
  const run = font.layout(text);
  const glyphs: PlacedGlyph[] = [];
  let pen = 0;
  run.glyphs.forEach((glyph, i) => {
    const pos = run.positions[i];
    glyphs.push({ id: glyph.id, x: pen + pos.xOffset, y: pos.yOffset });
    pen += pos.xAdvance;
  });
  return { glyphs, width: pen };
}

const pathCache = new Map<number, string>();

/** SVG path data of one overlay-font glyph in font units (y up); empty for blank glyphs such as the space. */
export function glyphPathData(id: number): string {
  let d = pathCache.get(id);
  if (d === undefined) {
    d = overlayFont().getGlyph(id).path.toSVG();
    pathCache.set(id, d);
  }
  return d;
}
