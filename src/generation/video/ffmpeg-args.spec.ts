import fc from 'fast-check';
import {
  buildAudioCheckArgs,
  buildFfmpegArgs,
  buildFilterGraph,
  crossfadeSeconds,
  FfmpegProgressParser,
  slideFrames,
  VIDEO_FPS,
} from './ffmpeg-args';

/** The value following `flag` in an argument array (first occurrence after `from`). */
function after(args: string[], flag: string, from = 0): string | undefined {
  const i = args.indexOf(flag, from);
  return i < 0 ? undefined : args[i + 1];
}

describe('slide timing', () => {
  it('keeps the total at slides × secondsPerSlide: each fade fits its slide, the last slide ends the video', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 35 }), fc.double({ min: 0.5, max: 30, noNaN: true }), (n, s) => {
        const fade = crossfadeSeconds(s);
        for (let k = 1; k < n; k++) {
          // slide k-1 starts (in the output) at (k-1)·s and must last until its fade-out ends at k·s + fade
          expect(slideFrames(k - 1, n, s) / VIDEO_FPS).toBeGreaterThanOrEqual(s + fade - 1e-9);
        }
        const end = (n - 1) * s + slideFrames(n - 1, n, s) / VIDEO_FPS;
        expect(Math.abs(end - n * s)).toBeLessThanOrEqual(0.5 / VIDEO_FPS + 1e-9);
      }),
    );
  });

  it('lengthens every slide but the last by the crossfade', () => {
    expect(slideFrames(0, 3, 3)).toBe(Math.round(3.4 * VIDEO_FPS));
    expect(slideFrames(1, 3, 3)).toBe(Math.round(3.4 * VIDEO_FPS));
    expect(slideFrames(2, 3, 3)).toBe(3 * VIDEO_FPS);
  });

  it('shortens the crossfade for very short slides so a slide is never only fade', () => {
    expect(crossfadeSeconds(3)).toBe(0.4);
    expect(crossfadeSeconds(0.5)).toBe(0.125);
  });
});

describe('buildFilterGraph', () => {
  it('letterboxes each slide on a blurred, cover-scaled copy of itself, composed once and looped', () => {
    const g = buildFilterGraph(2, 3);
    for (const i of [0, 1]) {
      expect(g).toContain(`[${i}:v]split=2[bgsrc${i}][fgsrc${i}]`);
      expect(g).toMatch(
        new RegExp(
          `\\[bgsrc${i}\\]scale=1080:1920:force_original_aspect_ratio=increase,crop=1080:1920,gblur=sigma=\\d+\\[bg${i}\\]`,
        ),
      );
      expect(g).toContain(`[fgsrc${i}]scale=1080:1920:force_original_aspect_ratio=decrease[fg${i}]`);
      expect(g).toContain(`[bg${i}][fg${i}]overlay=(W-w)/2:(H-h)/2`);
    }
    expect(g).toContain(`loop=loop=${Math.round(3.4 * 30) - 1}:size=1`);
    expect(g).toContain(`loop=loop=${3 * 30 - 1}:size=1`);
  });

  it('chains slides with xfade at k × secondsPerSlide and ends in [vout]', () => {
    const g = buildFilterGraph(4, 2.5);
    const fades = [
      ...g.matchAll(/\[(\w+)\]\[(\w+)\]xfade=transition=fade:duration=([\d.]+):offset=([\d.]+)\[(\w+)\]/g),
    ];
    expect(fades.map((m) => [m[1], m[2], Number(m[3]), Number(m[4]), m[5]])).toEqual([
      ['s0', 's1', 0.4, 2.5, 'x1'],
      ['x1', 's2', 0.4, 5, 'x2'],
      ['x2', 's3', 0.4, 7.5, 'vout'],
    ]);
  });

  it('a single slide needs no crossfade', () => {
    const g = buildFilterGraph(1, 3);
    expect(g).not.toContain('xfade');
    expect(g).toMatch(/\[s0\]null\[vout\]$/);
  });

  it('every label is produced once and consumed once, and only [vout] is left over', () => {
    const chains = buildFilterGraph(5, 1).split(';');
    const labels = (text: string) => [...text.matchAll(/\[([\w:]+)\]/g)].map((m) => m[1]);
    const inputs = chains.flatMap((c) => labels(/^(?:\[[\w:]+\])+/.exec(c)?.[0] ?? ''));
    const outputs = chains.flatMap((c) => labels(/(?:\[\w+\])+$/.exec(c)?.[0] ?? ''));
    expect(new Set(outputs).size).toBe(outputs.length);
    expect(new Set(inputs).size).toBe(inputs.length);
    expect(inputs.filter((l) => l.includes(':v'))).toEqual(['0:v', '1:v', '2:v', '3:v', '4:v']);
    expect(inputs.filter((l) => !l.includes(':')).sort()).toEqual(outputs.filter((l) => l !== 'vout').sort());
    expect(outputs).toContain('vout');
  });

  it('rejects an empty slide list', () => {
    expect(() => buildFilterGraph(0, 3)).toThrow();
  });
});

describe('buildFfmpegArgs', () => {
  const slidePaths = ['/t/slide-01.jpg', '/t/slide-02.jpg', '/t/slide-03.jpg'];

  it('with audio: loops the source forever and trims the output to the video length', () => {
    const args = buildFfmpegArgs({ slidePaths, audioPath: '/t/a.mp3', outputPath: '/t/out.mp4', secondsPerSlide: 3 });
    const audioAt = args.indexOf('/t/a.mp3');
    expect(args.slice(audioAt - 3, audioAt + 1)).toEqual(['-stream_loop', '-1', '-i', '/t/a.mp3']);
    expect(args).not.toContain('lavfi');
    expect(args.filter((a) => a === '-map').length).toBe(2);
    expect(after(args, '-map', args.indexOf('[vout]'))).toBe('3:a:0');
    expect(after(args, '-t', audioAt)).toBe('9');
  });

  it('without audio: a silent anullsrc track of the same length', () => {
    const args = buildFfmpegArgs({ slidePaths, audioPath: null, outputPath: '/t/out.mp4', secondsPerSlide: 1.5 });
    const src = args.indexOf('anullsrc=channel_layout=stereo:sample_rate=44100');
    expect(args.slice(src - 5, src)).toEqual(['-f', 'lavfi', '-t', '4.5', '-i']);
    expect(args).toContain('3:a:0');
    expect(args).not.toContain('-stream_loop');
  });

  it('encodes H.264 yuv420p CRF 20 veryfast + AAC, faststart, output last', () => {
    const args = buildFfmpegArgs({ slidePaths, audioPath: null, outputPath: '/t/out.mp4', secondsPerSlide: 3 });
    expect(after(args, '-c:v')).toBe('libx264');
    expect(after(args, '-pix_fmt')).toBe('yuv420p');
    expect(after(args, '-crf')).toBe('20');
    expect(after(args, '-preset')).toBe('veryfast');
    expect(after(args, '-c:a')).toBe('aac');
    expect(after(args, '-movflags')).toBe('+faststart');
    expect(after(args, '-progress')).toBe('pipe:1');
    expect(args[args.length - 1]).toBe('/t/out.mp4');
    expect(after(args, '-filter_complex')).toBe(buildFilterGraph(3, 3));
  });

  it('passes paths as single arguments (no shell quoting needed)', () => {
    const odd = ['/t/my slides/01 "x".jpg'];
    const args = buildFfmpegArgs({
      slidePaths: odd,
      audioPath: '/t/a b;rm.mp3',
      outputPath: '/t/o u.mp4',
      secondsPerSlide: 3,
    });
    expect(args).toContain(odd[0]);
    expect(args).toContain('/t/a b;rm.mp3');
  });

  it('audio check decodes the first audio stream to the null muxer', () => {
    const args = buildAudioCheckArgs('/t/a.m4a');
    expect(after(args, '-i')).toBe('/t/a.m4a');
    expect(after(args, '-map')).toBe('0:a:0');
    expect(after(args, '-f')).toBe('null');
  });
});

describe('FfmpegProgressParser', () => {
  it('turns out_time_ms (microseconds) into a percentage of the total', () => {
    const p = new FfmpegProgressParser(10);
    expect(p.push('frame=10\nout_time_ms=2500000\nprogress=continue\n')).toBe(25);
    expect(p.push('out_time_ms=N/A\n')).toBeNull();
    expect(p.push('out_time_ms=12000000\n')).toBe(100);
  });

  it('handles lines split across chunks and reports 100 at progress=end', () => {
    const p = new FfmpegProgressParser(4);
    expect(p.push('out_time_m')).toBeNull();
    expect(p.push('s=1000000\nout_ti')).toBe(25);
    expect(p.push('me_ms=3000000\nprogress=end\n')).toBe(100);
  });

  it('ignores the negative start value ffmpeg sometimes prints', () => {
    expect(new FfmpegProgressParser(4).push('out_time_ms=-9223372036854775807\n')).toBeNull();
  });
});
