import { HttpException } from '@nestjs/common';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { AuthService } from './auth.service';

/**
 * Reachable without credentials: the login screen's routes, TikTok's OAuth redirect (it cannot carry the
 * SameSite=Strict session; a single-use state bound to the starting browser guards it) and the images
 * TikTok pulls (their signed, expiring names are the permission).
 */
const PUBLIC_API = new Set(['/api/auth/session', '/api/auth/login', '/api/auth/logout', '/api/tiktok/callback']);
const PUBLIC_PREFIXES = ['/api/tiktok/media/'];
const HEALTH = '/api/health';

/**
 * The path as a router could come to read it: percent-decoded, slashes collapsed, lower case (Express
 * routes match case-insensitively), no trailing slash. Undecodable paths stay guarded.
 */
export function normalisePath(raw: string): string {
  let p = raw;
  try {
    p = decodeURIComponent(raw);
  } catch {
    /* keep the raw form */
  }
  p = p.replace(/[\\/]+/g, '/').toLowerCase();
  return p.length > 1 ? p.replace(/\/$/, '') : p;
}

/** True for the UI's own files: GET/HEAD outside /api, /admin and /files. Everything else is guarded. */
function isUiAsset(req: Request, path: string): boolean {
  return (req.method === 'GET' || req.method === 'HEAD') && !/^\/(api|admin|files)(\/|$)/.test(path);
}

/**
 * Express middleware installed before every route, Nest's and the rest (Bull Board at /admin/queues, the
 * static /files): when ADMIN_PASSWORD is set, anything but the UI's files, the auth routes and the health
 * status needs the session cookie or the bearer token; otherwise 401 `{statusCode, message}`.
 */
export function authMiddleware(auth: AuthService): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    if (!auth.required) return next();
    const path = normalisePath(req.path);
    if (
      isUiAsset(req, path) ||
      PUBLIC_API.has(path) ||
      (req.method === 'GET' && PUBLIC_PREFIXES.some((p) => path.startsWith(p) && !path.slice(p.length).includes('/')))
    )
      return next();
    auth
      .identify(req)
      .then((who) => {
        if (who !== 'anonymous') return next();
        // Health stays public for load balancers, but strangers see only up/down, not the details.
        if (path === HEALTH) return next(redactHealth(res));
        res.status(401).json({
          statusCode: 401,
          message: 'authentication required: log in, or send Authorization: Bearer <ADMIN_PASSWORD>',
        });
      })
      .catch((e: unknown) => {
        if (e instanceof HttpException) {
          const body = e.getResponse();
          const retry = (e as { retryAfterMs?: number }).retryAfterMs;
          if (retry) res.setHeader('Retry-After', String(Math.max(1, Math.ceil(retry / 1000))));
          res
            .status(e.getStatus())
            .json(typeof body === 'string' ? { statusCode: e.getStatus(), message: body } : body);
          return;
        }
        next(e);
      });
  };
}

/** Makes the health answer `{status}` only, whatever the controller sends. */
function redactHealth(res: Response): undefined {
  const json = res.json.bind(res);
  res.json = (body: unknown) =>
    json(
      body && typeof body === 'object' && 'status' in body ? { status: (body as { status: unknown }).status } : body,
    );
  return undefined;
}
