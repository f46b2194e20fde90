import * as fs from 'node:fs';
import * as path from 'node:path';
import { Inject, Injectable } from '@nestjs/common';
import { slideFileName, variationFolderName } from '../drive/output-tree';
import { STORAGE, Storage } from '../drive/storage.interface';
import { VariationOutcome } from '../pipeline/batch-progress.service';
import { VariationFile } from '../pipeline/entities/variation.entity';
import { FetchedSlideshow } from '../pipeline/slideshow';
import { SlideThumbnails } from './slide-thumbnails';
import { VideoService } from './video/video.service';

/** Writes one finished variation to storage: its slides (and their thumbnails), the audio and, if asked, the MP4. */
@Injectable()
export class VariationDelivery {
  constructor(
    @Inject(STORAGE) private readonly storage: Storage,
    private readonly video: VideoService,
    private readonly thumbs: SlideThumbnails,
  ) {}

  async deliver(
    target: {
      batchId: string;
      variationId: string;
      linkFolderId: string;
      photoIndex: number;
      textIndex: number;
      video: boolean;
    },
    slides: Buffer[],
    slideshow: FetchedSlideshow,
    onVideoProgress: (pct: number) => unknown,
  ): Promise<Extract<VariationOutcome, { status: 'completed' }>> {
    const folder = await this.storage.ensureFolder(
      target.linkFolderId,
      variationFolderName(target.photoIndex, target.textIndex),
    );
    const files: VariationFile[] = [];
    for (let i = 0; i < slides.length; i++) {
      const ref = await this.storage.putFile(folder.id, slideFileName(i), slides[i], 'image/jpeg');
      // The thumbnail is made once, here, beside the slide it stands for.
      const thumbnailUrl = await this.thumbs.write(target.batchId, target.variationId, i, slides[i]);
      files.push({ name: slideFileName(i), url: ref.url, thumbnailUrl });
    }
    if (slideshow.audio) {
      const name = `audio${path.extname(slideshow.audio.path) || '.mp3'}`;
      const ref = await this.storage.putFile(
        folder.id,
        name,
        fs.readFileSync(slideshow.audio.path),
        slideshow.audio.mime,
      );
      files.push({ name, url: ref.url });
    }
    let videoError: string | null = null;
    if (target.video) {
      const made = await this.video.make(slides, slideshow.audio?.path ?? null, onVideoProgress);
      if ('mp4' in made) {
        const ref = await this.storage.putFile(folder.id, 'slideshow.mp4', made.mp4, 'video/mp4');
        files.push({ name: 'slideshow.mp4', url: ref.url });
      } else {
        videoError = made.error;
      }
      if (made.warning) videoError = made.warning;
    }
    return { status: 'completed', files, outputFolderId: folder.id, outputUrl: folder.url, videoError };
  }
}
