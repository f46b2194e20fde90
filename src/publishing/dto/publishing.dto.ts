import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsOptional,
  IsString,
  IsUUID,
  Matches,
  MaxLength,
} from 'class-validator';
import { ACCOUNT_STATUSES } from '../tiktok-account.entity';
import { POST_STATUSES } from '../tiktok-post.entity';

export class PublishingStatusDto {
  @ApiProperty({
    description:
      'Whether sending to TikTok is set up (TIKTOK_CLIENT_KEY, TIKTOK_CLIENT_SECRET, PUBLIC_BASE_URL, TOKEN_ENCRYPTION_KEY).',
  })
  enabled: boolean;
  @ApiProperty({ type: [String], description: 'The variables still to set when it is not.' }) missing: string[];
  @ApiProperty({
    nullable: true,
    type: String,
    description: 'The redirect URI to register in the TikTok app (Login Kit).',
  })
  redirectUri: string | null;
  @ApiProperty({
    nullable: true,
    type: String,
    description: 'The URL prefix to verify in the TikTok app (Content Posting API, PULL_FROM_URL).',
  })
  mediaUrlPrefix: string | null;
  @ApiProperty({ description: 'Direct posting (TIKTOK_DIRECT_POST, audited apps only); drafts otherwise.' })
  directPost: boolean;
  @ApiProperty({ description: 'Init calls per account per window.' }) initLimit: number;
  @ApiProperty({ description: 'The window of initLimit, ms.' }) windowMs: number;
  @ApiProperty({ description: 'Drafts an inbox may hold before sending waits.' }) maxPending: number;
}

export class TikTokAccountDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty() displayName: string;
  @ApiProperty({ nullable: true, type: String }) avatarUrl: string | null;
  @ApiProperty({
    enum: ACCOUNT_STATUSES,
    description: '`reconnect`: TikTok no longer accepts its sign-in; connect it again.',
  })
  status: string;
  @ApiProperty({ type: [String] }) scopes: string[];
  @ApiProperty({ description: 'Drafts sent and not yet seen posted (TikTok allows maxPending).' })
  pendingDrafts: number;
  @ApiProperty({ nullable: true, type: String }) lastError: string | null;
  @ApiProperty({ type: String, format: 'date-time' }) connectedAt: Date;
}

export class ConnectStartDto {
  @ApiProperty({ description: "TikTok's authorize page; open it in this browser (a cookie binds the attempt to it)." })
  authorizeUrl: string;
}

export class DisconnectResultDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ description: 'Whether TikTok confirmed the revocation (the local sign-in is deleted either way).' })
  revoked: boolean;
  @ApiProperty() message: string;
}

export class SendToTikTokDto {
  @ApiProperty({ format: 'uuid', description: 'A connected account (GET /api/tiktok/accounts).' })
  @IsUUID()
  accountId: string;

  @ApiProperty({ format: 'uuid' })
  @IsUUID()
  batchId: string;

  @ApiPropertyOptional({ format: 'uuid', description: "Only this link's variations." })
  @IsOptional()
  @IsUUID()
  linkId?: string;

  @ApiPropertyOptional({ type: [String], description: 'Only these variations (of the batch).' })
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(1000)
  @IsUUID(undefined, { each: true })
  variationIds?: string[];

  @ApiPropertyOptional({
    enum: ['draft', 'direct'],
    description: '`draft` (the default: to the inbox) or `direct` (needs TIKTOK_DIRECT_POST=true, an audited app).',
  })
  @IsOptional()
  @IsIn(['draft', 'direct'])
  mode?: 'draft' | 'direct';

  @ApiPropertyOptional({ description: "Direct posts: one of the account's privacy_level_options (creator_info)." })
  @IsOptional()
  @IsString()
  @MaxLength(40)
  @Matches(/^[A-Z_]+$/, { message: 'privacyLevel must be a TikTok privacy level such as SELF_ONLY' })
  privacyLevel?: string;

  @ApiPropertyOptional({
    description:
      'Also send again the variations whose outcome is unknown (check the TikTok inbox first). Default false.',
  })
  @IsOptional()
  @IsBoolean()
  resendUnknown?: boolean;
}

export class TikTokPostDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ format: 'uuid' }) accountId: string;
  @ApiProperty() accountName: string;
  @ApiProperty({ format: 'uuid' }) batchId: string;
  @ApiProperty({ format: 'uuid' }) linkId: string;
  @ApiProperty({ format: 'uuid' }) variationId: string;
  @ApiProperty({ enum: ['draft', 'direct'] }) mode: string;
  @ApiProperty({
    enum: POST_STATUSES,
    description:
      'queued → (waiting) → initiating → sending → in_inbox (draft) | posted; or failed, unknown (check the inbox), cancelled.',
  })
  status: string;
  @ApiProperty({ nullable: true, type: String, description: 'Why a waiting post waits.' }) waitReason: string | null;
  @ApiProperty({ nullable: true, type: String }) errorCode: string | null;
  @ApiProperty({ nullable: true, type: String }) error: string | null;
  @ApiProperty() title: string;
  @ApiProperty() imageCount: number;
  @ApiProperty() attempt: number;
  @ApiProperty({ type: String, format: 'date-time' }) updatedAt: Date;
  @ApiProperty({ nullable: true, type: String, format: 'date-time' }) finishedAt: Date | null;
}

export class SkippedVariationDto {
  @ApiProperty({ format: 'uuid' }) variationId: string;
  @ApiProperty() reason: string;
}

export class SendResultDto {
  @ApiProperty({ description: 'Variations queued for sending.' }) queued: number;
  @ApiProperty({ type: [SkippedVariationDto] }) skipped: SkippedVariationDto[];
  @ApiProperty({ type: [TikTokPostDto] }) posts: TikTokPostDto[];
}

export class ListPostsQueryDto {
  @ApiProperty({ format: 'uuid' })
  @IsUUID()
  batchId: string;
}
