import { Logger, UnauthorizedException } from '@nestjs/common';
import type { Request } from 'express';
import { AppConfig } from '../config/config.schema';
import { LoginThrottle } from './login-throttle';
import { constantTimeEqual, readCookie, SESSION_COOKIE, SESSION_TTL_MS, SessionTokens } from './session-tokens';

export type Identity = 'open' | 'session' | 'bearer' | 'anonymous';

export interface SessionCookie {
  name: string;
  value: string;
  options: { httpOnly: true; sameSite: 'strict'; path: '/'; secure: boolean; maxAge?: number };
}

/** The client's address as Express sees it (the socket's, unless the operator configures `trust proxy`). */
export function clientIp(req: Request): string {
  return req.ip ?? req.socket?.remoteAddress ?? 'unknown';
}

/** https directly, or behind a TLS-terminating proxy that says so (only makes the cookie stricter). */
function overHttps(req: Request): boolean {
  const forwarded = String(req.headers['x-forwarded-proto'] ?? '')
    .split(',')[0]
    .trim()
    .toLowerCase();
  return req.secure || forwarded === 'https';
}

/**
 * The one admin credential (ADMIN_PASSWORD): checks a browser's session cookie or an API client's
 * `Authorization: Bearer <ADMIN_PASSWORD>`, logs in and out. Without a password everything is open.
 */
export class AuthService {
  private readonly logger = new Logger(AuthService.name);
  private readonly password?: string;
  private readonly tokens?: SessionTokens;

  constructor(
    config: AppConfig,
    private readonly throttle: LoginThrottle,
  ) {
    this.password = config.auth.adminPassword;
    if (this.password) this.tokens = new SessionTokens(this.password);
  }

  get required(): boolean {
    return !!this.password;
  }

  /**
   * Who is calling, when that needs no I/O: 'open' without a password, 'session' for a valid session cookie,
   * otherwise null (a bearer token, which goes through the login throttle, or nobody): then ask `identify`.
   */
  identifyAtOnce(req: Pick<Request, 'headers'>): 'open' | 'session' | null {
    if (!this.password || !this.tokens) return 'open';
    return this.tokens.verify(readCookie(req.headers.cookie, SESSION_COOKIE)) ? 'session' : null;
  }

  /**
   * Who is calling. A valid session cookie costs no Redis call; a bearer token goes through the login
   * throttle (429 while the IP is blocked; a wrong one takes an attempt slot, waits, then 401).
   */
  async identify(req: Request): Promise<Identity> {
    if (!this.password) return 'open';
    if (this.identifyAtOnce(req) === 'session') return 'session';
    const m = /^Bearer[ ]+(\S.*)$/i.exec(String(req.headers.authorization ?? ''));
    if (!m) return 'anonymous';
    const ip = clientIp(req);
    await this.throttle.assertNotBlocked(ip);
    if (constantTimeEqual(m[1].trim(), this.password)) return 'bearer';
    await this.throttle.attempt(ip);
    await this.throttle.slowDown(ip);
    this.logger.warn(`wrong bearer token from ${ip}`);
    throw new UnauthorizedException('wrong bearer token');
  }

  /** Checks the password (rate limited per IP, slower after each failure) and returns the session cookie. */
  async login(password: string, req: Request): Promise<SessionCookie | null> {
    if (!this.password || !this.tokens) return null;
    const ip = clientIp(req);
    await this.throttle.attempt(ip);
    if (!constantTimeEqual(password, this.password)) {
      await this.throttle.slowDown(ip);
      this.logger.warn(`failed login from ${ip}`);
      throw new UnauthorizedException('wrong password');
    }
    this.logger.log(`login from ${ip}`);
    return this.cookie(req, this.tokens.issue(), SESSION_TTL_MS);
  }

  /** The cookie that replaces the session with an empty, already-expired one. */
  logoutCookie(req: Request): SessionCookie {
    return this.cookie(req, '', 0);
  }

  private cookie(req: Request, value: string, maxAge: number): SessionCookie {
    return {
      name: SESSION_COOKIE,
      value,
      options: { httpOnly: true, sameSite: 'strict', path: '/', secure: overHttps(req), maxAge },
    };
  }
}
