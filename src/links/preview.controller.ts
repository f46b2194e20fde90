import {
  Body,
  Controller,
  Get,
  HttpCode,
  HttpException,
  Inject,
  Logger,
  NotFoundException,
  Param,
  ParseIntPipe,
  Post,
  StreamableFile,
  ValidationPipe,
} from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiFailedDependencyResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiParam,
  ApiProduces,
  ApiTags,
  ApiUnprocessableEntityResponse,
} from '@nestjs/swagger';
import { createReadStream } from 'node:fs';
import { isPermanent, isTransient } from '../common/errors';
import { VALIDATION_OPTIONS } from '../common/validate-dto';
import { InjectConfig } from '../config/config.module';
import type { AppConfig } from '../config/config.schema';
import { SourceTextService } from '../generation/text-reader/source-text.service';
import { slideWords } from '../pipeline/source-text';
import { LinkPreviewDto, LinkPreviewErrorDto, LinkSourceTextDto, PreviewLinkDto } from './dto/preview.dto';
import { SLIDESHOW_SOURCE, SlideshowSource } from '../pipeline/slideshow';
import { cachedSlideFile } from './tiktok/slideshow-store';

const POST_ID_RE = /^\d{1,32}$/;

/**
 * Lets the UI check one link before a batch: fetches it through the slideshow source (so the files land
 * in the cache the batch will reuse) and answers with slide count, caption and thumbnail URLs, or the
 * classified reason. A failure is always a 4xx: 400 bad link, 422 permanent, 424 retryable upstream.
 */
@ApiTags('links')
@Controller('api/links/preview')
export class PreviewController {
  private readonly logger = new Logger(PreviewController.name);

  constructor(
    @Inject(SLIDESHOW_SOURCE) private readonly source: SlideshowSource,
    @InjectConfig() private readonly config: AppConfig,
    private readonly sourceText: SourceTextService,
  ) {}

  @Post()
  @HttpCode(200)
  @ApiOkResponse({ type: LinkPreviewDto })
  @ApiBadRequestResponse({ type: LinkPreviewErrorDto, description: 'Not a TikTok post link.' })
  @ApiUnprocessableEntityResponse({
    type: LinkPreviewErrorDto,
    description: 'A video, private, deleted, region-locked post, too few slides…',
  })
  @ApiFailedDependencyResponse({
    type: LinkPreviewErrorDto,
    description: 'TikTok did not answer usefully (challenge page, timeout, 5xx); try again later.',
  })
  async preview(@Body(new ValidationPipe(VALIDATION_OPTIONS)) body: PreviewLinkDto): Promise<LinkPreviewDto> {
    try {
      const s = await this.source.fetch(body.url);
      return {
        postId: s.postId,
        url: s.url,
        caption: s.caption,
        author: s.author,
        slideCount: s.slides.length,
        hasAudio: !!s.audio,
        thumbnails: s.slides.map((slide) => `/api/links/preview/${s.postId}/slides/${slide.index}`),
      };
    } catch (e) {
      throw this.toHttp(e, body.url);
    }
  }

  /**
   * The text on each slide of a link, as the batch will read it: read once (about a second a slide) and
   * cached beside the slides, so the batch reuses it. The UI asks for it after the preview, so the
   * thumbnails are not held up by it.
   */
  @Post('text')
  @HttpCode(200)
  @ApiOkResponse({ type: LinkSourceTextDto })
  @ApiBadRequestResponse({ type: LinkPreviewErrorDto, description: 'Not a TikTok post link.' })
  @ApiUnprocessableEntityResponse({ type: LinkPreviewErrorDto, description: 'Not a readable slideshow.' })
  @ApiFailedDependencyResponse({ type: LinkPreviewErrorDto, description: 'Fetching or reading failed; try again.' })
  async text(@Body(new ValidationPipe(VALIDATION_OPTIONS)) body: PreviewLinkDto): Promise<LinkSourceTextDto> {
    try {
      const s = await this.sourceText.fetch(body.url);
      return {
        postId: s.postId,
        slides: s.slides.map((slide) => ({
          index: slide.index,
          kind: slide.text?.kind ?? 'photo',
          text: slideWords(slide.text),
          watermark: !!slide.text?.marks.length,
        })),
      };
    } catch (e) {
      throw this.toHttp(e, body.url);
    }
  }

  @Get(':postId/slides/:n')
  @ApiParam({ name: 'postId', description: 'Numeric TikTok post id', example: '7412345678901234567' })
  @ApiParam({ name: 'n', description: '0-based slide index, as in the thumbnails list' })
  @ApiProduces('image/jpeg', 'image/png', 'image/webp')
  @ApiOkResponse({ description: 'The cached source slide image.' })
  @ApiBadRequestResponse({ description: 'postId is not a number, or n not an integer.' })
  @ApiNotFoundResponse({ description: 'Not in the cache (preview the link first).' })
  async slide(@Param('postId') postId: string, @Param('n', ParseIntPipe) n: number): Promise<StreamableFile> {
    if (!POST_ID_RE.test(postId)) throw new HttpException({ statusCode: 400, message: 'postId must be digits' }, 400);
    if (n < 0 || n > 100) throw new NotFoundException('no such slide');
    // The path comes from our own meta.json (file names checked there), never from these strings.
    const file = await cachedSlideFile(this.config.dataDir, postId, n);
    if (!file) throw new NotFoundException('slide not in the cache; preview the link first');
    return new StreamableFile(createReadStream(file.path), { type: file.mime });
  }

  private toHttp(e: unknown, url: string): HttpException {
    const body = (statusCode: number, code: string, reason: string, retryAfterMs?: number): LinkPreviewErrorDto => ({
      statusCode,
      code,
      reason,
      retryable: statusCode === 424,
      ...(retryAfterMs ? { retryAfterSeconds: Math.ceil(retryAfterMs / 1000) } : {}),
    });
    if (isPermanent(e)) {
      const status = e.code === 'invalid_url' ? 400 : 422;
      return new HttpException(body(status, e.code ?? 'permanent', e.message), status);
    }
    if (isTransient(e)) return new HttpException(body(424, e.code ?? 'transient', e.message, e.retryAfterMs), 424);
    // Never a 500 for a user's link: log the surprise, answer "try again".
    this.logger.error(`preview of ${url} failed unexpectedly: ${(e as Error)?.stack ?? e}`);
    return new HttpException(body(424, 'fetch_failed', 'the slideshow could not be fetched; try again later'), 424);
  }
}
