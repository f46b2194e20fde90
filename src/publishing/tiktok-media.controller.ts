import { Controller, Get, Inject, Logger, NotFoundException, Param, Res, GoneException } from '@nestjs/common';
import {
  ApiGoneResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiProduces,
  ApiSecurity,
  ApiTags,
} from '@nestjs/swagger';
import type { Response } from 'express';
import { STORAGE, Storage } from '../drive/storage.interface';
import { VariationsRepository } from '../pipeline/repositories';
import { asTikTokJpeg, slideFiles } from './post-media';
import { PostSteps } from './post-steps';
import { PostsRepository } from './posts.repository';
import { PublishingSecrets } from './publishing-secrets';

/**
 * The images TikTok pulls (PULL_FROM_URL), outside the admin guard: the signed, expiring name is the only
 * permission. Unknown or forged names are 404, expired ones 410; nothing else is served from here.
 */
@ApiTags('tiktok')
@ApiSecurity({})
@Controller('api/tiktok/media')
export class TikTokMediaController {
  private readonly logger = new Logger(TikTokMediaController.name);

  constructor(
    private readonly variations: VariationsRepository,
    @Inject(STORAGE) private readonly storage: Storage,
    private readonly secrets: PublishingSecrets,
    private readonly posts: PostsRepository,
    private readonly steps: PostSteps,
  ) {}

  @Get(':file')
  @ApiOperation({ summary: 'A slide of a post being sent, for TikTok to pull (signed, expiring URL; no credentials).' })
  @ApiProduces('image/jpeg')
  @ApiOkResponse({ description: 'A JPEG no larger than 1080 × 1920.' })
  @ApiNotFoundResponse()
  @ApiGoneResponse({ description: 'The URL has expired.' })
  async image(@Param('file') file: string, @Res() res: Response): Promise<void> {
    const check = this.secrets.media?.verify(file.replace(/\.jpe?g$/i, ''));
    if (!check?.ok) {
      if (check?.reason === 'expired') throw new GoneException('this image link has expired');
      throw new NotFoundException('no such image');
    }
    const { postId, index } = check.grant;
    const post = await this.posts.get(postId);
    const variation = post ? await this.variations.find(post.variationId) : null;
    const name = slideFiles(variation?.files)[index];
    if (!post || !variation?.outputFolderId || !name) throw new NotFoundException('no such image');
    const bytes = await asTikTokJpeg(await this.storage.readFile(variation.outputFolderId, name)).catch(
      () => undefined,
    );
    if (!bytes) throw new NotFoundException('the image is no longer stored');
    // Recorded so a post whose worker died mid-send can say whether TikTok got as far as pulling it.
    await this.steps.redis.set(this.steps.key(`pulled:${postId}`), '1', 'EX', 86_400).catch(() => undefined);
    this.logger.log(`post ${postId}: image ${index + 1} pulled (${bytes.length} bytes)`);
    res.set({
      'Content-Type': 'image/jpeg',
      'Content-Length': String(bytes.length),
      'Cache-Control': 'private, no-store',
      'X-Robots-Tag': 'noindex',
    });
    res.end(bytes);
  }
}
