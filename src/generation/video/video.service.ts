import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { Injectable, Logger } from '@nestjs/common';
import { AppConfig } from '../../config/config.schema';
import { InjectConfig } from '../../config/config.module';
import { buildAudioCheckArgs, buildFfmpegArgs, FfmpegProgressParser, totalSeconds } from './ffmpeg-args';

export type VideoResult = { mp4: Buffer; warning?: string } | { error: string; warning?: string };

/** A render that takes longer than this is stuck (a 10-slide video takes seconds); ffmpeg is killed. */
export const RENDER_TIMEOUT_MS = 5 * 60_000;
const AUDIO_CHECK_TIMEOUT_MS = 30_000;

interface RunResult {
  ok: boolean;
  /** The binary could not be started at all (missing, not executable). */
  notStarted?: boolean;
  /** Killed after the time limit: not retried (a second try would only wait as long again). */
  timedOut?: boolean;
  /** Why it failed: spawn error, timeout, or ffmpeg's first error line. */
  reason: string;
}

/**
 * Renders a variation's slides as an MP4 slideshow with ffmpeg (Debian's `ffmpeg` package, or any
 * binary at FFMPEG_PATH). Never throws for video problems: the slides stand on their own, so a failed
 * video is returned as `{ error }` for the variation to report.
 */
@Injectable()
export class VideoService {
  private readonly logger = new Logger(VideoService.name);

  constructor(@InjectConfig() private readonly config: AppConfig) {}

  async make(slides: Buffer[], audioPath: string | null, onProgress?: (pct: number) => void): Promise<VideoResult> {
    if (slides.length === 0) return { error: 'no slides to render' };
    const { secondsPerSlide } = this.config.video;
    let dir: string | null = null;
    try {
      const tmpRoot = path.join(this.config.dataDir, 'tmp');
      await fs.mkdir(tmpRoot, { recursive: true });
      dir = path.join(tmpRoot, `video-${randomBytes(6).toString('hex')}`);
      await fs.mkdir(dir);
      const slidePaths: string[] = [];
      for (let i = 0; i < slides.length; i++) {
        const p = path.join(dir, `slide-${String(i + 1).padStart(2, '0')}.jpg`);
        await fs.writeFile(p, slides[i]);
        slidePaths.push(p);
      }

      let audio = audioPath;
      let warning: string | undefined;
      if (audio) {
        const check = await this.run(buildAudioCheckArgs(audio), AUDIO_CHECK_TIMEOUT_MS);
        if (check.notStarted) return { error: check.reason };
        if (!check.ok) {
          warning = `audio could not be read: ${withoutDir(check.reason, audio)}`;
          audio = null;
        }
      }

      const outputPath = path.join(dir, 'slideshow.mp4');
      const total = totalSeconds(slides.length, secondsPerSlide);
      const render = () => {
        const parser = new FfmpegProgressParser(total);
        let last = -1;
        const report = (chunk: string) => {
          const pct = parser.push(chunk);
          if (pct !== null && pct !== last && onProgress) {
            last = pct;
            reportSafely(onProgress, pct);
          }
        };
        return this.run(
          buildFfmpegArgs({ slidePaths, audioPath: audio, outputPath, secondsPerSlide }),
          RENDER_TIMEOUT_MS,
          report,
        );
      };

      let result = await render();
      if (!result.ok && !result.notStarted && !result.timedOut && audio) {
        // The audio passed the short check but may be damaged further in: the video matters more than
        // the sound, so try once more with a silent track (if that fails too, audio was not the cause).
        const failedAudio = audio;
        audio = null;
        const silent = await render();
        if (silent.ok) {
          warning = `audio could not be read: ${withoutDir(result.reason, failedAudio)}`;
          result = silent;
        }
      }
      if (!result.ok) {
        this.logger.warn(`video render failed: ${result.reason}`);
        return { error: result.notStarted ? result.reason : `video render failed: ${result.reason}` };
      }
      const mp4 = await fs.readFile(outputPath);
      if (warning) this.logger.warn(`video rendered without audio: ${warning}`);
      return warning ? { mp4, warning } : { mp4 };
    } catch (e) {
      return { error: `video render failed: ${(e as Error).message}` };
    } finally {
      if (dir) await fs.rm(dir, { recursive: true, force: true }).catch(() => undefined);
    }
  }

  /** Runs ffmpeg with an argument array (no shell); resolves, never rejects. */
  private run(args: string[], timeoutMs: number, onStdout?: (chunk: string) => void): Promise<RunResult> {
    const bin = this.config.video.ffmpegPath;
    return new Promise((resolve) => {
      let stderr = '';
      let settled = false;
      const done = (r: RunResult) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve(r);
      };
      const child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        done({ ok: false, timedOut: true, reason: `timed out after ${Math.round(timeoutMs / 1000)} s` });
      }, timeoutMs);
      child.stdout.setEncoding('utf8').on('data', (c: string) => onStdout?.(c));
      child.stderr.setEncoding('utf8').on('data', (c: string) => {
        if (stderr.length < 4000) stderr += c; // only the first lines carry the reason
      });
      child.on('error', (e: NodeJS.ErrnoException) =>
        done({
          ok: false,
          notStarted: true,
          reason:
            e.code === 'ENOENT'
              ? `ffmpeg not found at "${bin}" (install Debian's ffmpeg or set FFMPEG_PATH)`
              : `ffmpeg could not start: ${e.message}`,
        }),
      );
      child.on('close', (code, signal) => {
        if (code === 0) return done({ ok: true, reason: '' });
        done({ ok: false, reason: firstLine(stderr) || `ffmpeg exited with ${signal ?? `code ${code}`}` });
      });
    });
  }
}

/** Progress is best effort: a failing callback (e.g. job.progress() losing Redis) must not break the render. */
function reportSafely(onProgress: (pct: number) => void, pct: number): void {
  try {
    const r: unknown = onProgress(pct);
    if (r instanceof Promise) r.catch(() => undefined);
  } catch {
    // ignored: see above
  }
}

/** Names the file by its base name: the server's folders are no business of the user's. */
function withoutDir(reason: string, file: string): string {
  return reason.split(file).join(path.basename(file));
}

/** ffmpeg's first error line is usually the cause (later ones are consequences); "[mjpeg @ 0x…] x" → "mjpeg: x". */
function firstLine(text: string): string {
  const line =
    text
      .split('\n')
      .map((l) => l.trim())
      .find(Boolean) ?? '';
  return line.replace(/^\[(\w+) @ 0x[0-9a-f]+\]\s*/, '$1: ').slice(0, 300);
}
