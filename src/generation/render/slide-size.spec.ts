import { slideSize } from './renderer';

describe('slideSize: never more than 1.1× up', () => {
  it('keeps 1080 wide when the image is large enough (2K) or only slightly smaller', () => {
    expect(slideSize('9:16', { width: 1536, height: 2752 })).toEqual({ width: 1080, height: 1920 });
    expect(slideSize('3:4', { width: 1000, height: 1334 })).toEqual({ width: 1080, height: 1440 });
  });

  it('shrinks the slide for a 1K image so it is enlarged at most 1.1×', () => {
    const size = slideSize('9:16', { width: 768, height: 1344 });
    expect(size.width / 768).toBeLessThanOrEqual(1.1);
    expect(size.height / 1344).toBeLessThanOrEqual(1.1);
    expect(size).toEqual({ width: 830, height: 1478 });
    expect(size.width % 2).toBe(0);
  });
});
