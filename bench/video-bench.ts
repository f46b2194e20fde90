/**
 * Video export throughput: seconds of MP4 rendered per wall-clock second, for a 6-slide, 3 s/slide
 * slideshow (18 s of 1080×1920 H.264 + AAC) with a real audio track. Median of 3 runs.
 *
 *   npx ts-node bench/video-bench.ts
 *
 * Needs ffmpeg on the PATH (Debian's `ffmpeg` package) or FFMPEG_PATH.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import sharp from 'sharp';
import { loadConfig } from '../src/config/config.schema';
import { VideoService } from '../src/generation/video/video.service';

const SLIDES = 6;
const SECONDS_PER_SLIDE = 3;
const RUNS = 3;

/** A photo-like slide (gradient, shapes, fine grain) so the encoder has real work, alternating 3:4 and 9:16. */
async function slide(i: number): Promise<Buffer> {
  const width = 1080;
  const height = i % 2 === 0 ? 1440 : 1920;
  const hue = (i * 57) % 360;
  const svg = `<svg width="${width}" height="${height}" xmlns="http://www.w3.org/2000/svg">
    <defs><linearGradient id="g" x1="0" y1="0" x2="1" y2="1">
      <stop offset="0" stop-color="hsl(${hue},70%,60%)"/><stop offset="1" stop-color="hsl(${(hue + 120) % 360},60%,30%)"/>
    </linearGradient></defs>
    <rect width="100%" height="100%" fill="url(#g)"/>
    <circle cx="${width / 2}" cy="${height / 2}" r="${width / 3}" fill="hsl(${(hue + 200) % 360},80%,70%)" opacity="0.7"/>
    <rect x="80" y="${height - 400}" width="${width - 160}" height="220" rx="40" fill="#fff" opacity="0.85"/>
  </svg>`;
  const grain = await sharp({
    create: { width, height, channels: 3, background: '#808080', noise: { type: 'gaussian', mean: 128, sigma: 12 } },
  })
    .png()
    .toBuffer();
  return sharp(Buffer.from(svg))
    .composite([{ input: grain, blend: 'overlay' }])
    .jpeg({ quality: 90 })
    .toBuffer();
}

async function main(): Promise<void> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'video-bench-'));
  try {
    const config = loadConfig({
      DATA_DIR: dataDir,
      VIDEO_SECONDS_PER_SLIDE: String(SECONDS_PER_SLIDE),
      FFMPEG_PATH: process.env.FFMPEG_PATH,
    });
    const video = new VideoService(config);
    const slides = await Promise.all(Array.from({ length: SLIDES }, (_, i) => slide(i)));
    const audio = path.join(dataDir, 'tone.mp3');
    execFileSync(config.video.ffmpegPath, [
      '-v',
      'error',
      '-y',
      '-f',
      'lavfi',
      '-i',
      'sine=frequency=440:duration=7',
      '-c:a',
      'libmp3lame',
      audio,
    ]);

    const videoSeconds = SLIDES * SECONDS_PER_SLIDE;
    const rates: number[] = [];
    for (let run = 1; run <= RUNS; run++) {
      const started = process.hrtime.bigint();
      const made = await video.make(slides, audio);
      const wall = Number(process.hrtime.bigint() - started) / 1e9;
      if (!('mp4' in made)) throw new Error(made.error);
      rates.push(videoSeconds / wall);
      console.log(
        `run ${run}: ${wall.toFixed(2)} s wall for ${videoSeconds} s of video (${(made.mp4.length / 1e6).toFixed(2)} MB)`,
      );
    }
    const median = [...rates].sort((a, b) => a - b)[Math.floor(rates.length / 2)];
    console.log(
      `video export: ${median.toFixed(2)} s of video per wall-clock second (median of ${RUNS}, ${SLIDES} slides × ${SECONDS_PER_SLIDE} s, ${os.cpus().length} CPUs)`,
    );
  } finally {
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
