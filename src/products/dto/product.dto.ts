import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

export class CreateProductDto {
  @ApiProperty({
    type: 'string',
    format: 'binary',
    description:
      'JPEG, PNG or WebP, checked by its content; at most UPLOAD_MAX_BYTES (default 15 MB, see GET /api/products maxPhotoBytes): larger is a 413 that states the limit.',
  })
  photo: unknown;

  @ApiProperty({ maxLength: 2000, example: 'Vitamin C serum that brightens skin in 2 weeks' })
  description: string;
}

export class ProductDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ nullable: true, type: String, description: 'The library label; null until named.' }) name:
    string | null;
  @ApiProperty() description: string;
  @ApiProperty({ example: '/api/products/0b6a…/photo' }) photoUrl: string;
  @ApiProperty({ example: '/api/products/0b6a…/thumbnail', description: 'A 160 px wide WebP.' }) thumbnailUrl: string;
  @ApiProperty({ description: 'Batch links that use this product (it can be deleted only at 0).' }) uses: number;
  @ApiProperty({ type: String, format: 'date-time' }) createdAt: Date;
  @ApiProperty() width: number;
  @ApiProperty() height: number;
}

export class ProductLibraryDto {
  @ApiProperty({ type: [ProductDto], description: 'Saved products, newest first.' }) items: ProductDto[];
  @ApiProperty({ description: 'The largest photo upload accepted, in bytes (UPLOAD_MAX_BYTES).' })
  maxPhotoBytes: number;
}

export class UpdateProductDto {
  @ApiPropertyOptional({ maxLength: 200, nullable: true, type: String, example: 'Glow serum' }) name?: string | null;
  @ApiPropertyOptional({ maxLength: 2000 }) description?: string;
}
