import {
  Body,
  Controller,
  Get,
  HttpCode,
  Param,
  ParseUUIDPipe,
  Post,
  Res,
  UploadedFile,
  UseInterceptors,
} from '@nestjs/common';
import { FileInterceptor } from '@nestjs/platform-express';
import {
  ApiBadRequestResponse,
  ApiBody,
  ApiConsumes,
  ApiCreatedResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiPayloadTooLargeResponse,
  ApiProduces,
  ApiTags,
} from '@nestjs/swagger';
import type { Response } from 'express';
import { CreateProductDto, ProductDto } from './dto/product.dto';
import { ProductsService, UploadedPhoto } from './products.service';

@ApiTags('products')
@Controller('api/products')
export class ProductsController {
  constructor(private readonly products: ProductsService) {}

  @Post()
  @HttpCode(201)
  @UseInterceptors(FileInterceptor('photo'))
  @ApiConsumes('multipart/form-data')
  @ApiBody({ type: CreateProductDto })
  @ApiCreatedResponse({ type: ProductDto })
  @ApiBadRequestResponse({ description: 'Missing or fake image, missing description.' })
  @ApiPayloadTooLargeResponse({ description: 'Photo over UPLOAD_MAX_BYTES.' })
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
  async get(@Param('id', new ParseUUIDPipe()) id: string): Promise<ProductDto> {
    return this.products.toDto(await this.products.get(id));
  }

  @Get(':id/photo')
  @ApiProduces('image/jpeg', 'image/png')
  @ApiOkResponse({ description: 'The stored (re-encoded) product photo.' })
  @ApiNotFoundResponse()
  async photo(@Param('id', new ParseUUIDPipe()) id: string, @Res() res: Response): Promise<void> {
    const product = await this.products.get(id);
    res.type(product.mimeType);
    res.sendFile(this.products.photoPath(product));
  }
}
