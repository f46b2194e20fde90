import { linksPerPage, MAX_PAGE_VARIATIONS } from './batch-query.service';

describe('linksPerPage (results pages hold at most 1,000 variations)', () => {
  it('keeps the asked size while the page stays within the bound', () => {
    expect(linksPerPage(10, 100)).toBe(10); // 10 links of 10×10: exactly 1,000
    expect(linksPerPage(50, 4)).toBe(50); // 2×2: 200 variations
    expect(linksPerPage(50, 20)).toBe(50); // exactly 1,000
  });

  it('lowers it so no page loads more than MAX_PAGE_VARIATIONS rows', () => {
    expect(linksPerPage(50, 100)).toBe(10);
    expect(linksPerPage(50, 21)).toBe(47);
    for (const perLink of [1, 3, 7, 33, 99, 100])
      for (const asked of [1, 10, 25, 50]) {
        const size = linksPerPage(asked, perLink);
        expect(size).toBeGreaterThanOrEqual(1);
        expect(size).toBeLessThanOrEqual(asked);
        expect(size * perLink <= MAX_PAGE_VARIATIONS || size === 1).toBe(true);
      }
  });
});
