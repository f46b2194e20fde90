import {
  BadRequestException,
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Param,
  Post,
  Query,
  Req,
  UploadedFiles,
  UseFilters,
  UseInterceptors,
} from '@nestjs/common';
import { AnyFilesInterceptor } from '@nestjs/platform-express';
import {
  ApiBadRequestResponse,
  ApiBody,
  ApiConflictResponse,
  ApiConsumes,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiServiceUnavailableResponse,
  ApiTags,
  getSchemaPath,
  ApiExtraModels,
} from '@nestjs/swagger';
import type { Request } from 'express';
import { uuidParam } from '../common/param-pipes';
import { validateDto } from '../common/validate-dto';
import { ProductsService, UploadedPhoto } from '../products/products.service';
import { UploadLimitFilter } from '../products/upload-limit.filter';
import { BatchQueryService } from './batch-query.service';
import { BatchControlService } from './batch-control.service';
import { BatchesService, InlineProducts } from './batches.service';
import {
  BatchCreatedDto,
  BatchDetailDto,
  BatchPageDto,
  BatchStatusDto,
  CancelResultDto,
  RetryResultDto,
  ValidateResultDto,
} from './dto/batch-responses.dto';
import { BatchDetailQueryDto, CreateBatchDto, ListBatchesQueryDto, ValidateLinksDto } from './dto/create-batch.dto';

const ID = uuidParam('id', 'batch');

@ApiTags('batches')
@ApiExtraModels(CreateBatchDto)
@Controller('api/batch')
export class BatchesController {
  constructor(
    private readonly batches: BatchesService,
    private readonly control: BatchControlService,
    private readonly query: BatchQueryService,
    private readonly products: ProductsService,
  ) {}

  @Post('validate')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Check pasted links (accepted ones with post ids, rejected lines with reasons) and price the batch.',
  })
  @ApiOkResponse({ type: ValidateResultDto })
  @ApiBadRequestResponse({ description: 'links missing or of the wrong type.' })
  validate(@Body() dto: ValidateLinksDto): Promise<ValidateResultDto> {
    return this.batches.validate(dto.links, dto.photoVariations, dto.textVariations, dto.video);
  }

  @Post()
  @HttpCode(201)
  @UseInterceptors(AnyFilesInterceptor())
  @UseFilters(UploadLimitFilter)
  @ApiOperation({
    summary: 'Start a batch',
    description:
      'JSON with product ids (productId for all links, or products[] per link), or multipart for curl: links, photo + description ' +
      '(one product for all) or photo_<i> + description_<i> (1-based link position), photoVariations, textVariations.',
  })
  @ApiConsumes('application/json', 'multipart/form-data')
  @ApiBody({ schema: { $ref: getSchemaPath(CreateBatchDto) } })
  @ApiCreatedResponse({ type: BatchCreatedDto })
  @ApiBadRequestResponse({
    description:
      'No valid link, more than 100 links (nothing starts), counts out of 1..10, unknown or missing product, fake image.',
  })
  @ApiServiceUnavailableResponse({ description: 'Redis unreachable; nothing was saved.' })
  async create(
    @Req() req: Request,
    @UploadedFiles() files: (UploadedPhoto & { fieldname: string })[] | undefined,
  ): Promise<BatchCreatedDto> {
    const body = (req.body ?? {}) as Record<string, unknown>;
    if (!req.is('multipart/form-data')) return this.batches.create(await validateDto(CreateBatchDto, body));
    return this.createMultipart(body, files ?? []);
  }

  /** curl-style: photo/description for all, or photo_<i>/description_<i> per link position. */
  private async createMultipart(
    body: Record<string, unknown>,
    files: (UploadedPhoto & { fieldname: string })[],
  ): Promise<BatchCreatedDto> {
    const fields: Record<string, unknown> = {};
    const descriptions = new Map<number, unknown>();
    for (const [k, v] of Object.entries(body)) {
      const m = /^description_(\d{1,3})$/.exec(k);
      if (m) descriptions.set(Number(m[1]), v);
      else if (k !== 'description') fields[k] = v;
    }
    const dto = await validateDto(CreateBatchDto, fields);
    const inline: InlineProducts = { byIndex: new Map() };
    for (const file of files) {
      if (file.fieldname === 'photo') {
        inline.all = await this.products.prepare(file, body.description, 'photo');
        continue;
      }
      const m = /^photo_(\d{1,3})$/.exec(file.fieldname);
      if (!m) throw new BadRequestException(`unexpected file field "${file.fieldname}": use photo or photo_<n>`);
      const i = Number(m[1]);
      inline.byIndex.set(i, await this.products.prepare(file, descriptions.get(i), file.fieldname));
    }
    return this.batches.create(dto, inline);
  }

  @Get()
  @ApiOperation({ summary: 'Batch history, newest first.' })
  @ApiOkResponse({ type: BatchPageDto })
  list(@Query() q: ListBatchesQueryDto): Promise<BatchPageDto> {
    return this.query.list(q.page ?? 1, q.pageSize ?? 20);
  }

  @Get(':id/status')
  @ApiOperation({ summary: 'Live progress: counts, percent, ETA, recent activity, failures.' })
  @ApiOkResponse({ type: BatchStatusDto })
  @ApiNotFoundResponse()
  async status(@Param('id', ID) id: string): Promise<BatchStatusDto> {
    return this.query.status(id);
  }

  @Get(':id')
  @ApiOperation({ summary: 'A batch with one page of its links, their variations and output files.' })
  @ApiOkResponse({ type: BatchDetailDto })
  @ApiBadRequestResponse({ description: 'page or pageSize out of range.' })
  @ApiNotFoundResponse()
  detail(@Param('id', ID) id: string, @Query() q: BatchDetailQueryDto): Promise<BatchDetailDto> {
    return this.query.detail(id, q.page ?? 1, q.pageSize ?? 10);
  }

  @Post(':id/cancel')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Cancel: queued work removed, running work stops at its next step; cancelling → cancelled.',
  })
  @ApiOkResponse({ type: CancelResultDto })
  @ApiConflictResponse({ description: 'The batch has already ended.' })
  @ApiNotFoundResponse()
  cancel(@Param('id', ID) id: string): Promise<CancelResultDto> {
    return this.changing(id, () => this.control.cancel(id));
  }

  @Post(':id/resume')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Resume a cancelled batch: its cancelled links and variations are queued again, finished work is reused.',
  })
  @ApiOkResponse({ type: RetryResultDto })
  @ApiConflictResponse({ description: 'The batch is not cancelled, or nothing of it was cancelled.' })
  @ApiNotFoundResponse()
  resume(@Param('id', ID) id: string): Promise<RetryResultDto> {
    // A cached "cancelled" would tell the page the batch is still over, and it would stop polling.
    return this.changing(id, () => this.control.resume(id));
  }

  @Post(':id/retry-failed')
  @HttpCode(200)
  @ApiOperation({ summary: 'Queue failed links and variations again, reusing what succeeded.' })
  @ApiOkResponse({ type: RetryResultDto })
  @ApiConflictResponse({ description: 'Nothing failed, or the batch is still cancelling.' })
  @ApiNotFoundResponse()
  retry(@Param('id', ID) id: string): Promise<RetryResultDto> {
    return this.changing(id, () => this.control.retryFailed(id));
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete an ended batch with its local output.' })
  @ApiNoContentResponse()
  @ApiConflictResponse({ description: 'The batch is still running: cancel it first.' })
  @ApiNotFoundResponse()
  async remove(@Param('id', ID) id: string): Promise<void> {
    await this.changing(id, () => this.control.remove(id));
  }

  /** A change made here shows in this process's next status at once, not after the status cache's interval. */
  private async changing<T>(id: string, change: () => Promise<T>): Promise<T> {
    try {
      return await change();
    } finally {
      this.query.forgetStatus(id);
    }
  }
}
