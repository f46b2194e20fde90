import * as os from 'node:os';
import { defaultLocalRate, loadConfig, parseRate } from './config.schema';

const base = { DATA_DIR: os.tmpdir() };

describe('VARIATION_RATE_LIMIT default', () => {
  it('is bounded by the CPU, not the paid quota, for the offline generator', () => {
    const config = loadConfig({ ...base, GENERATOR: 'local' });
    expect(config.variationRate).toEqual(parseRate(`${os.cpus().length * 2}/s`));
    expect(defaultLocalRate(4)).toBe('8/s');
  });

  it('stays the paid quota of 10 a minute with Gemini', () => {
    const config = loadConfig({ ...base, GENERATOR: 'gemini', GEMINI_API_KEYS: 'k1' });
    expect(config.variationRate).toEqual({ max: 10, durationMs: 60_000 });
  });

  it('is whatever is set, for either generator', () => {
    expect(loadConfig({ ...base, GENERATOR: 'local', VARIATION_RATE_LIMIT: '3/m' }).variationRate).toEqual({
      max: 3,
      durationMs: 60_000,
    });
  });
});
