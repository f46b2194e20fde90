import { createHash } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';

/** A value with its JSON body and a strong ETag over that body, made once and sent to every poller as is. */
export interface SerialisedStatus<T> {
  value: T;
  body: Buffer;
  etag: string;
}

export function serialiseStatus<T>(value: T): SerialisedStatus<T> {
  const body = Buffer.from(JSON.stringify(value), 'utf8');
  return { value, body, etag: `"${createHash('sha1').update(body).digest('base64url')}"` };
}

/** If-None-Match (a list, `*`, or weak tags: RFC 9110 compares them weakly for GET) names this ETag. */
export function etagMatches(ifNoneMatch: string | undefined, etag: string): boolean {
  if (!ifNoneMatch) return false;
  return ifNoneMatch.split(',').some((t) => {
    const tag = t.trim();
    return tag === '*' || tag.replace(/^W\//, '') === etag;
  });
}

const STATUS_PATH = /^\/api\/batch\/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\/status\/?$/i;

/**
 * GET /api/batch/:id/status without Nest's router, pipes and serialisation: the cached status is sent as its
 * pre-serialised body with a strong ETag, and a poller that sends it back in If-None-Match gets a 304 with no
 * body. Mounted after helmet, the auth middleware, the Redis gate and CORS (so all of them still apply) and
 * before the body parsers and static files. Anything else, and any error (no such batch, a malformed id,
 * a failing database), goes on to the Nest route, which answers it in the API's usual shape. The body is the
 * one the Nest route would send (same DTO, same JSON.stringify).
 */
export function statusFastPath(statusBody: (id: string) => Promise<SerialisedStatus<unknown>>) {
  return (req: Request, res: Response, next: NextFunction) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return next();
    const m = STATUS_PATH.exec(req.path);
    if (!m) return next();
    statusBody(m[1]).then(
      ({ body, etag }) => {
        res.setHeader('ETag', etag);
        // Always revalidate: the status changes every few hundred milliseconds while a batch runs.
        res.setHeader('Cache-Control', 'no-cache');
        if (etagMatches(req.headers['if-none-match'], etag)) {
          res.statusCode = 304;
          return res.end();
        }
        res.statusCode = 200;
        res.setHeader('Content-Type', 'application/json; charset=utf-8');
        res.setHeader('Content-Length', body.length);
        res.end(req.method === 'HEAD' ? undefined : body);
      },
      () => next(),
    );
  };
}
