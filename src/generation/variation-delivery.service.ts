import * as fs from 'node:fs';
import * as path from 'node:path';
import { Inject, Injectable } from '@nestjs/common';
import { AppConfig } from '../config/config.schema';
import { InjectConfig } from '../config/config.module';
import { slideFileName, variationFolderName } from '../drive/output-tree';
import { STORAGE, Storage } from '../drive/storage.interface';
import { VariationOutcome } from '../pipeline/batch-progress.service';
import { BatchVariation, VariationFile } from '../pipeline/entities/variation.entity';
import { FetchedSlideshow } from '../pipeline/slideshow';
import { GENERATOR, Generator } from './generator.interface';
import { SlideThumbnails } from './slide-thumbnails';
import type { PlannedLink } from './slide-maker.service';
import { buildManifest, captionOf, captionText } from './variation-manifest';
import { VideoService } from './video/video.service';

export interface DeliveryTarget {
  link: Pick<PlannedLink, 'url' | 'plan'> & { outputFolderId: string };
  variation: BatchVariation;
  video: boolean;
  /**
   * Re-delivery after an edit: every file is written over its earlier self (same Drive file ids), and the
   * audio, which no edit changes, is kept as it was.
   */
  replace?: boolean;
}

/**
 * Writes one finished variation to storage: its slides, the source audio, when asked the MP4, and its
 * post caption (`caption.txt`) and `manifest.json`.
 */
@Injectable()
export class VariationDelivery {
  constructor(
    @Inject(STORAGE) private readonly storage: Storage,
    @Inject(GENERATOR) private readonly generator: Generator,
    @InjectConfig() private readonly config: AppConfig,
    private readonly video: VideoService,
    private readonly thumbs: SlideThumbnails,
  ) {}

  async deliver(
    target: DeliveryTarget,
    slides: Buffer[],
    slideshow: FetchedSlideshow,
    onVideoProgress: (pct: number) => unknown,
  ): Promise<Extract<VariationOutcome, { status: 'completed' }>> {
    const v = target.variation;
    const folder = await this.storage.ensureFolder(
      target.link.outputFolderId,
      variationFolderName(v.photoIndex, v.textIndex),
    );
    const write = (name: string, body: Buffer, mime: string) =>
      target.replace
        ? this.storage.replaceFile(folder.id, name, body, mime)
        : this.storage.putFile(folder.id, name, body, mime);
    const files: VariationFile[] = [];
    for (let i = 0; i < slides.length; i++) {
      const ref = await write(slideFileName(i), slides[i], 'image/jpeg');
      const thumbnailUrl = await this.thumbs.write(target.variation.batchId, target.variation.id, i, slides[i]);
      files.push({ name: slideFileName(i), url: ref.url, thumbnailUrl });
    }
    const keptAudio = target.replace ? v.files?.find((f) => f.name.startsWith('audio')) : undefined;
    if (keptAudio) files.push(keptAudio);
    else if (slideshow.audio) {
      const name = `audio${path.extname(slideshow.audio.path) || '.mp3'}`;
      const ref = await write(name, fs.readFileSync(slideshow.audio.path), slideshow.audio.mime);
      files.push({ name, url: ref.url });
    }
    let videoError: string | null = null;
    if (target.video) {
      const made = await this.video.make(slides, slideshow.audio?.path ?? null, onVideoProgress);
      if ('mp4' in made) {
        const ref = await write('slideshow.mp4', made.mp4, 'video/mp4');
        files.push({ name: 'slideshow.mp4', url: ref.url });
      } else {
        videoError = made.error;
      }
      if (made.warning) videoError = made.warning;
    }
    const plan = target.link.plan;
    const caption = await write('caption.txt', Buffer.from(captionText(captionOf(plan, v))), 'text/plain');
    files.push({ name: 'caption.txt', url: caption.url });
    const manifest = buildManifest({
      url: target.link.url,
      plan,
      variation: v,
      slideFiles: slides.map((_, i) => slideFileName(i)),
      generator: this.generator.name,
      prices: this.config.gemini,
    });
    const ref = await write('manifest.json', Buffer.from(JSON.stringify(manifest, null, 2)), 'application/json');
    files.push({ name: 'manifest.json', url: ref.url });
    return { status: 'completed', files, outputFolderId: folder.id, outputUrl: folder.url, videoError };
  }
}
