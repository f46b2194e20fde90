/**
 * The video export figure of bench/video-bench.ts (seconds of MP4 per wall-clock second) as a row:
 * that script runs as it is, in a child process, and its summary line is read.
 *
 *   npx ts-node bench/video.ts
 */
import { execFile } from 'node:child_process';
import * as path from 'node:path';
import { BenchRow, runAlone } from './lib/report';

export async function run(): Promise<BenchRow[]> {
  const script = path.join(__dirname, 'video-bench.ts');
  const out = await new Promise<string>((resolve, reject) =>
    execFile(
      process.execPath,
      ['-r', 'ts-node/register/transpile-only', script],
      { cwd: path.join(__dirname, '..'), timeout: 300_000 },
      (err, stdout, stderr) => (err ? reject(new Error(`video-bench: ${err.message}\n${stderr}`)) : resolve(stdout)),
    ),
  );
  const summary = out.split('\n').find((l) => l.startsWith('video export:'));
  const m = summary && /video export: ([\d.]+) s of video per wall-clock second \((.*)\)/.exec(summary);
  if (!m) throw new Error(`video-bench printed no summary:\n${out}`);
  return [
    {
      measurement: 'Video export (bench/video-bench.ts)',
      figure: `${m[1]} s of video per s`,
      target: '> 1 (faster than real time)',
      ok: Number(m[1]) > 1,
      notes: `${m[2]}; 1080×1920 H.264 + AAC through ffmpeg`,
    },
  ];
}

if (require.main === module) runAlone(run);
