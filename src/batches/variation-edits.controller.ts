import { Body, Controller, Get, HttpCode, Param, Post, Put, Query } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiConflictResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { slideIndexParam, uuidParam } from '../common/param-pipes';
import { VariationEdits } from '../generation/variation-edits.service';
import { LinksRepository } from '../pipeline/repositories';
import { VariationDto } from './dto/batch-responses.dto';
import {
  EditCaptionDto,
  EditedVariationsDto,
  EditTextsDto,
  RegenerateSlideDto,
  RegenerationQuoteDto,
  RegenerationResultDto,
} from './dto/variation-edits.dto';
import { variationView } from './variation-view';

const BATCH = uuidParam('id', 'batch');
const LINK = uuidParam('linkId', 'link');
const VARIATION = uuidParam('variationId', 'variation');
const SLIDE = slideIndexParam('index');

/** Edits after the user has seen the result: texts and caption (free), one slide made again (one paid call). */
@ApiTags('batches')
@Controller('api/batch/:id')
export class VariationEditsController {
  constructor(
    private readonly edits: VariationEdits,
    private readonly links: LinksRepository,
  ) {}

  @Put('variations/:variationId/texts')
  @ApiOperation({
    summary: 'Edit the overlay texts of a finished variation and re-render it (no paid call).',
    description:
      'One text per slide, in order. `allPhotoVariants: true` applies them to every photo variant of the same text ' +
      'variant. The new slides (and MP4, caption.txt, manifest.json) replace the delivered files in place; the ' +
      "previous texts go to the variation's `edits` history.",
  })
  @ApiOkResponse({ type: EditedVariationsDto })
  @ApiBadRequestResponse({ description: 'Wrong number of texts, a text over 500 characters.' })
  @ApiNotFoundResponse({ description: 'No such variation in this batch.' })
  @ApiConflictResponse({ description: 'The variation is not finished, or another edit of its link is running.' })
  async editTexts(
    @Param('id', BATCH) id: string,
    @Param('variationId', VARIATION) variationId: string,
    @Body() dto: EditTextsDto,
  ): Promise<EditedVariationsDto> {
    const changed = await this.edits.editTexts(id, variationId, dto.texts, dto.allPhotoVariants ?? false);
    return { variations: await this.views(changed) };
  }

  @Put('variations/:variationId/caption')
  @ApiOperation({
    summary: "Edit a finished variation's post caption; caption.txt and manifest.json are delivered again.",
  })
  @ApiOkResponse({ type: VariationDto })
  @ApiBadRequestResponse({ description: 'Title over 90 characters, description over 2,200, not 3–5 hashtags.' })
  @ApiNotFoundResponse({ description: 'No such variation in this batch.' })
  async editCaption(
    @Param('id', BATCH) id: string,
    @Param('variationId', VARIATION) variationId: string,
    @Body() dto: EditCaptionDto,
  ): Promise<VariationDto> {
    const [view] = await this.views([await this.edits.editCaption(id, variationId, { ...dto })]);
    return view;
  }

  @Get('links/:linkId/slides/:index/regenerate')
  @ApiOperation({
    summary: 'Price of making one slide of one photo variant again, and the variations it re-renders.',
  })
  @ApiOkResponse({ type: RegenerationQuoteDto })
  @ApiNotFoundResponse({ description: 'No such link or slide.' })
  async quote(
    @Param('id', BATCH) id: string,
    @Param('linkId', LINK) linkId: string,
    @Param('index', SLIDE) index: number,
    @Query() q: RegenerateSlideDto,
  ): Promise<RegenerationQuoteDto> {
    return (await this.edits.quote(id, linkId, index, q.photoVariant, q.textVariant)).quote;
  }

  @Post('links/:linkId/slides/:index/regenerate')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Make one slide of one photo variant again (one paid image call) and re-render every variation on it.',
    description: "Ask GET first for the price. Slide index is 0-based, in the plan's output order.",
  })
  @ApiOkResponse({ type: RegenerationResultDto })
  @ApiNotFoundResponse({ description: 'No such link or slide.' })
  @ApiConflictResponse({ description: 'A variation on this image is not finished.' })
  async regenerate(
    @Param('id', BATCH) id: string,
    @Param('linkId', LINK) linkId: string,
    @Param('index', SLIDE) index: number,
    @Body() dto: RegenerateSlideDto,
  ): Promise<RegenerationResultDto> {
    const done = await this.edits.regenerate(id, linkId, index, dto.photoVariant, dto.textVariant);
    return { ...done, variations: await this.views(done.variations) };
  }

  private async views(variations: Awaited<ReturnType<VariationEdits['editTexts']>>): Promise<VariationDto[]> {
    const plans = new Map<string, Awaited<ReturnType<LinksRepository['find']>>>();
    for (const v of variations) if (!plans.has(v.linkId)) plans.set(v.linkId, await this.links.find(v.linkId));
    return variations.map((v) => variationView(v, plans.get(v.linkId)?.plan ?? null));
  }
}
