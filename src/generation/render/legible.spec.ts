import { DEFAULT_LOOK, defaultBox, SlideStyle } from '../../pipeline/plan';
import { legibleStyle } from './renderer';

/** Plain letters keep their look where the photo gives them contrast and get an outline where it does not. */
describe('legibleStyle', () => {
  const W = 100;
  const H = 100;
  const area = { left: 10, top: 40, width: 80, height: 20 };
  const plainWhite: SlideStyle = {
    ...DEFAULT_LOOK,
    treatment: 'none',
    accent: null,
    fill: '#FFFFFF',
    box: defaultBox('middle'),
    body: { ...DEFAULT_LOOK, treatment: 'none', accent: null, fill: '#111111', size: 0.03 },
  };
  const photo = (grey: number, share = 1): Buffer => {
    const px = Buffer.alloc(W * H * 3, 20);
    // The left `share` of the text area is `grey`, the rest stays dark.
    for (let y = area.top; y < area.top + area.height; y++)
      for (let x = area.left; x < area.left + Math.round(area.width * share); x++)
        px.fill(grey, (y * W + x) * 3, (y * W + x) * 3 + 3);
    return px;
  };

  it('leaves white letters on a dark photo as they are', () => {
    const titleOnly: SlideStyle = { ...plainWhite, body: null };
    expect(legibleStyle(titleOnly, photo(20), W, area)).toBe(titleOnly);
  });

  it('outlines white letters in black over a light patch, and dark letters in white over a dark one', () => {
    const onLight = legibleStyle(plainWhite, photo(235), W, area);
    expect(onLight).toMatchObject({ treatment: 'outline', accent: '#000000', fill: '#FFFFFF', box: plainWhite.box });
    // The body's dark letters had contrast over the light patch: unchanged.
    expect(onLight.body).toBe(plainWhite.body);
    const onDark = legibleStyle(plainWhite, photo(20), W, area);
    expect(onDark.body).toMatchObject({ treatment: 'outline', accent: '#FFFFFF' });
  });

  it('tolerates a small light patch (a fifth of the area) and never touches a look that has a treatment', () => {
    expect(legibleStyle(plainWhite, photo(235, 0.15), W, area).treatment).toBe('none');
    const boxed: SlideStyle = { ...plainWhite, treatment: 'box', accent: '#000000', body: null };
    expect(legibleStyle(boxed, photo(235), W, area)).toBe(boxed);
  });
});
