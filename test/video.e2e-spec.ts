import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import sharp from 'sharp';
import { AppConfig } from '../src/config/config.schema';
import { VideoService } from '../src/generation/video/video.service';
import { testConfig } from './helpers/test-config';

/** Real ffmpeg/ffprobe (Debian's `ffmpeg` package) render and probe real MP4s. */

interface Probe {
  streams: {
    codec_type: string;
    codec_name: string;
    width?: number;
    height?: number;
    pix_fmt?: string;
    duration?: string;
  }[];
  format: { duration: string };
}

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'video-e2e-'));

function probe(mp4: Buffer): Probe {
  const file = path.join(work, `probe-${Math.random().toString(36).slice(2)}.mp4`);
  fs.writeFileSync(file, mp4);
  return JSON.parse(
    execFileSync('ffprobe', ['-v', 'error', '-print_format', 'json', '-show_streams', '-show_format', file], {
      encoding: 'utf8',
    }),
  ) as Probe;
}

/** Peak level (dB) of the audio between `from` and `to` seconds (volumedetect, on stderr); silence is about -91 dB. */
function peakDb(mp4: Buffer, from: number, to: number): number {
  const file = path.join(work, `vol-${Math.random().toString(36).slice(2)}.mp4`);
  fs.writeFileSync(file, mp4);
  const r = spawnSync(
    'ffmpeg',
    [
      '-hide_banner',
      '-nostdin',
      '-ss',
      String(from),
      '-to',
      String(to),
      '-i',
      file,
      '-map',
      '0:a:0',
      '-af',
      'volumedetect',
      '-f',
      'null',
      '-',
    ],
    {
      encoding: 'utf8',
    },
  );
  const m = /max_volume: (-?[\d.]+|-inf) dB/.exec(r.stderr);
  if (!m) throw new Error(`no volumedetect output: ${r.stderr.slice(-500)}`);
  return m[1] === '-inf' ? -Infinity : Number(m[1]);
}

/** RGB of one pixel of the frame at `at` seconds. */
async function pixel(mp4: Buffer, at: number, x: number, y: number): Promise<[number, number, number]> {
  const file = path.join(work, `frame-${Math.random().toString(36).slice(2)}.mp4`);
  fs.writeFileSync(file, mp4);
  const png = execFileSync('ffmpeg', [
    '-hide_banner',
    '-nostdin',
    '-v',
    'error',
    '-ss',
    String(at),
    '-i',
    file,
    '-frames:v',
    '1',
    '-f',
    'image2pipe',
    '-c:v',
    'png',
    '-',
  ]);
  const { data, info } = await sharp(png).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  const i = (y * info.width + x) * 3;
  return [data[i], data[i + 1], data[i + 2]];
}

function solidSlide(width: number, height: number, rgb: [number, number, number]): Promise<Buffer> {
  // A solid slide with a white square in the middle: its blurred copy is still the slide colour at the edges.
  const square = Buffer.from(
    `<svg width="${width}" height="${height}"><rect x="${width / 4}" y="${height / 4}" width="${width / 2}" height="${height / 2}" fill="#fff"/></svg>`,
  );
  return sharp({ create: { width, height, channels: 3, background: { r: rgb[0], g: rgb[1], b: rgb[2] } } })
    .composite([{ input: square }])
    .jpeg({ quality: 90 })
    .toBuffer();
}

function tone(name: string, seconds: number, codecArgs: string[]): string {
  const file = path.join(work, name);
  execFileSync('ffmpeg', [
    '-hide_banner',
    '-nostdin',
    '-v',
    'error',
    '-y',
    '-f',
    'lavfi',
    '-i',
    `sine=frequency=440:duration=${seconds}`,
    ...codecArgs,
    file,
  ]);
  return file;
}

describe('VideoService (real ffmpeg)', () => {
  let config: AppConfig;
  let video: VideoService;
  let slides: Buffer[];
  let mp3: string;
  let m4a: string;

  beforeAll(async () => {
    config = await testConfig({ VIDEO_SECONDS_PER_SLIDE: '1' });
    video = new VideoService(config);
    slides = await Promise.all([
      solidSlide(1080, 1440, [200, 30, 30]),
      solidSlide(1080, 1920, [30, 160, 40]),
      solidSlide(1080, 1440, [30, 40, 200]),
      solidSlide(1080, 1920, [220, 200, 20]),
    ]);
    mp3 = tone('tone.mp3', 10, ['-c:a', 'libmp3lame', '-b:a', '128k']);
    m4a = tone('short.m4a', 1.3, ['-c:a', 'aac', '-b:a', '96k']); // shorter than the video: must loop
  });

  afterAll(() => {
    fs.rmSync(work, { recursive: true, force: true });
    fs.rmSync(config.dataDir, { recursive: true, force: true });
  });

  function expectSlideshowShape(p: Probe, seconds: number): void {
    const v = p.streams.find((s) => s.codec_type === 'video');
    const a = p.streams.filter((s) => s.codec_type === 'audio');
    expect(v).toMatchObject({ codec_name: 'h264', width: 1080, height: 1920, pix_fmt: 'yuv420p' });
    expect(a).toHaveLength(1);
    expect(a[0].codec_name).toBe('aac');
    expect(Math.abs(Number(p.format.duration) - seconds)).toBeLessThanOrEqual(0.2);
    expect(Math.abs(Number(v?.duration) - seconds)).toBeLessThanOrEqual(0.2);
    expect(Math.abs(Number(a[0].duration) - seconds)).toBeLessThanOrEqual(0.2);
  }

  it('renders mp3-backed slides as 1080×1920 H.264 + AAC, slides × seconds long, with the audio, reporting progress', async () => {
    const progress: number[] = [];
    const made = await video.make(slides, mp3, (pct) => progress.push(pct));
    if (!('mp4' in made)) throw new Error(`expected a video, got ${made.error}`);
    expect(made.warning).toBeUndefined();
    expectSlideshowShape(probe(made.mp4), 4);
    // The source mp3 is 10 s: trimmed to 4, and audible (not the silent track).
    expect(peakDb(made.mp4, 0, 4)).toBeGreaterThan(-40);
    expect(progress.length).toBeGreaterThan(0);
    expect(progress.every((p) => p >= 0 && p <= 100)).toBe(true);
    expect(progress).toEqual([...progress].sort((a, b) => a - b));
    expect(progress[progress.length - 1]).toBe(100);
    // Temp work under DATA_DIR/tmp is removed afterwards.
    expect(fs.readdirSync(path.join(config.dataDir, 'tmp')).filter((d) => d.startsWith('video-'))).toEqual([]);
  });

  it('letterboxes a 3:4 slide on a blurred copy of itself, not black bars', async () => {
    // Left half red, right half blue: a 1080×1440 slide fitted into 1080×1920 leaves 240 px bands top and bottom.
    const halves = await sharp({
      create: { width: 1080, height: 1440, channels: 3, background: { r: 200, g: 30, b: 30 } },
    })
      .composite([
        {
          input: { create: { width: 540, height: 1440, channels: 3, background: { r: 30, g: 30, b: 200 } } },
          left: 540,
          top: 0,
        },
      ])
      .jpeg({ quality: 95 })
      .toBuffer();
    const made = await video.make([halves], null);
    if (!('mp4' in made)) throw new Error(made.error);
    for (const y of [60, 1860]) {
      // The bands show the slide itself (red left, blue right), not black...
      const [farLeftR] = await pixel(made.mp4, 0.5, 60, y);
      const [, , farRightB] = await pixel(made.mp4, 0.5, 1020, y);
      expect(farLeftR).toBeGreaterThan(150);
      expect(farRightB).toBeGreaterThan(150);
      // ...blurred: 25 px either side of the red/blue edge both colours are mixed, where a sharp copy is pure.
      const [lr, , lb] = await pixel(made.mp4, 0.5, 515, y);
      const [rr, , rb] = await pixel(made.mp4, 0.5, 565, y);
      expect(Math.min(lr, lb, rr, rb)).toBeGreaterThan(70);
    }
  });

  it('crossfades from one slide to the next at each slide boundary', async () => {
    const solid = (r: number, g: number, b: number) =>
      sharp({ create: { width: 1080, height: 1920, channels: 3, background: { r, g, b } } })
        .jpeg()
        .toBuffer();
    const made = await video.make([await solid(220, 20, 20), await solid(20, 20, 220)], null);
    if (!('mp4' in made)) throw new Error(made.error);
    const [r1, , b1] = await pixel(made.mp4, 0.5, 540, 960); // slide 1 alone
    const [r2, , b2] = await pixel(made.mp4, 1.2, 540, 960); // mid-fade (0.4 s fade from 1.0 s)
    const [r3, , b3] = await pixel(made.mp4, 1.7, 540, 960); // slide 2 alone
    expect(r1).toBeGreaterThan(180);
    expect(b1).toBeLessThan(60);
    expect(Math.min(r2, b2)).toBeGreaterThan(60);
    expect(r3).toBeLessThan(60);
    expect(b3).toBeGreaterThan(180);
  });

  it('loops an m4a shorter than the video to the full length', async () => {
    const made = await video.make(slides.slice(0, 3), m4a);
    if (!('mp4' in made)) throw new Error(made.error);
    expect(made.warning).toBeUndefined();
    expectSlideshowShape(probe(made.mp4), 3);
    // The 1.3 s tone has ended by 2 s unless it was looped.
    expect(peakDb(made.mp4, 2.0, 2.9)).toBeGreaterThan(-40);
  });

  it('without source audio: a silent AAC track, so every MP4 has the same shape', async () => {
    const made = await video.make(slides.slice(0, 3), null);
    if (!('mp4' in made)) throw new Error(made.error);
    expect(made.warning).toBeUndefined();
    expectSlideshowShape(probe(made.mp4), 3);
    expect(peakDb(made.mp4, 0, 3)).toBeLessThan(-80);
  });

  it('a corrupt audio file still yields the video, with a silent track and a warning', async () => {
    const bad = path.join(work, 'corrupt.mp3');
    // Fixed pseudo-random bytes (an LCG), so the file is the same garbage on every run.
    let seed = 12345;
    const garbage = Buffer.from(
      Array.from({ length: 40_000 }, () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) >>> 16) & 0xff),
    );
    fs.writeFileSync(bad, garbage);
    const made = await video.make(slides.slice(0, 3), bad);
    if (!('mp4' in made)) throw new Error(made.error);
    expect(made.warning).toMatch(/^audio could not be read: .+/);
    expect(made.warning).not.toContain(work); // names the file, not the server's paths
    expectSlideshowShape(probe(made.mp4), 3);
    expect(peakDb(made.mp4, 0, 3)).toBeLessThan(-80);
  });

  it('a missing audio file is treated the same way', async () => {
    const made = await video.make(slides.slice(0, 2), path.join(work, 'gone.mp3'));
    if (!('mp4' in made)) throw new Error(made.error);
    expect(made.warning).toMatch(/^audio could not be read: /);
    expectSlideshowShape(probe(made.mp4), 2);
  });

  it('a failing progress callback (e.g. job.progress() losing Redis) does not break the render', async () => {
    let calls = 0;
    const made = await video.make(slides.slice(0, 2), null, () => {
      calls++;
      return Promise.reject(new Error('redis gone'));
    });
    expect(calls).toBeGreaterThan(0);
    expect('mp4' in made).toBe(true);
  });

  it('ffmpeg missing → { error } with the reason, never a throw', async () => {
    const broken = new VideoService({
      ...config,
      video: { ...config.video, ffmpegPath: path.join(work, 'no-such-ffmpeg') },
    });
    const made = await broken.make(slides.slice(0, 2), mp3);
    expect('mp4' in made).toBe(false);
    expect(made).toMatchObject({ error: expect.stringContaining('ffmpeg not found') });
    const silent = await broken.make(slides.slice(0, 2), null);
    expect(silent).toMatchObject({ error: expect.stringContaining('ffmpeg not found') });
  });

  it("ffmpeg failing (undecodable slide) → { error } with ffmpeg's reason", async () => {
    const made = await video.make([slides[0], Buffer.from('not a jpeg at all')], null);
    expect('mp4' in made).toBe(false);
    if ('error' in made) expect(made.error).toMatch(/^video render failed: .+/);
  });
});
