import * as os from 'node:os';
import { loadConfig } from '../config/config.schema';
import { videoSecondsPerVariation } from '../generation/estimate';
import { estimateBatch } from './batch-estimate';

const config = loadConfig({ DATA_DIR: os.tmpdir(), GENERATOR: 'local', VARIATION_RATE_LIMIT: '60/m' });

describe('estimateBatch', () => {
  it('adds the MP4 export when video is on', () => {
    const without = estimateBatch(config, { links: 5, p: 2, t: 2 });
    const withVideo = estimateBatch(config, { links: 5, p: 2, t: 2, video: true });
    const perVideo = videoSecondsPerVariation(6, config.video.secondsPerSlide);
    expect(without.etaSeconds).toBe(20); // 20 starts at 1 a second
    expect(withVideo.etaSeconds).toBe(Math.ceil(Math.max(20 + perVideo, 20 * perVideo)));
    expect(withVideo.etaSeconds).toBeGreaterThan(without.etaSeconds);
  });

  it('counts every export when encoding, not the start rate, is the bottleneck', () => {
    // 2 cores: 18 s of video at 2.56 s a second is about 7 s each, slower than one start a second.
    expect(videoSecondsPerVariation(6, 3, 2)).toBeCloseTo(18 / 2.56, 5);
    const eta = estimateBatch(config, { links: 10, p: 1, t: 1, video: true }).etaSeconds;
    expect(eta).toBeGreaterThanOrEqual(Math.ceil(10 * videoSecondsPerVariation(6, config.video.secondsPerSlide)));
  });
});
