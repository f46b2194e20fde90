import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsNotEmpty, IsString, MaxLength } from 'class-validator';

export class PreviewLinkDto {
  @ApiProperty({ example: 'https://www.tiktok.com/@someone/photo/7412345678901234567', maxLength: 2048 })
  @IsString()
  @IsNotEmpty()
  @MaxLength(2048)
  url: string;
}

export class LinkPreviewDto {
  @ApiProperty({ example: '7412345678901234567' }) postId: string;
  @ApiProperty({ description: 'The canonical post URL.' }) url: string;
  @ApiProperty({ description: "The post's caption (may be empty)." }) caption: string;
  @ApiPropertyOptional({ description: "The author's TikTok handle." }) author?: string;
  @ApiProperty({ example: 6 }) slideCount: number;
  @ApiProperty() hasAudio: boolean;
  @ApiProperty({
    type: [String],
    description: 'One URL per slide, in order, served from the cache.',
    example: ['/api/links/preview/7412345678901234567/slides/0'],
  })
  thumbnails: string[];
}

export class LinkPreviewErrorDto {
  @ApiProperty({ example: 422 }) statusCode: number;
  @ApiProperty({
    example: 'private',
    description:
      'not_slideshow, not_found, private, region_locked, too_few_slides, invalid_url, host_not_allowed, challenge, timeout…',
  })
  code: string;
  @ApiProperty({ example: 'post is private or needs a login to view' }) reason: string;
  @ApiProperty({ description: 'True when trying again later may work (challenge page, timeout, TikTok errors).' })
  retryable: boolean;
  @ApiPropertyOptional({ description: 'Seconds to wait before retrying, when TikTok said.' })
  retryAfterSeconds?: number;
}

export class SlideSourceTextDto {
  @ApiProperty({ example: 0, description: '0-based slide index, as in the thumbnails list.' }) index: number;
  @ApiProperty({ enum: ['photo', 'card'], description: 'card: a text-only slide on a plain background.' })
  kind: 'photo' | 'card';
  @ApiProperty({
    example: 'double shampooing\nfirst time to get rid of dirt & oil',
    description: 'The words read off the slide, blocks on their own lines; empty when it has none.',
  })
  text: string;
  @ApiProperty({ description: 'True when a logo or watermark was found (it is removed with the text).' })
  watermark: boolean;
}

export class LinkSourceTextDto {
  @ApiProperty({ example: '7412345678901234567' }) postId: string;
  @ApiProperty({ type: [SlideSourceTextDto] }) slides: SlideSourceTextDto[];
}
