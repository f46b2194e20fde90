import { createHash, randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { Inject, Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import { isTransient } from '../../common/errors';
import { InjectConfig } from '../../config/config.module';
import type { AppConfig } from '../../config/config.schema';
import { FetchedSlideshow, SLIDESHOW_SOURCE, SlideshowSource, SourceSlide } from '../../pipeline/slideshow';
import type { SlideText } from '../../pipeline/source-text';
import { READ_CORE_SECONDS_PER_SLIDE } from '../estimate';
import { MachineSpeed } from '../machine-speed';
import type { ScrubResult } from './protocol';
import { TextReaderClient } from './text-reader.client';

/**
 * The source text of a fetched slideshow, read once and cached beside its slides (the slideshow cache
 * folder): `text.json` (per slide: file, content hash, the text read) and `clean/slide_N.jpg` (the
 * text-free copies). Every batch and variation over the same post reuses them; a slide whose bytes
 * changed is read again.
 */

const TEXT_FILE = 'text.json';

interface CachedSlide {
  file: string;
  sha1: string;
  text: SlideText;
  /** Relative to the folder; null when the slide had nothing to remove. */
  clean: string | null;
}

interface TextFile {
  version: 1;
  slides: CachedSlide[];
}

async function sha1(file: string): Promise<string> {
  return createHash('sha1')
    .update(await fs.readFile(file))
    .digest('hex');
}

async function exists(file: string): Promise<boolean> {
  return fs.access(file).then(
    () => true,
    () => false,
  );
}

@Injectable()
export class SourceTextService implements OnModuleDestroy {
  private readonly logger = new Logger(SourceTextService.name);
  readonly reader: TextReaderClient;
  /** One read per folder at a time in this process (two links of one post share the work). */
  private readonly inFlight = new Map<string, Promise<FetchedSlideshow>>();
  /** Slides actually read (not from the cache) by this process: specs and benchmarks. */
  slidesRead = 0;

  /** `TEXT_READER=false`: slides are used as fetched (no OCR, no clean copies; their text stays). */
  private readonly enabled: boolean;

  constructor(
    @InjectConfig() config: AppConfig,
    @Inject(SLIDESHOW_SOURCE) private readonly source: SlideshowSource,
    private readonly speed: MachineSpeed,
  ) {
    this.enabled = config.textReader.enabled;
    this.reader = new TextReaderClient(config.textReader);
    speed.countChildCpu(() => this.reader.unreapedCpuSeconds());
  }

  /** Fetches (through the source's cache) and reads a slideshow. */
  async fetch(url: string): Promise<FetchedSlideshow> {
    return this.attach(await this.source.fetch(url));
  }

  /**
   * A stored slideshow as it should be: its files on disk and its text read. `changed` says whether it
   * had to be fetched again (a cleared cache) or read (stored before the reader ran), so the caller stores it.
   */
  async ensure(
    stored: FetchedSlideshow | null | undefined,
    url: string,
  ): Promise<{ slideshow: FetchedSlideshow; changed: boolean }> {
    if (stored && (await this.complete(stored))) return { slideshow: stored, changed: false };
    const filesThere = !!stored && (await Promise.all(stored.slides.map((s) => exists(s.path)))).every(Boolean);
    const slideshow = stored && filesThere ? await this.attach(stored) : await this.fetch(stored?.url ?? url);
    return { slideshow, changed: true };
  }

  async onModuleDestroy(): Promise<void> {
    await this.reader.close();
  }

  /** The slideshow with every slide's `text` and `cleanPath` set, read now or taken from the cache. */
  attach(slideshow: FetchedSlideshow): Promise<FetchedSlideshow> {
    if (!slideshow.slides.length || !this.enabled) return Promise.resolve(slideshow);
    const dir = path.dirname(slideshow.slides[0].path);
    const running = this.inFlight.get(dir);
    if (running) return running.then((done) => ({ ...slideshow, slides: done.slides }));
    const work = this.attachIn(dir, slideshow).finally(() => this.inFlight.delete(dir));
    this.inFlight.set(dir, work);
    return work;
  }

  /** True when every slide is on disk with its text (when the reader is on) and its clean copy (if any). */
  async complete(slideshow: FetchedSlideshow): Promise<boolean> {
    for (const s of slideshow.slides) {
      if ((this.enabled && !s.text) || !(await exists(s.path))) return false;
      if (s.cleanPath && !(await exists(s.cleanPath))) return false;
    }
    return true;
  }

  /** Reads a generated image's text and returns its text-free copy (null when it had none). */
  scrub(bytes: Buffer): Promise<ScrubResult> {
    return this.reader.scrub(bytes);
  }

  private async attachIn(dir: string, slideshow: FetchedSlideshow): Promise<FetchedSlideshow> {
    const cache = await loadTextFile(dir);
    const started = Date.now();
    let read = 0;
    const slides: SourceSlide[] = [];
    const entries: CachedSlide[] = [];
    for (const slide of slideshow.slides) {
      const file = path.basename(slide.path);
      const hash = await sha1(slide.path);
      let entry = cache.find((c) => c.file === file && c.sha1 === hash);
      if (entry?.clean && !(await exists(path.join(dir, entry.clean)))) entry = undefined;
      if (!entry) {
        entry = await this.readOne(dir, slide, file, hash);
        read++;
      }
      entries.push(entry);
      const { text, cleanPath, ...rest } = slide;
      void text;
      void cleanPath;
      slides.push({ ...rest, text: entry.text, ...(entry.clean ? { cleanPath: path.join(dir, entry.clean) } : {}) });
    }
    if (read) {
      await writeAtomic(path.join(dir, TEXT_FILE), JSON.stringify({ version: 1, slides: entries } satisfies TextFile));
      this.slidesRead += read;
      const words = entries.reduce((n, e) => n + e.text.blocks.reduce((m, b) => m + b.text.split(/\s+/).length, 0), 0);
      this.logger.log(
        `post ${slideshow.postId}: read ${read} slide(s) in ${Date.now() - started} ms (${words} words, ${
          entries.filter((e) => e.clean).length
        } cleaned, ${entries.filter((e) => e.text.kind === 'card').length} cards)`,
      );
    }
    return { ...slideshow, slides };
  }

  private async readOne(dir: string, slide: SourceSlide, file: string, hash: string): Promise<CachedSlide> {
    const clean = path.join('clean', `slide_${slide.index + 1}.jpg`);
    let read = false;
    this.speed.begin();
    try {
      const r = await this.reader.read(slide.path, path.join(dir, clean));
      read = true;
      return { file, sha1: hash, text: r.text, clean: r.cleaned ? clean : null };
    } catch (e) {
      if (isTransient(e)) throw e;
      // An image the engine cannot read keeps its pixels and gets no text: the variation still runs.
      this.logger.warn(`slide ${slide.path}: not read (${(e as Error).message})`);
      const text: SlideText = {
        kind: 'photo',
        blocks: [],
        marks: [],
        background: null,
        width: slide.width,
        height: slide.height,
        ms: 0,
      };
      return { file, sha1: hash, text, clean: null };
    } finally {
      this.speed.end(read ? READ_CORE_SECONDS_PER_SLIDE : 0);
    }
  }
}

async function loadTextFile(dir: string): Promise<CachedSlide[]> {
  try {
    const parsed = JSON.parse(await fs.readFile(path.join(dir, TEXT_FILE), 'utf8')) as TextFile;
    if (parsed.version !== 1 || !Array.isArray(parsed.slides)) return [];
    // Names come from our own file, but never reach path.join unchecked.
    return parsed.slides.filter(
      (s) => /^[\w.-]+$/.test(s.file) && (s.clean === null || /^clean\/slide_\d{1,3}\.jpg$/.test(s.clean)),
    );
  } catch {
    return [];
  }
}

/**
 * The slide files of a slideshow cache folder whose text is already read (one small file, no hashing): what
 * the estimate needs to leave their reading out. A slide whose bytes changed since is read again anyway.
 */
export async function slidesWithTextRead(dir: string): Promise<Set<string>> {
  return new Set((await loadTextFile(dir)).map((s) => s.file));
}

async function writeAtomic(file: string, data: string): Promise<void> {
  const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  await fs.writeFile(tmp, data);
  await fs.rename(tmp, file);
}
