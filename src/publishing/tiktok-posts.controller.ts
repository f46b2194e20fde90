import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { uuidParam } from '../common/param-pipes';
import { ListPostsQueryDto, SendResultDto, SendToTikTokDto, TikTokPostDto } from './dto/publishing.dto';
import { TikTokPostsService } from './tiktok-posts.service';

@ApiTags('tiktok')
@Controller('api/tiktok/posts')
export class TikTokPostsController {
  constructor(private readonly posts: TikTokPostsService) {}

  @Post()
  @HttpCode(201)
  @ApiOperation({
    summary:
      'Send finished variations to a TikTok account as drafts: one (variationIds), a link’s (linkId) or the whole batch.',
    description:
      'Queued and sent within TikTok’s limits; already sent, queued or unfinished variations are skipped with a reason.',
  })
  @ApiCreatedResponse({ type: SendResultDto })
  @ApiBadRequestResponse({
    description: 'Bad ids, direct mode while it is off, a privacy level the account does not offer.',
  })
  @ApiNotFoundResponse({ description: 'Unknown account, batch, link or variation.' })
  @ApiConflictResponse({ description: 'Sending is not set up, or the account needs reconnecting.' })
  send(@Body() dto: SendToTikTokDto): Promise<SendResultDto> {
    return this.posts.send(dto);
  }

  @Get()
  @ApiOperation({ summary: "A batch's posts to TikTok, one per variation and account, with their state." })
  @ApiOkResponse({ type: [TikTokPostDto] })
  list(@Query() q: ListPostsQueryDto): Promise<TikTokPostDto[]> {
    return this.posts.list(q.batchId);
  }

  @Post(':id/cancel')
  @HttpCode(200)
  @ApiOperation({ summary: 'Cancel a post that is still queued or waiting.' })
  @ApiOkResponse({ type: TikTokPostDto })
  @ApiConflictResponse({ description: 'It has gone out already.' })
  @ApiNotFoundResponse()
  cancel(@Param('id', uuidParam('id', 'post')) id: string): Promise<TikTokPostDto> {
    return this.posts.cancel(id);
  }
}
