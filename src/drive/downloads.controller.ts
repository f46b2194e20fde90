import { ConflictException, Controller, Get, Inject, NotFoundException, Param, Res } from '@nestjs/common';
import {
  ApiConflictResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiProduces,
  ApiTags,
} from '@nestjs/swagger';
import type { Response } from 'express';
import { uuidParam } from '../common/param-pipes';
import { BatchesRepository, LinksRepository, VariationsRepository } from '../pipeline/repositories';
import { STORAGE, Storage } from './storage.interface';

const ID = uuidParam('id');

/** ZIPs of the delivered output, streamed (never built in memory), per batch and per link. */
@ApiTags('downloads')
@Controller('api/batch')
export class DownloadsController {
  constructor(
    @Inject(STORAGE) private readonly storage: Storage,
    private readonly batches: BatchesRepository,
    private readonly links: LinksRepository,
    private readonly variations: VariationsRepository,
  ) {}

  @Get(':id/download')
  @ApiOperation({ summary: 'The whole batch output as a ZIP (local storage).' })
  @ApiProduces('application/zip')
  @ApiOkResponse({ description: 'A ZIP stream.' })
  @ApiConflictResponse({ description: 'Output is on Google Drive, or nothing was delivered yet.' })
  @ApiNotFoundResponse()
  async batch(@Param('id', ID) id: string, @Res() res: Response): Promise<void> {
    const batch = await this.batches.find(id);
    if (!batch) throw new NotFoundException(`batch ${id} not found`);
    await this.send(res, { batchId: id }, batch.outputFolderId, batch.outputUrl);
  }

  @Get(':id/links/:linkId/download')
  @ApiOperation({ summary: "One link's output as a ZIP (local storage)." })
  @ApiProduces('application/zip')
  @ApiOkResponse({ description: 'A ZIP stream.' })
  @ApiConflictResponse({ description: 'Output is on Google Drive, or nothing was delivered yet.' })
  @ApiNotFoundResponse()
  async link(@Param('id', ID) id: string, @Param('linkId', ID) linkId: string, @Res() res: Response): Promise<void> {
    const link = await this.links.findInBatch(id, linkId);
    if (!link) throw new NotFoundException(`link ${linkId} not found in batch ${id}`);
    await this.send(res, { batchId: id, linkId }, link.outputFolderId, link.outputUrl);
  }

  /** Only completed variations' recorded files go in: never one being written or redone, never a temp file. */
  private async send(
    res: Response,
    scope: { batchId: string; linkId?: string },
    folderId: string | null,
    url: string | null,
  ): Promise<void> {
    const finished = await this.variations.deliveredFiles(scope);
    const archive = this.storage.archive({ id: folderId, url }, finished);
    if (!archive.ok) throw new ConflictException(archive.reason);
    res.attachment(`${archive.name}.zip`);
    archive.stream.on('error', () => res.destroy());
    archive.stream.pipe(res);
  }
}
