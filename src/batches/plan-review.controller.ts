import { Body, Controller, Get, HttpCode, Param, Post, Put, StreamableFile } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBody,
  ApiConflictResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiProduces,
  ApiTags,
} from '@nestjs/swagger';
import { createReadStream } from 'node:fs';
import { extname } from 'node:path';
import { slideIndexParam, uuidParam } from '../common/param-pipes';
import { SlideshowPlan } from '../pipeline/plan';
import { ApproveResultDto, PLAN_OPENAPI } from './dto/review.dto';
import { PlanReviewService } from './plan-review.service';

const BATCH = uuidParam('id', 'batch');
const LINK = uuidParam('linkId', 'link');
const INDEX = slideIndexParam('n');
const MIME: Record<string, string> = { '.png': 'image/png', '.webp': 'image/webp' };

/** Review before paying: a link's plan, its source slides, and the approval that starts its variations. */
@ApiTags('review')
@Controller('api/batch')
export class PlanReviewController {
  constructor(private readonly review: PlanReviewService) {}

  @Get(':id/links/:linkId/plan')
  @ApiOperation({ summary: "A link's plan as stored (any status, once analysed)." })
  @ApiOkResponse({ schema: PLAN_OPENAPI })
  @ApiNotFoundResponse({ description: 'No such batch or link, or the link has no plan yet.' })
  plan(@Param('id', BATCH) id: string, @Param('linkId', LINK) linkId: string): Promise<SlideshowPlan> {
    return this.review.plan(id, linkId);
  }

  @Put(':id/links/:linkId/plan')
  @ApiOperation({
    summary: "Replace a link's plan before its images are made: edit texts and scenes, drop or reorder slides.",
    description:
      'Allowed while the link awaits review (or failed before its variations existed). Validated whole: ' +
      'exactly one product slide, one scene per photo variant and one text per text variant on every slide, ' +
      'texts at most 500 characters. Nothing is changed when anything is wrong.',
  })
  @ApiBody({ schema: PLAN_OPENAPI })
  @ApiOkResponse({ schema: PLAN_OPENAPI, description: 'The plan as saved.' })
  @ApiBadRequestResponse({
    description: 'One message per bad field, e.g. "slides[3].texts[0]: at most 500 characters".',
  })
  @ApiConflictResponse({ description: 'The link is being processed or already has its variations.' })
  @ApiNotFoundResponse()
  replace(
    @Param('id', BATCH) id: string,
    @Param('linkId', LINK) linkId: string,
    @Body() body: unknown,
  ): Promise<SlideshowPlan> {
    return this.review.replacePlan(id, linkId, body);
  }

  @Get(':id/links/:linkId/source/:n')
  @ApiOperation({ summary: "One of the link's source slides (the review shows it next to the slide re-making it)." })
  @ApiParam({ name: 'n', description: "0-based source slide index (a plan slide's sourceIndex)" })
  @ApiProduces('image/jpeg', 'image/png', 'image/webp')
  @ApiOkResponse({ description: 'The downloaded source slide.' })
  @ApiNotFoundResponse()
  async source(
    @Param('id', BATCH) id: string,
    @Param('linkId', LINK) linkId: string,
    @Param('n', INDEX) n: number,
  ): Promise<StreamableFile> {
    const slide = await this.review.sourceSlide(id, linkId, n);
    return new StreamableFile(createReadStream(slide.path), {
      type: MIME[extname(slide.path).toLowerCase()] ?? 'image/jpeg',
    });
  }

  @Post(':id/links/:linkId/approve')
  @HttpCode(200)
  @ApiOperation({ summary: "Approve a link's plan: its variations are created and their images made." })
  @ApiOkResponse({ type: ApproveResultDto })
  @ApiConflictResponse({ description: 'The link is not awaiting review (approved already, or the batch ended).' })
  @ApiNotFoundResponse()
  approveLink(@Param('id', BATCH) id: string, @Param('linkId', LINK) linkId: string): Promise<ApproveResultDto> {
    return this.review.approveLink(id, linkId);
  }

  @Post(':id/approve')
  @HttpCode(200)
  @ApiOperation({ summary: 'Approve every link of the batch that awaits review.' })
  @ApiOkResponse({ type: ApproveResultDto })
  @ApiConflictResponse({ description: 'No link awaits review.' })
  @ApiNotFoundResponse()
  approveAll(@Param('id', BATCH) id: string): Promise<ApproveResultDto> {
    return this.review.approveAll(id);
  }
}
