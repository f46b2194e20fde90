import { Controller, Get, NotFoundException, Param, Res } from '@nestjs/common';
import { ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { SlideThumbnails } from './slide-thumbnails';

/** The small slide thumbnails the results page shows (the full JPEGs stay at each file's `url`). */
@ApiTags('batches')
@Controller('api/batch')
export class ThumbnailsController {
  constructor(private readonly thumbs: SlideThumbnails) {}

  @Get(':id/thumbs/:variationId/:file')
  @ApiOperation({ summary: "A slide's thumbnail (WebP, 270 px wide), as named by a file's thumbnailUrl." })
  @ApiProduces('image/webp')
  @ApiOkResponse({ description: 'The WebP thumbnail; cached by the browser (it never changes under its name).' })
  @ApiNotFoundResponse()
  async thumbnail(
    @Param('id') batchId: string,
    @Param('variationId') variationId: string,
    @Param('file') file: string,
    @Res() res: Response,
  ): Promise<void> {
    const p = await this.thumbs.path(batchId, variationId, file);
    if (!p) throw new NotFoundException('no such thumbnail');
    res.type('image/webp');
    res.setHeader('Cache-Control', 'private, max-age=3600');
    res.sendFile(p);
  }
}
