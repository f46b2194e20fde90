import { Body, Controller, Get, HttpCode, Post, Req, Res } from '@nestjs/common';
import {
  ApiBody,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiSecurity,
  ApiServiceUnavailableResponse,
  ApiTags,
  ApiTooManyRequestsResponse,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { AuthService, SessionCookie } from './auth.service';
import { LoginDto, SessionDto } from './dto/login.dto';

function setCookie(res: Response, c: SessionCookie): void {
  res.cookie(c.name, c.value, c.options);
}

/** Login for the browser (session cookie); API clients send `Authorization: Bearer <ADMIN_PASSWORD>` instead. */
@ApiTags('auth')
@ApiSecurity({}) // public: overrides the document-wide bearer requirement
@Controller('api/auth')
export class AuthController {
  constructor(private readonly auth: AuthService) {}

  @Get('session')
  @ApiOperation({ summary: 'Whether a login is required, and whether this caller has one. Always public.' })
  @ApiOkResponse({ type: SessionDto })
  async session(@Req() req: Request): Promise<SessionDto> {
    const who = await this.auth.identify(req);
    return { authRequired: this.auth.required, authenticated: who !== 'anonymous' };
  }

  @Post('login')
  @HttpCode(204)
  @ApiOperation({
    summary:
      'Log in with ADMIN_PASSWORD: sets the studio_session cookie (HttpOnly, SameSite=Strict, Secure over https).',
  })
  @ApiBody({ type: LoginDto })
  @ApiNoContentResponse({ description: 'Logged in; the cookie is set.' })
  @ApiUnauthorizedResponse({ description: 'Wrong password (answered after a delay that grows with each failure).' })
  @ApiTooManyRequestsResponse({ description: 'Too many attempts from this address (5 a minute); see Retry-After.' })
  @ApiServiceUnavailableResponse({ description: 'Redis (which counts the attempts) is unreachable.' })
  async login(@Body() dto: LoginDto, @Req() req: Request, @Res({ passthrough: true }) res: Response): Promise<void> {
    try {
      const cookie = await this.auth.login(dto.password, req);
      if (cookie) setCookie(res, cookie);
    } catch (e) {
      const retry = (e as { retryAfterMs?: number }).retryAfterMs;
      if (retry) res.setHeader('Retry-After', String(Math.max(1, Math.ceil(retry / 1000))));
      throw e;
    }
  }

  @Post('logout')
  @HttpCode(204)
  @ApiOperation({ summary: 'Log out: the session cookie is cleared.' })
  @ApiNoContentResponse()
  logout(@Req() req: Request, @Res({ passthrough: true }) res: Response): void {
    setCookie(res, this.auth.logoutCookie(req));
  }
}
