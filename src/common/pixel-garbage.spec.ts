import { execFileSync } from 'node:child_process';
import * as path from 'node:path';

/**
 * In a process started as workers are (`--expose-gc`), collectPixelGarbage() frees dead image buffers at once;
 * left alone, an idle process keeps them; without `--expose-gc` the call does nothing. Each case runs in its own
 * node process: the child holds 48 MB of pixel buffers across scavenges (so only a major GC can free them),
 * drops them, then reports the memory its array buffers still hold half a second after the call (or after none).
 */
const MODULE = path.join(__dirname, 'pixel-garbage.ts');

function bufferMbAfter(flags: string[], call: boolean): number {
  const script = `
    const { collectPixelGarbage } = require(${JSON.stringify(MODULE)});
    (async () => {
      let held = Array.from({ length: 10 }, () => Buffer.alloc(1080 * 1440 * 3, 1));
      for (let i = 0; i < 40; i++) { Array.from({ length: 20000 }, (_, j) => ({ j })); await new Promise((r) => setImmediate(r)); }
      held = null;
      ${call ? 'collectPixelGarbage();' : ''}
      await new Promise((r) => setTimeout(r, 500));
      process.stdout.write(String(process.memoryUsage().arrayBuffers / 1048576));
    })();`;
  const out = execFileSync(
    process.execPath,
    [...flags, '-r', require.resolve('ts-node/register/transpile-only'), '-e', script],
    { encoding: 'utf8', timeout: 30_000 },
  );
  return Number(out);
}

describe('collectPixelGarbage', () => {
  it('frees dead image buffers at once when the process exposes gc', () => {
    expect(bufferMbAfter(['--expose-gc'], false)).toBeGreaterThan(40);
    expect(bufferMbAfter(['--expose-gc'], true)).toBeLessThan(10);
  });

  it('does nothing without --expose-gc', () => {
    expect(bufferMbAfter([], true)).toBeGreaterThan(40);
  });
});
