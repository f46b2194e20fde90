import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Param,
  Patch,
  Post,
  Res,
  UploadedFile,
  UseFilters,
  UseInterceptors,
} from '@nestjs/common';
import { FileInterceptor } from '@nestjs/platform-express';
import {
  ApiBadRequestResponse,
  ApiBody,
  ApiConflictResponse,
  ApiNoContentResponse,
  ApiOperation,
  ApiConsumes,
  ApiCreatedResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiPayloadTooLargeResponse,
  ApiProduces,
  ApiTags,
} from '@nestjs/swagger';
import type { Response } from 'express';
import { uuidParam } from '../common/param-pipes';
import { AppConfig } from '../config/config.schema';
import { InjectConfig } from '../config/config.module';
import { CreateProductDto, ProductDto, ProductLibraryDto, UpdateProductDto } from './dto/product.dto';
import { ProductsService, UploadedPhoto } from './products.service';
import { UploadLimitFilter } from './upload-limit.filter';

const ID = uuidParam('id', 'product');

@ApiTags('products')
@Controller('api/products')
export class ProductsController {
  constructor(
    private readonly products: ProductsService,
    @InjectConfig() private readonly config: AppConfig,
  ) {}

  @Get()
  @ApiOperation({ summary: 'The product library: saved products, newest first, with thumbnails and uses.' })
  @ApiOkResponse({ type: ProductLibraryDto })
  async list(): Promise<ProductLibraryDto> {
    const items = (await this.products.list()).map((p) => this.products.toDto(p));
    return { items, maxPhotoBytes: this.config.uploads.maxBytes };
  }

  @Post()
  @HttpCode(201)
  @UseInterceptors(FileInterceptor('photo'))
  @UseFilters(UploadLimitFilter)
  @ApiConsumes('multipart/form-data')
  @ApiBody({ type: CreateProductDto })
  @ApiCreatedResponse({ type: ProductDto })
  @ApiBadRequestResponse({ description: 'Missing or fake image, missing description.' })
  @ApiPayloadTooLargeResponse({
    description: 'Photo over UPLOAD_MAX_BYTES (default 15 MB); the message states the limit.',
  })
  async create(
    @UploadedFile() photo: UploadedPhoto | undefined,
    @Body() body: Record<string, unknown>,
  ): Promise<ProductDto> {
    const prepared = await this.products.prepare(photo, body?.description);
    return this.products.toDto(await this.products.save(prepared));
  }

  @Get(':id')
  @ApiOkResponse({ type: ProductDto })
  @ApiNotFoundResponse()
  async get(@Param('id', ID) id: string): Promise<ProductDto> {
    return this.products.toDto(await this.products.getWithUses(id));
  }

  @Patch(':id')
  @ApiOperation({ summary: 'Rename a saved product (name) or change its description.' })
  @ApiBody({ type: UpdateProductDto })
  @ApiOkResponse({ type: ProductDto })
  @ApiBadRequestResponse({ description: 'Nothing to change, or a field too long or of the wrong type.' })
  @ApiNotFoundResponse()
  async update(@Param('id', ID) id: string, @Body() body: Record<string, unknown> | undefined): Promise<ProductDto> {
    return this.products.toDto(await this.products.update(id, { name: body?.name, description: body?.description }));
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete a saved product that no batch uses.' })
  @ApiNoContentResponse()
  @ApiConflictResponse({ description: 'A batch uses the product: delete those batches first.' })
  @ApiNotFoundResponse()
  async remove(@Param('id', ID) id: string): Promise<void> {
    await this.products.remove(id);
  }

  @Get(':id/thumbnail')
  @ApiProduces('image/webp')
  @ApiOkResponse({ description: 'A 160 px wide WebP of the product photo.' })
  @ApiNotFoundResponse()
  async thumbnail(@Param('id', ID) id: string, @Res() res: Response): Promise<void> {
    // Found first: a 404 must go out as JSON, not under an image type.
    const file = await this.products.thumbnail(id);
    res.type('image/webp');
    res.sendFile(file);
  }

  @Get(':id/photo')
  @ApiProduces('image/jpeg', 'image/png')
  @ApiOkResponse({ description: 'The stored (re-encoded) product photo.' })
  @ApiNotFoundResponse()
  async photo(@Param('id', ID) id: string, @Res() res: Response): Promise<void> {
    const product = await this.products.get(id);
    res.type(product.mimeType);
    res.sendFile(this.products.photoPath(product));
  }
}
