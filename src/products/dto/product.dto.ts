import { ApiProperty } from '@nestjs/swagger';

export class CreateProductDto {
  @ApiProperty({ type: 'string', format: 'binary', description: 'JPEG, PNG or WebP, checked by its content.' })
  photo: unknown;

  @ApiProperty({ maxLength: 2000, example: 'Vitamin C serum that brightens skin in 2 weeks' })
  description: string;
}

export class ProductDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty() description: string;
  @ApiProperty({ example: '/api/products/0b6a…/photo' }) photoUrl: string;
  @ApiProperty() width: number;
  @ApiProperty() height: number;
}
