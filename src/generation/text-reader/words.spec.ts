import { alignOf, casingOf } from './look';
import { blocksOf, isWord, linesOf, mergePasses, RawWord } from './words';

/** The pure steps between the OCR's raw words and blocks: junk filtering, pass merging, grouping, casing, alignment. */

const w = (text: string, conf: number, x0: number, y0: number, line = 'light:1', h = 20): RawWord => ({
  text,
  conf,
  box: { x0, y0, x1: x0 + text.length * 10, y1: y0 + h },
  line,
  polarity: line.startsWith('dark') ? 'dark' : 'light',
  symbols: [],
});

describe('words → lines → blocks', () => {
  it('keeps words read with confidence and mostly letters, drops texture reads', () => {
    expect(isWord(w('sleep', 90, 0, 0))).toBe(true);
    expect(isWord(w('8', 90, 0, 0))).toBe(true);
    expect(isWord(w('8', 70, 0, 0))).toBe(false);
    expect(isWord(w('|:', 95, 0, 0))).toBe(false);
    expect(isWord(w('hours', 40, 0, 0))).toBe(false);
    expect(isWord(w('—(a', 90, 0, 0))).toBe(false);
  });

  it('a line needs one clear word; unread marks beside it go with it, far ones do not', () => {
    const lines = linesOf([
      w('sleep', 92, 100, 100),
      w('every', 90, 160, 100),
      w('@@', 20, 215, 100), // an emoji right after the words
      w('x', 30, 600, 100), // far away on the same engine line
      w('3', 80, 50, 400, 'light:2'), // a lone digit on texture
    ]);
    expect(lines).toHaveLength(1);
    expect(lines[0].words.map((x) => x.text)).toEqual(['sleep', 'every']);
    expect(lines[0].extras).toHaveLength(1);
  });

  it('a line read by both passes is kept once, and stacked lines of one size make one block', () => {
    const light = linesOf([w('double', 95, 100, 100), w('shampooing', 95, 170, 100)]);
    const dark = linesOf([w('dowble', 61, 100, 101, 'dark:1'), w('shampoing', 62, 170, 101, 'dark:1')]);
    const second = linesOf([w('first', 93, 90, 124, 'light:2'), w('time', 93, 150, 124, 'light:2')]);
    const far = linesOf([w('caption', 93, 90, 700, 'light:3')]);
    const merged = mergePasses([...dark, ...light, ...second, ...far]);
    expect(merged.map((l) => l.words[0].text)).toEqual(['double', 'first', 'caption']);
    const blocks = blocksOf(merged);
    expect(blocks.map((b) => b.lines.length)).toEqual([2, 1]);
  });

  it('reads casing and alignment', () => {
    expect(casingOf('sleep 8 hours every night')).toBe('lower');
    expect(casingOf('Daily Walks Without Music')).toBe('title');
    expect(casingOf('WORK SMARTER')).toBe('upper');
    expect(casingOf('Share your beauty tip')).toBe('sentence');
    const centred = [
      { x0: 100, y0: 0, x1: 620, y1: 20 },
      { x0: 200, y0: 25, x1: 520, y1: 45 },
    ];
    expect(alignOf(centred, 720)).toBe('center');
    const left = [
      { x0: 40, y0: 0, x1: 600, y1: 20 },
      { x0: 40, y0: 25, x1: 300, y1: 45 },
    ];
    expect(alignOf(left, 720)).toBe('left');
  });
});
