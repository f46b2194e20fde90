/**
 * Pure builders for the ffmpeg command that turns slide JPEGs (+ optional audio) into a 1080×1920
 * H.264/AAC slideshow MP4. No I/O here, so the graph is unit-tested without ffmpeg.
 */

export const VIDEO_WIDTH = 1080;
export const VIDEO_HEIGHT = 1920;
export const VIDEO_FPS = 30;
/** Crossfade length between slides; shortened for very short slides so a slide is never all fade. */
export const MAX_CROSSFADE_SECONDS = 0.4;
const BLUR_SIGMA = 40;

export interface SlideshowVideoInput {
  slidePaths: string[];
  /** A decodable audio file, or null for a silent track. */
  audioPath: string | null;
  outputPath: string;
  secondsPerSlide: number;
}

export function crossfadeSeconds(secondsPerSlide: number): number {
  return Math.min(MAX_CROSSFADE_SECONDS, secondsPerSlide / 4);
}

export function totalSeconds(slideCount: number, secondsPerSlide: number): number {
  return slideCount * secondsPerSlide;
}

/**
 * Frames of slide i before crossfading. Each xfade overlaps two slides by `fade` seconds, so every slide
 * but the last is lengthened by `fade` (rounded up, so the fade never runs past its first input); with
 * xfade offsets at k × secondsPerSlide the video ends at (n-1) × s + the last slide = n × s.
 */
export function slideFrames(index: number, slideCount: number, secondsPerSlide: number): number {
  if (index === slideCount - 1) return Math.max(1, Math.round(secondsPerSlide * VIDEO_FPS));
  return Math.ceil((secondsPerSlide + crossfadeSeconds(secondsPerSlide)) * VIDEO_FPS - 1e-9);
}

/**
 * One chain per slide: the slide fitted inside 1080×1920 over a blurred, scaled-up copy of itself (not
 * black bars), composed ONCE on the single decoded frame and then repeated with `loop` (blurring every
 * frame would cost ~30× more). Then the slides are chained with xfade at offsets k × secondsPerSlide.
 * The graph's video output is labelled [vout].
 */
export function buildFilterGraph(slideCount: number, secondsPerSlide: number): string {
  if (slideCount < 1) throw new Error('a video needs at least one slide');
  const W = VIDEO_WIDTH;
  const H = VIDEO_HEIGHT;
  const chains: string[] = [];
  for (let i = 0; i < slideCount; i++) {
    const frames = slideFrames(i, slideCount, secondsPerSlide);
    chains.push(
      `[${i}:v]split=2[bgsrc${i}][fgsrc${i}]`,
      `[bgsrc${i}]scale=${W}:${H}:force_original_aspect_ratio=increase,crop=${W}:${H},gblur=sigma=${BLUR_SIGMA}[bg${i}]`,
      `[fgsrc${i}]scale=${W}:${H}:force_original_aspect_ratio=decrease[fg${i}]`,
      `[bg${i}][fg${i}]overlay=(W-w)/2:(H-h)/2,setsar=1,format=yuv420p,` +
        `loop=loop=${frames - 1}:size=1:start=0,settb=1/${VIDEO_FPS},setpts=N[s${i}]`,
    );
  }
  if (slideCount === 1) {
    chains.push('[s0]null[vout]');
    return chains.join(';');
  }
  const fade = crossfadeSeconds(secondsPerSlide);
  let prev = 's0';
  for (let k = 1; k < slideCount; k++) {
    const out = k === slideCount - 1 ? 'vout' : `x${k}`;
    chains.push(
      `[${prev}][s${k}]xfade=transition=fade:duration=${round(fade)}:offset=${round(k * secondsPerSlide)}[${out}]`,
    );
    prev = out;
  }
  return chains.join(';');
}

/** The full argument array for `spawn(ffmpeg, args)` (no shell). Progress goes to stdout as key=value lines. */
export function buildFfmpegArgs(input: SlideshowVideoInput): string[] {
  const n = input.slidePaths.length;
  const total = round(totalSeconds(n, input.secondsPerSlide));
  const args = ['-hide_banner', '-nostdin', '-v', 'error', '-y', '-nostats', '-progress', 'pipe:1'];
  for (const p of input.slidePaths) args.push('-i', p);
  if (input.audioPath) {
    // Loop the source audio forever; the output -t trims it to the video's length.
    args.push('-stream_loop', '-1', '-i', input.audioPath);
  } else {
    // No source audio: a silent AAC track anyway, so every MP4 has the same shape (one video + one audio
    // stream) and players/editors that expect audio behave the same for every variation.
    args.push('-f', 'lavfi', '-t', String(total), '-i', 'anullsrc=channel_layout=stereo:sample_rate=44100');
  }
  args.push(
    '-filter_complex',
    buildFilterGraph(n, input.secondsPerSlide),
    '-map',
    '[vout]',
    '-map',
    `${n}:a:0`,
    '-r',
    String(VIDEO_FPS),
    '-c:v',
    'libx264',
    '-preset',
    'veryfast',
    '-crf',
    '20',
    '-pix_fmt',
    'yuv420p',
    '-c:a',
    'aac',
    '-b:a',
    '128k',
    '-ar',
    '44100',
    '-ac',
    '2',
    '-t',
    String(total),
    '-movflags',
    '+faststart',
    input.outputPath,
  );
  return args;
}

/** Arguments that decode the first seconds of an audio file and discard them: exit 0 means usable. */
export function buildAudioCheckArgs(audioPath: string): string[] {
  return ['-hide_banner', '-nostdin', '-v', 'error', '-i', audioPath, '-map', '0:a:0', '-t', '2', '-f', 'null', '-'];
}

/**
 * Reads ffmpeg `-progress` output (key=value lines, possibly split across chunks) and turns
 * out_time_ms (microseconds, despite the name) into a 0..100 percentage of `totalSeconds`.
 */
export class FfmpegProgressParser {
  private pending = '';

  constructor(private readonly totalSeconds: number) {}

  /** Returns the latest percentage found in this chunk, or null if it held none. */
  push(chunk: string): number | null {
    const lines = (this.pending + chunk).split('\n');
    this.pending = lines.pop() ?? '';
    let pct: number | null = null;
    for (const line of lines) {
      const m = /^out_time_(?:ms|us)=(\d+)\s*$/.exec(line);
      if (m) pct = Math.max(0, Math.min(100, Math.floor((Number(m[1]) / 1e6 / this.totalSeconds) * 100)));
      else if (/^progress=end\s*$/.test(line)) pct = 100;
    }
    return pct;
  }
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}
