import { Logger } from '@nestjs/common';
import { slideWords } from '../../pipeline/source-text';
import type { ScrubResult } from '../text-reader/protocol';

/** What reads and removes text on an image (the text reader, SourceTextService). */
export interface TextScrubber {
  scrub(bytes: Buffer): Promise<ScrubResult>;
}

const logger = new Logger('GeminiReturnedText');

const words = (s: string) =>
  s
    .toLowerCase()
    .split(/\s+/)
    .map((w) => w.replace(/[^\p{L}\p{N}]/gu, ''))
    .filter((w) => w.length >= 2);

/** Share of the planned words found on the image (0..1). */
export function drawnShare(planned: string, read: string): number {
  const want = words(planned);
  const got = new Set(words(read));
  return want.length ? want.filter((w) => got.has(w)).length / want.length : 1;
}

/**
 * Every image Gemini returns goes through the source-text detector. Asked for a text-free scene, any
 * text it still drew (a caption, a logo, a watermark) is inpainted out here, for free, instead of paying
 * for another image. When the model draws the text itself (`planned` set), the detector checks the drawn
 * words are the planned ones and warns otherwise. A reader failure never costs the paid image: it is kept.
 */
export async function cleanReturnedImage(
  scrubber: TextScrubber | undefined,
  image: Buffer,
  opts: { tag: string; planned?: string },
): Promise<Buffer> {
  if (!scrubber) return image;
  let r: ScrubResult;
  try {
    r = await scrubber.scrub(image);
  } catch (e) {
    logger.warn(`link ${opts.tag}: text check skipped (${(e as Error).message})`);
    return image;
  }
  const read = slideWords(r.text).replace(/\n/g, ' ');
  if (opts.planned !== undefined) {
    const share = drawnShare(opts.planned, read);
    if (share < 0.6)
      logger.warn(
        `link ${opts.tag}: drawn text does not match the plan (${Math.round(share * 100)}% of its words found; read "${read.slice(0, 120)}")`,
      );
    return image;
  }
  if (!r.clean) return image;
  logger.log(
    `link ${opts.tag}: removed text Gemini drew anyway ("${read.slice(0, 80)}"${r.text.marks.length ? ', a watermark' : ''})`,
  );
  return r.clean;
}
