import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import { BATCH_SPEEDS, BatchSpeed } from '../../pipeline/entities/batch.entity';
import {
  IsIn,
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsInt,
  IsOptional,
  IsString,
  IsUUID,
  Max,
  MaxLength,
  Min,
  ValidateNested,
  ValidationArguments,
  registerDecorator,
} from 'class-validator';

/** `links` may be one pasted string or an array of strings (README: API by example). */
export function IsLinksInput() {
  return (object: object, propertyName: string) =>
    registerDecorator({
      name: 'isLinksInput',
      target: object.constructor,
      propertyName,
      validator: {
        validate: (v: unknown) =>
          (typeof v === 'string' && v.length <= 200_000) ||
          (Array.isArray(v) && v.length <= 1000 && v.every((s) => typeof s === 'string' && s.length <= 2000)),
        defaultMessage: (a: ValidationArguments) =>
          `${a.property} must be a string of pasted links (at most 200,000 characters) or an array of at most 1,000 link strings`,
      },
    });
}

const toInt = ({ value }: { value: unknown }) =>
  typeof value === 'string' && /^-?\d+$/.test(value.trim()) ? Number(value) : value;
const toBool = ({ value }: { value: unknown }) => (value === 'true' ? true : value === 'false' ? false : value);

export class LinksInputDto {
  @ApiProperty({
    description: 'Pasted links: one string (split on newlines, commas, tabs, spaces) or an array of strings.',
    oneOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }],
    example: 'https://www.tiktok.com/@user/photo/7350000000000000001\nhttps://vm.tiktok.com/ZMabc123/',
  })
  @IsLinksInput()
  links: string | string[];
}

/** Validation also prices the batch when the variation counts are given (default 1×1). */
export class ValidateLinksDto extends LinksInputDto {
  @ApiPropertyOptional({
    minimum: 1,
    maximum: 10,
    default: 1,
    description: 'Photo variants per link, for the estimate.',
  })
  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(10)
  photoVariations?: number;

  @ApiPropertyOptional({
    minimum: 1,
    maximum: 10,
    default: 1,
    description: 'Text variants per link, for the estimate.',
  })
  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(10)
  textVariations?: number;

  @ApiPropertyOptional({ default: false, description: 'MP4 export on, for the estimate (its encode time).' })
  @IsOptional()
  @Transform(toBool)
  @IsBoolean()
  video?: boolean;
}

export class LinkProductDto {
  @ApiProperty({ description: 'One of the batch links (any accepted URL form of it).' })
  @IsString()
  @MaxLength(2000)
  link: string;

  @ApiProperty({ format: 'uuid', description: 'A product id from POST /api/products.' })
  @IsUUID()
  productId: string;
}

export class CreateBatchDto extends LinksInputDto {
  @ApiPropertyOptional({ maxLength: 200, example: 'Spring campaign' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  name?: string;

  @ApiPropertyOptional({ format: 'uuid', description: 'One product for every link (apply to all).' })
  @IsOptional()
  @IsUUID()
  productId?: string;

  @ApiPropertyOptional({ type: [LinkProductDto], description: 'A product per link; links not listed use productId.' })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(100)
  @ValidateNested({ each: true })
  @Type(() => LinkProductDto)
  products?: LinkProductDto[];

  @ApiProperty({ minimum: 1, maximum: 10, example: 2, description: 'Photo variants per link (P).' })
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(10)
  photoVariations: number;

  @ApiProperty({ minimum: 1, maximum: 10, example: 2, description: 'Text variants per link (T).' })
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(10)
  textVariations: number;

  @ApiPropertyOptional({ default: false, description: 'Also render each variation as an MP4 (slideshow.mp4).' })
  @IsOptional()
  @Transform(toBool)
  @IsBoolean()
  video?: boolean;

  @ApiPropertyOptional({
    enum: BATCH_SPEEDS,
    default: 'fast',
    description:
      "fast: slide images made at once. economy: sent through Gemini's Batch API at half the price, results within 24 hours.",
  })
  @IsOptional()
  @IsIn(BATCH_SPEEDS, { message: 'speed must be "fast" or "economy"' })
  speed?: BatchSpeed;

  @ApiPropertyOptional({
    description:
      'Stop each link after analysis (status awaiting_review) until its plan is approved: nothing is paid for ' +
      'images before. Default: true with the Gemini generator, false offline.',
  })
  @IsOptional()
  @Transform(toBool)
  @IsBoolean()
  review?: boolean;
}

/** `page` (1-based) of a paged list; each list sets its own `pageSize` bounds. */
class PageQueryDto {
  @ApiPropertyOptional({ minimum: 1, default: 1 })
  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(100_000)
  page?: number;
}

export class ListBatchesQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ minimum: 1, maximum: 100, default: 20 })
  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(100)
  pageSize?: number;
}

/** A page of a batch's results: links in position order, each with its variations. */
export class BatchDetailQueryDto extends PageQueryDto {
  @ApiPropertyOptional({
    minimum: 1,
    maximum: 50,
    default: 10,
    description:
      'Links per page (each with its up to 10×10 variations); lowered so a page holds at most 1,000 variations ' +
      "(the answer's pageSize says what was used).",
  })
  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(50)
  pageSize?: number;
}
