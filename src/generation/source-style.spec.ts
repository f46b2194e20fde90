import { DEFAULT_LOOK, defaultBox } from '../pipeline/plan';
import { SlideText, SourceBlock, TextLook } from '../pipeline/source-text';
import { dominantStyle, slideStyles, styleFromSourceText } from './source-style';

const look = (over: Partial<TextLook> = {}): TextLook => ({ ...DEFAULT_LOOK, ...over });
const block = (text: string, y: number, l: TextLook): SourceBlock => ({
  text,
  box: { x: 0.2, y, w: 0.6, h: 0.05 },
  lines: [],
  look: l,
});
const slide = (...blocks: SourceBlock[]): SlideText => ({
  kind: 'photo',
  blocks,
  marks: [],
  background: null,
  width: 1080,
  height: 1440,
  ms: 0,
});

const serif = look({ font: 'serif', bold: false, size: 0.035, treatment: 'none', accent: null, casing: 'lower' });

describe('source style', () => {
  it('takes a slide’s look from its text, its area from all its blocks, and a smaller paragraph as the body', () => {
    const title = look({ size: 0.06 });
    const body = look({ size: 0.035, bold: false });
    const style = styleFromSourceText(slide(block('title', 0.3, title), block('a longer body paragraph', 0.37, body)));
    expect(style).toMatchObject({ ...title, body });
    expect(style!.box.y).toBeCloseTo(0.3);
    expect(style!.box.y + style!.box.h).toBeCloseTo(0.42);
  });

  it('gives no style to a slide without text, and no body to a slide of one size', () => {
    expect(styleFromSourceText(slide())).toBeNull();
    expect(styleFromSourceText(undefined)).toBeNull();
    expect(styleFromSourceText(slide(block('one', 0.5, serif), block('two', 0.6, serif)))!.body).toBeNull();
  });

  it('fills slides without text with the slideshow’s dominant look', () => {
    const sans = look();
    const texts = [
      slide(block('a', 0.5, serif)),
      undefined,
      slide(block('b', 0.4, serif)),
      slide(block('c', 0.1, sans)),
    ];
    const dominant = dominantStyle(texts);
    expect(dominant).toMatchObject(serif);
    const styles = slideStyles(texts);
    expect(styles[1]).toEqual(dominant);
    expect(styles[3]).toMatchObject(sans);
  });

  it('falls back to TikTok’s default caption at the top when nothing had text', () => {
    expect(dominantStyle([undefined, slide()])).toEqual({ ...DEFAULT_LOOK, box: defaultBox('top'), body: null });
  });
});
