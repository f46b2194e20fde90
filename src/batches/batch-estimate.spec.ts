import * as os from 'node:os';
import { loadConfig } from '../config/config.schema';
import {
  READ_CORE_SECONDS_PER_SLIDE,
  RENDER_CORE_SECONDS_PER_SLIDE,
  VIDEO_SECONDS_PER_CORE_SECOND,
  workSeconds,
} from '../generation/estimate';
import { batchWork, estimateBatch } from './batch-estimate';

/** The offline generator on a fixed 2-core machine with one worker process (the estimate never asks this one). */
const configFor = (env: Record<string, string> = {}) =>
  loadConfig({
    DATA_DIR: os.tmpdir(),
    GENERATOR: 'local',
    VARIATION_RATE_LIMIT: '60/m',
    ESTIMATE_CORES: '2',
    ESTIMATE_WORKER_PROCESSES: '1',
    TEXT_READER: 'true',
    ...env,
  });
const config = configFor();
const read = (sourceSlides: number, slidesRead = 0) => ({ sourceSlides, slidesRead });

describe('estimateBatch', () => {
  it('adds the MP4 export of every variation when video is on', () => {
    const without = estimateBatch(config, { links: 5, p: 2, t: 2 }).etaSeconds;
    const withVideo = estimateBatch(config, { links: 5, p: 2, t: 2, video: true }).etaSeconds;
    // 20 variations of 6 slides × 3 s of video, at 1.28 s of video per core-second, over 2 cores.
    const exports = (20 * 6 * 3) / VIDEO_SECONDS_PER_CORE_SECOND / 2;
    expect(withVideo - without).toBeGreaterThanOrEqual(Math.floor(exports * 0.9));
  });

  it('counts reading the source text only when TEXT_READER is on', () => {
    const on = estimateBatch(config, { links: 4, p: 1, t: 1 }).etaSeconds;
    const off = estimateBatch(configFor({ TEXT_READER: 'false' }), { links: 4, p: 1, t: 1 }).etaSeconds;
    // 4 links × 5 source slides read one after another by the one worker process's reader.
    expect(on).toBeGreaterThanOrEqual(20 * READ_CORE_SECONDS_PER_SLIDE);
    expect(off).toBeGreaterThan(0);
    expect(off).toBeLessThan(on - 10);
  });

  it('leaves out slides the cache has already read, and uses the real slide counts it knows', () => {
    const b = { links: 3, p: 2, t: 1, video: true };
    const unread = estimateBatch(config, { ...b, sources: [read(9), read(9), read(9)] });
    const allRead = estimateBatch(config, { ...b, sources: [read(9, 9), read(9, 9), read(9, 9)] });
    const off = estimateBatch(configFor({ TEXT_READER: 'false' }), { ...b, sources: [read(9), read(9), read(9)] });
    expect(allRead.etaSeconds).toBeLessThan(unread.etaSeconds);
    expect(allRead.etaSeconds).toBe(off.etaSeconds);
    expect(unread.slidesPerLink).toBe(10); // 9 source slides + the product slide
    // Bigger slideshows than the assumed 6 slides take longer (longer videos, more to read and render).
    expect(unread.etaSeconds).toBeGreaterThan(estimateBatch(config, b).etaSeconds);
  });

  it('models the measured run the old estimate missed: 3 links × 5 slides × 2×1 with video, 2 cores', () => {
    // The old estimate counted the exports alone: 6 × 18 s / 2.56 = 43 s; it took 63.8 s at load 3–4.
    const eta = estimateBatch(config, { links: 3, p: 2, t: 1, video: true }).etaSeconds;
    const cpu =
      (15 * READ_CORE_SECONDS_PER_SLIDE +
        6 * (6 * RENDER_CORE_SECONDS_PER_SLIDE + 18 / VIDEO_SECONDS_PER_CORE_SECOND)) /
      2;
    expect(eta).toBe(Math.ceil(cpu));
    expect(eta).toBeGreaterThan(43);
    // On a machine MachineSpeed has measured at 0.6 of the model's CPU, every core-second shrinks with it.
    expect(estimateBatch(config, { links: 3, p: 2, t: 1, video: true }, 0.6).etaSeconds).toBe(Math.ceil(cpu * 0.6));
  });

  it('is bounded by the start rate when it binds', () => {
    const slow = configFor({ VARIATION_RATE_LIMIT: '6/m', TEXT_READER: 'false' });
    const eta = estimateBatch(slow, { links: 5, p: 2, t: 2 }).etaSeconds;
    expect(eta).toBeGreaterThanOrEqual(200); // 20 starts at one per 10 s
    expect(eta).toBeLessThan(210);
  });
});

describe('workSeconds', () => {
  const work = {
    links: 10,
    slidesToRead: 50,
    variations: 40,
    slidesPerVariation: 6,
    variationsPerLink: 4,
    video: true,
  };

  it('falls as worker processes are added until the start rate binds', () => {
    const etas = [1, 2, 4, 8, 16, 32].map((n) =>
      workSeconds(
        configFor({ ESTIMATE_CORES: '16', ESTIMATE_WORKER_PROCESSES: String(n), VARIATION_RATE_LIMIT: '1/s' }),
        work,
      ),
    );
    for (let i = 1; i < etas.length; i++) expect(etas[i]).toBeLessThanOrEqual(etas[i - 1]);
    expect(etas[1]).toBeLessThan(etas[0]);
    // At 1 start a second 40 variations need 40 s however many workers there are, plus the last one's work.
    expect(etas[etas.length - 1]).toBeGreaterThanOrEqual(40);
    expect(etas[etas.length - 1]).toBe(etas[etas.length - 2]);
  });

  it('gains nothing from more job slots than cores', () => {
    const at = (processes: number, concurrency: number) =>
      workSeconds(
        configFor({ ESTIMATE_WORKER_PROCESSES: String(processes), WORKER_CONCURRENCY: String(concurrency) }),
        { ...work, slidesToRead: 0, links: 0 },
      );
    expect(at(1, 1)).toBeGreaterThan(at(1, 2));
    expect(at(1, 2)).toBe(at(1, 8));
  });

  it('has nothing left to do for no work', () => {
    expect(workSeconds(config, { ...work, links: 0, slidesToRead: 0, variations: 0 })).toBe(0);
  });
});

describe('batchWork (the running estimate)', () => {
  it('counts only the links not planned yet and the variations left', () => {
    const links = [
      { sourceSlides: 7, slidesRead: 7, planSlides: 8 },
      { sourceSlides: null, slidesRead: 0, planSlides: null },
    ];
    const { work } = batchWork(config, { p: 2, t: 1, video: true, links, variations: 3 });
    expect(work).toMatchObject({ links: 1, slidesToRead: 5, variations: 3, variationsPerLink: 2, video: true });
    expect(work.slidesPerVariation).toBe(7); // (8 + 6) / 2
  });
});
