import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { BATCH_STATUSES, ITEM_STATUSES, LINK_STATUSES } from '../../pipeline/statuses';

export class ValidLinkDto {
  @ApiProperty() url: string;
  @ApiProperty({ nullable: true, type: String, description: 'Null for short links until fetched.' }) postId:
    string | null;
  @ApiProperty({ enum: ['photo', 'video', 'short'] }) kind: string;
  @ApiProperty({ description: '1-based line of the paste the link was taken from.' }) line: number;
}

export class InvalidLineDto {
  @ApiProperty({ description: '1-based line of the paste (blank lines count).' }) line: number;
  @ApiProperty() input: string;
  @ApiProperty({ example: 'not a TikTok link (host "example.com")' }) reason: string;
  @ApiProperty({
    enum: ['invalid', 'no_link', 'duplicate', 'over_limit'],
    description: 'invalid: not a TikTok post link; no_link: a line without a link; duplicate; over_limit: past 100.',
  })
  code: string;
}

export class EstimateDto {
  @ApiProperty({ description: 'Text-model calls (one analysis per link).' }) textCalls: number;
  @ApiProperty({
    description: 'Image-model calls (slides × photo variants per link; slides assumed when not yet fetched).',
  })
  imageCalls: number;
  @ApiProperty({ description: 'Estimated cost in USD at the configured prices, images made at once (speed "fast").' })
  cost: number;
  @ApiProperty({
    description:
      'The same batch with its images sent through Gemini\'s Batch API (speed "economy", results within 24 h).',
  })
  economyCost: number;
  @ApiProperty({
    enum: ['1K', '2K', '4K'],
    description: 'GEMINI_IMAGE_SIZE: the size images are asked for and priced at.',
  })
  imageSize: string;
  @ApiProperty({
    description:
      'Expected wall time in seconds: fetching, reading the source text, rendering and MP4 export on the worker CPU ' +
      '(ESTIMATE_WORKER_PROCESSES, WORKER_CONCURRENCY, ESTIMATE_CORES), spaced by the rate limits.',
  })
  etaSeconds: number;
  @ApiProperty({ enum: ['local', 'gemini'] }) generator: string;
  @ApiProperty({
    description:
      'Slides per link assumed for the estimate: the real count of links already in the slideshow cache, else 6.',
  })
  slidesPerLink: number;
}

export class ValidateResultDto {
  @ApiProperty() validCount: number;
  @ApiProperty() invalidCount: number;
  @ApiProperty({ type: [ValidLinkDto] }) valid: ValidLinkDto[];
  @ApiProperty({ type: [InvalidLineDto] }) invalid: InvalidLineDto[];
  @ApiProperty({
    type: EstimateDto,
    description: 'Calls, cost and time for the valid links at the given variation counts.',
  })
  estimate: EstimateDto;
}

export class TotalsDto {
  @ApiProperty() links: number;
  @ApiProperty() variationsPerLink: number;
  @ApiProperty() variations: number;
}

export class BatchCreatedDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ enum: BATCH_STATUSES }) status: string;
  @ApiProperty({ description: 'Links stop after analysis until their plan is approved.' }) review: boolean;
  @ApiProperty({ type: TotalsDto }) totals: TotalsDto;
  @ApiProperty({ type: [InvalidLineDto] }) invalid: InvalidLineDto[];
  @ApiProperty({ type: EstimateDto }) estimate: EstimateDto;
}

export class CountsDto {
  @ApiProperty() total: number;
  @ApiProperty() queued: number;
  @ApiProperty() processing: number;
  @ApiProperty() completed: number;
  @ApiProperty() failed: number;
  @ApiProperty() cancelled: number;
  @ApiProperty({
    description: 'Planned, waiting for the user to approve the plan (links; for variations, those of such links).',
  })
  awaitingReview: number;
}

export class ActivityDto {
  @ApiProperty({ type: String, format: 'date-time' }) at: Date;
  @ApiProperty({ nullable: true, type: String }) linkId: string | null;
  @ApiPropertyOptional({ nullable: true, type: String }) variationId?: string | null;
  @ApiProperty() event: string;
}

export class FailureDto {
  @ApiProperty() linkId: string;
  @ApiProperty() url: string;
  @ApiPropertyOptional({ nullable: true, type: String }) variationId?: string | null;
  @ApiProperty({ enum: ['fetch', 'analysis', 'generation', 'upload'] }) step: string;
  @ApiProperty() reason: string;
  @ApiProperty({
    description:
      'Whether retry-failed queues this again: false when a retry cannot help (private, deleted or region-locked post, a video).',
  })
  retryable: boolean;
}

export class RefinedEstimateDto {
  @ApiProperty({ description: 'Links whose slideshow is fetched (their real slide count is used).' })
  linksFetched: number;
  @ApiProperty({
    description: 'Image calls for the whole batch with the real slide counts (6 per link still unknown).',
  })
  imageCalls: number;
  @ApiProperty({ description: 'Image calls still to make (images already made are not counted).' })
  imageCallsLeft: number;
  @ApiProperty({ description: 'Analyses still to make.' }) textCallsLeft: number;
  @ApiProperty({ description: 'USD still to spend, images made at once (fast).' }) costLeft: number;
  @ApiProperty({ description: 'USD still to spend through the Batch API (economy).' }) economyCostLeft: number;
  @ApiProperty({ description: 'The least time the Gemini RPM limits allow for the calls left, in seconds.' })
  minSecondsLeft: number;
}

export class BatchStatusDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ nullable: true, type: String }) name: string | null;
  @ApiProperty({ enum: BATCH_STATUSES }) status: string;
  @ApiProperty({ description: 'Links stop after analysis until their plan is approved.' }) review: boolean;
  @ApiProperty({ description: 'Ended variations ÷ all, 0..100.' }) progress: number;
  @ApiProperty({ type: CountsDto }) links: CountsDto;
  @ApiProperty({ type: CountsDto }) variations: CountsDto;
  @ApiProperty({
    nullable: true,
    type: Number,
    description:
      'Seconds left, from the observed rate and the rate limit; null when ended or when all that is left waits for review.',
  })
  etaSeconds: number | null;
  @ApiProperty({ type: [ActivityDto] }) recent: ActivityDto[];
  @ApiProperty({ type: [FailureDto] }) failures: FailureDto[];
  @ApiProperty({ description: 'Failed variations retry-failed would queue again (with those of failed links).' })
  retryableVariations: number;
  @ApiProperty({ description: 'Failed variations a retry cannot help; retry-failed leaves them.' })
  permanentVariations: number;
  @ApiProperty({ nullable: true, type: String }) outputUrl: string | null;
  @ApiProperty({ type: String, format: 'date-time' }) createdAt: Date;
  @ApiProperty({ nullable: true, type: String, format: 'date-time' }) finishedAt: Date | null;
  @ApiPropertyOptional({
    type: [String],
    description: 'Provider notices, e.g. a Gemini key resting until its daily reset.',
  })
  notices?: string[];
  @ApiProperty({ type: RefinedEstimateDto, description: 'The estimate refined as links are fetched and images made.' })
  estimate: RefinedEstimateDto;
}

export class FileDto {
  @ApiProperty() name: string;
  @ApiProperty({ description: 'The full-size file.' }) url: string;
  @ApiPropertyOptional({
    description: 'Images: a 270 px wide WebP made when the slide was written (absent on older slides).',
  })
  thumbnailUrl?: string;
}

export class CaptionDto {
  @ApiProperty({ description: 'Post title, at most 90 characters.' }) title: string;
  @ApiProperty({ description: 'Post description, at most 2,200 characters.' }) description: string;
  @ApiProperty({ type: [String], description: '3–5 hashtags.' }) hashtags: string[];
}

export class VariationEditDto {
  @ApiProperty({ description: 'When the edit was made (ISO 8601).' }) at: string;
  @ApiProperty({ enum: ['texts', 'caption', 'slide'] }) kind: string;
  @ApiPropertyOptional({ type: [String], description: 'The texts before a texts edit.' }) texts?: string[];
  @ApiPropertyOptional({ type: CaptionDto, description: 'The caption before a caption edit.' }) caption?: CaptionDto;
  @ApiPropertyOptional({ description: '0-based slide made again.' }) slide?: number;
}

export class VariationDto {
  @ApiProperty() id: string;
  @ApiProperty() photoIndex: number;
  @ApiProperty() textIndex: number;
  @ApiProperty({ enum: ITEM_STATUSES }) status: string;
  @ApiProperty({ nullable: true, type: String }) errorStep: string | null;
  @ApiProperty({ nullable: true, type: String }) error: string | null;
  @ApiProperty({ nullable: true, type: String }) outputUrl: string | null;
  @ApiProperty({ nullable: true, type: String }) videoError: string | null;
  @ApiProperty({
    type: [String],
    description: 'What the slides could not show as planned (e.g. emoji or a script the fonts lack, left out)',
  })
  warnings: string[];
  @ApiProperty({ type: [FileDto] }) files: FileDto[];
  @ApiProperty({ type: [String], description: 'Overlay text of each slide, in order (edited or as planned).' })
  texts: string[];
  @ApiProperty({ type: CaptionDto, nullable: true, description: 'The post caption; null before the link is planned.' })
  caption: CaptionDto | null;
  @ApiProperty({ type: [VariationEditDto], description: 'Edits after delivery, oldest first.' })
  edits: VariationEditDto[];
}

export class LinkDto {
  @ApiProperty() id: string;
  @ApiProperty() position: number;
  @ApiProperty() url: string;
  @ApiProperty({ nullable: true, type: String }) postId: string | null;
  @ApiProperty() productId: string;
  @ApiProperty({ enum: LINK_STATUSES }) status: string;
  @ApiProperty({ nullable: true, type: String }) errorStep: string | null;
  @ApiProperty({ nullable: true, type: String }) error: string | null;
  @ApiProperty({ nullable: true, type: String }) caption: string | null;
  @ApiProperty({ nullable: true, type: Number }) slideCount: number | null;
  @ApiProperty({ nullable: true, type: String }) outputUrl: string | null;
  @ApiProperty({ type: [VariationDto] }) variations: VariationDto[];
}

export class BatchSummaryDto {
  @ApiProperty() id: string;
  @ApiProperty({ nullable: true, type: String }) name: string | null;
  @ApiProperty({ enum: BATCH_STATUSES }) status: string;
  @ApiProperty() photoVariations: number;
  @ApiProperty() textVariations: number;
  @ApiProperty() video: boolean;
  @ApiProperty({ enum: ['fast', 'economy'], description: "economy: images through Gemini's Batch API at half price." })
  speed: string;
  @ApiProperty() review: boolean;
  @ApiProperty() linksTotal: number;
  @ApiProperty() variationsTotal: number;
  @ApiProperty() variationsCompleted: number;
  @ApiProperty() variationsFailed: number;
  @ApiProperty() generator: string;
  @ApiProperty() storage: string;
  @ApiProperty({ nullable: true, type: String }) outputUrl: string | null;
  @ApiProperty({ type: String, format: 'date-time' }) createdAt: Date;
  @ApiProperty({ nullable: true, type: String, format: 'date-time' }) finishedAt: Date | null;
}

/** A failed link or variation of the whole batch (not only the page), named by link position. */
export class ResultFailureDto {
  @ApiProperty() linkId: string;
  @ApiProperty() position: number;
  @ApiProperty() url: string;
  @ApiPropertyOptional({ nullable: true, type: String }) variationId?: string | null;
  @ApiPropertyOptional({ nullable: true, type: Number }) photoIndex?: number | null;
  @ApiPropertyOptional({ nullable: true, type: Number }) textIndex?: number | null;
  @ApiProperty({ nullable: true, type: String }) errorStep: string | null;
  @ApiProperty({ nullable: true, type: String }) error: string | null;
}

export class BatchDetailDto extends BatchSummaryDto {
  @ApiProperty({ nullable: true, type: String }) error: string | null;
  @ApiProperty({ type: [LinkDto], description: 'One page of links (position order), each with its variations.' })
  links: LinkDto[];
  @ApiProperty({ description: '1-based page of `links`.' }) page: number;
  @ApiProperty({
    description:
      'Links per page as used: the asked pageSize, lowered where needed so a page holds at most 1,000 variations ' +
      '(10 links of a 10×10 batch); `linksTotal` counts them all. Page numbers count pages of this size.',
  })
  pageSize: number;
  @ApiProperty({
    type: [ResultFailureDto],
    description: 'Failed links, then failed variations, of the whole batch (at most 100 of each).',
  })
  failures: ResultFailureDto[];
}

export class BatchPageDto {
  @ApiProperty({ type: [BatchSummaryDto] }) items: BatchSummaryDto[];
  @ApiProperty() total: number;
  @ApiProperty() page: number;
  @ApiProperty() pageSize: number;
}

export class CancelResultDto {
  @ApiProperty() id: string;
  @ApiProperty({ enum: BATCH_STATUSES, description: '`cancelling` while work is still stopping, then `cancelled`.' })
  status: string;
}

export class RetryResultDto {
  @ApiProperty() id: string;
  @ApiProperty({ enum: BATCH_STATUSES }) status: string;
  @ApiProperty({ description: 'Links queued again.' }) links: number;
  @ApiProperty({ description: 'Variations queued again.' }) variations: number;
}
