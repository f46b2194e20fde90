import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsBoolean,
  IsInt,
  IsOptional,
  IsString,
  Max,
  MaxLength,
  Min,
} from 'class-validator';
import { VariationDto } from './batch-responses.dto';

export class EditTextsDto {
  @ApiProperty({
    type: [String],
    description:
      'The overlay text of every slide, in slide order (as many as the variation has slides; each at most 500 characters).',
    example: ['3 things I stopped buying', 'Face tape: gone', 'This one stays'],
  })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(35)
  @IsString({ each: true })
  texts: string[];

  @ApiPropertyOptional({
    description: 'Apply the texts to every photo variant of this text variant (v1-t, v2-t…), not only this one.',
    default: false,
  })
  @IsOptional()
  @IsBoolean()
  allPhotoVariants?: boolean;
}

export class EditCaptionDto {
  @ApiProperty({ description: 'Post title, 1–90 characters.', example: 'The one thing in my bag every day' })
  @IsString()
  @MaxLength(90)
  title: string;

  @ApiProperty({ description: 'Post description, at most 2,200 characters.' })
  @IsString()
  @MaxLength(2200)
  description: string;

  @ApiProperty({
    type: [String],
    description: '3–5 hashtags such as #skincare.',
    example: ['#skincare', '#fyp', '#glow'],
  })
  @IsArray()
  @IsString({ each: true })
  hashtags: string[];
}

export class RegenerateSlideDto {
  @ApiProperty({ description: '1-based photo variant whose image of this slide is made again.', example: 1 })
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(10)
  photoVariant: number;

  @ApiPropertyOptional({
    description: '1-based text variant; needed only when the model draws the texts (one image per variation).',
  })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(10)
  textVariant?: number;
}

export class RegenerationQuoteDto {
  @ApiProperty({ enum: ['local', 'gemini'] }) generator: string;
  @ApiProperty({ description: 'Paid image calls regenerating makes (1 with Gemini, 0 offline).' }) imageCalls: number;
  @ApiProperty({ description: 'Their cost at the configured price, USD.' }) cost: number;
  @ApiProperty({ description: '0-based slide index.' }) slideIndex: number;
  @ApiProperty() photoVariant: number;
  @ApiProperty({ type: [String], description: 'Variations drawn on this image: all re-rendered and re-delivered.' })
  variationIds: string[];
}

export class RegenerationResultDto extends RegenerationQuoteDto {
  @ApiProperty({ type: [VariationDto] }) variations: VariationDto[];
}

export class EditedVariationsDto {
  @ApiProperty({ type: [VariationDto], description: 'The variations re-rendered and re-delivered.' })
  variations: VariationDto[];
}
