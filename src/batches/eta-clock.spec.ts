import { EtaClock } from './eta-clock';

describe('EtaClock', () => {
  it('counts down with wall time while nothing finishes, whatever the raw figure does', () => {
    const clock = new EtaClock();
    expect(clock.next('b', 100, 10, 0)).toBe(100);
    // The observed rate fell while waiting: raw rises, the shown figure does not.
    expect(clock.next('b', 140, 10, 10_000)).toBe(90);
    expect(clock.next('b', 200, 10, 30_000)).toBe(70);
    // A lower raw figure is taken at once.
    expect(clock.next('b', 50, 10, 31_000)).toBe(50);
  });

  it('counts down when polled more often than once a second', () => {
    const clock = new EtaClock();
    clock.next('b', 43, 6, 0);
    let shown = 43;
    for (let at = 400; at <= 10_000; at += 400) shown = clock.next('b', 43, 6, at)!;
    expect(shown).toBe(33);
  });

  it('takes the raw figure afresh once work left changes, and never shows 0 with work left', () => {
    const clock = new EtaClock();
    clock.next('b', 20, 10, 0);
    expect(clock.next('b', 30, 10, 60_000)).toBe(1);
    expect(clock.next('b', 30, 9, 61_000)).toBe(30);
    expect(clock.next('b', 0, 0, 62_000)).toBe(0);
  });

  it('keeps batches apart and forgets a batch with no ETA', () => {
    const clock = new EtaClock();
    clock.next('a', 10, 5, 0);
    expect(clock.next('b', 50, 5, 1_000)).toBe(50);
    expect(clock.next('a', null, 5, 1_000)).toBeNull();
    expect(clock.next('a', 40, 5, 2_000)).toBe(40);
  });
});
