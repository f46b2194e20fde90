import { Controller, Delete, Get, HttpCode, Param, Post, Query, Req, Res } from '@nestjs/common';
import {
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiFoundResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiSecurity,
  ApiTags,
} from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { uuidParam } from '../common/param-pipes';
import { readCookie } from '../auth/session-tokens';
import { AppConfig } from '../config/config.schema';
import { InjectConfig } from '../config/config.module';
import { ConnectStartDto, DisconnectResultDto, PublishingStatusDto, TikTokAccountDto } from './dto/publishing.dto';
import { TikTokAccountsService } from './tiktok-accounts.service';
import { OAUTH_COOKIE, TikTokOAuthService } from './tiktok-oauth.service';

/** Connected TikTok accounts: connect (Login Kit v2), list, disconnect (revokes), and the OAuth callback. */
@ApiTags('tiktok')
@Controller('api/tiktok')
export class TikTokAccountsController {
  constructor(
    @InjectConfig() private readonly config: AppConfig,
    private readonly accounts: TikTokAccountsService,
    private readonly oauth: TikTokOAuthService,
  ) {}

  @Get('status')
  @ApiOperation({
    summary: 'Whether sending to TikTok is set up, what is missing, and what to register in the TikTok app.',
  })
  @ApiOkResponse({ type: PublishingStatusDto })
  status(): PublishingStatusDto {
    const p = this.config.publishing;
    return {
      enabled: p.enabled,
      missing: p.missing,
      redirectUri: p.redirectUri ?? null,
      mediaUrlPrefix: p.publicBaseUrl ? `${p.publicBaseUrl}/api/tiktok/media/` : null,
      directPost: p.tiktok.directPost,
      initLimit: p.tiktok.initLimit,
      windowMs: p.tiktok.windowMs,
      maxPending: p.tiktok.maxPending,
    };
  }

  @Get('accounts')
  @ApiOperation({ summary: 'Connected TikTok accounts (never their tokens).' })
  @ApiOkResponse({ type: [TikTokAccountDto] })
  async list(): Promise<TikTokAccountDto[]> {
    return (await this.accounts.list()).map(({ account: a, pendingDrafts }) => ({
      id: a.id,
      displayName: a.displayName,
      avatarUrl: a.avatarUrl,
      status: a.status,
      scopes: a.scopes.split(',').filter(Boolean),
      pendingDrafts,
      lastError: a.lastError,
      connectedAt: a.createdAt,
    }));
  }

  @Post('accounts/connect')
  @HttpCode(201)
  @ApiOperation({
    summary:
      "Start connecting an account: answers TikTok's authorize URL and sets a cookie binding the attempt to this browser.",
  })
  @ApiCreatedResponse({ type: ConnectStartDto })
  @ApiConflictResponse({ description: 'Sending to TikTok is not set up (the message names the missing variables).' })
  async connect(@Res({ passthrough: true }) res: Response): Promise<ConnectStartDto> {
    const start = await this.oauth.start();
    res.cookie(OAUTH_COOKIE, start.cookie.value, {
      httpOnly: true,
      sameSite: 'lax',
      secure: start.cookie.secure,
      path: start.cookie.path,
      maxAge: start.cookie.maxAgeMs,
    });
    return { authorizeUrl: start.authorizeUrl };
  }

  @Get('callback')
  @ApiSecurity({}) // public: TikTok's redirect cannot carry the SameSite=Strict session; state + cookie + PKCE guard it
  @ApiOperation({
    summary:
      "TikTok's OAuth redirect (register it in the TikTok app); redirects to the Accounts screen with the outcome.",
  })
  @ApiFoundResponse({ description: 'Back to /#/accounts?connected=… or ?error=…' })
  async callback(@Query() query: Record<string, unknown>, @Req() req: Request, @Res() res: Response): Promise<void> {
    const outcome = await this.oauth.callback(query, readCookie(req.headers.cookie, OAUTH_COOKIE));
    res.clearCookie(OAUTH_COOKIE, { path: '/api/tiktok/callback' });
    res.setHeader('Cache-Control', 'no-store');
    const q = outcome.ok
      ? `connected=${encodeURIComponent(outcome.displayName)}`
      : `error=${encodeURIComponent(outcome.message)}`;
    // Back to the UI at the public address (which may carry a path prefix), else relative to this host.
    res.redirect(302, `${this.config.publishing.publicBaseUrl ?? ''}/#/accounts?${q}`);
  }

  @Delete('accounts/:id')
  @ApiOperation({
    summary: 'Disconnect: revokes the token at TikTok and deletes it here; queued posts of the account stop.',
  })
  @ApiOkResponse({ type: DisconnectResultDto })
  @ApiNotFoundResponse()
  async disconnect(@Param('id', uuidParam('id', 'account')) id: string): Promise<DisconnectResultDto> {
    return { id, ...(await this.accounts.disconnect(id)) };
  }
}
