import * as fs from 'node:fs';
import {
  BadRequestException,
  ConflictException,
  Controller,
  Get,
  Inject,
  NotFoundException,
  Param,
  ParseUUIDPipe,
  Res,
} from '@nestjs/common';
import {
  ApiConflictResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiProduces,
  ApiTags,
} from '@nestjs/swagger';
import { InjectDataSource } from '@nestjs/typeorm';
import archiver from 'archiver';
import type { Response } from 'express';
import { DataSource } from 'typeorm';
import { Batch } from '../batches/batch.entity';
import { BatchLink } from '../links/link.entity';
import { LocalStorage } from './local-storage';
import { STORAGE, Storage } from './storage.interface';

const ID = new ParseUUIDPipe({ exceptionFactory: () => new BadRequestException('id must be a UUID') });

/** ZIPs of the local output, streamed (never built in memory), per batch and per link. */
@ApiTags('downloads')
@Controller('api/batch')
export class DownloadsController {
  constructor(
    @Inject(STORAGE) private readonly storage: Storage,
    @InjectDataSource() private readonly ds: DataSource,
  ) {}

  @Get(':id/download')
  @ApiOperation({ summary: 'The whole batch output as a ZIP (local storage).' })
  @ApiProduces('application/zip')
  @ApiOkResponse({ description: 'A ZIP stream.' })
  @ApiConflictResponse({ description: 'Output is on Google Drive, or nothing was delivered yet.' })
  @ApiNotFoundResponse()
  async batch(@Param('id', ID) id: string, @Res() res: Response): Promise<void> {
    const batch = await this.ds.getRepository(Batch).findOne({ where: { id } });
    if (!batch) throw new NotFoundException(`batch ${id} not found`);
    this.zip(res, batch.outputFolderId, batch.outputUrl);
  }

  @Get(':id/links/:linkId/download')
  @ApiOperation({ summary: "One link's output as a ZIP (local storage)." })
  @ApiProduces('application/zip')
  @ApiOkResponse({ description: 'A ZIP stream.' })
  @ApiConflictResponse({ description: 'Output is on Google Drive, or nothing was delivered yet.' })
  @ApiNotFoundResponse()
  async link(@Param('id', ID) id: string, @Param('linkId', ID) linkId: string, @Res() res: Response): Promise<void> {
    const link = await this.ds.getRepository(BatchLink).findOne({ where: { id: linkId, batchId: id } });
    if (!link) throw new NotFoundException(`link ${linkId} not found in batch ${id}`);
    this.zip(res, link.outputFolderId, link.outputUrl);
  }

  private zip(res: Response, folderId: string | null, url: string | null): void {
    if (!(this.storage instanceof LocalStorage))
      throw new ConflictException(`the output is on Google Drive: ${url ?? 'not delivered yet'}`);
    const dir = folderId ? this.storage.resolve(folderId) : null;
    if (!dir || !fs.existsSync(dir)) throw new ConflictException('nothing has been delivered yet');
    const name = folderId!.split(/[\\/]/).pop()!;
    res.attachment(`${name}.zip`);
    const archive = archiver('zip', { zlib: { level: 1 } }); // JPEGs and MP4s do not compress further
    archive.on('error', () => res.destroy());
    archive.pipe(res);
    archive.directory(dir, name);
    void archive.finalize();
  }
}
