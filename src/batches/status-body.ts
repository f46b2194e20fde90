import { createHash } from 'node:crypto';
import type { IncomingMessage, RequestListener, Server, ServerResponse } from 'node:http';
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

/** The batch id when this is GET or HEAD /api/batch/:id/status (any query string), else null. */
function statusRequestId(method: string | undefined, path: string): string | null {
  if (method !== 'GET' && method !== 'HEAD') return null;
  return STATUS_PATH.exec(path)?.[1] ?? null;
}

/** Sends the cached status, or a 304 when the poller already holds it. */
function sendStatus(req: IncomingMessage, res: ServerResponse, { body, etag }: SerialisedStatus<unknown>): void {
  res.setHeader('ETag', etag);
  // Always revalidate: the status changes every few hundred milliseconds while a batch runs.
  res.setHeader('Cache-Control', 'no-cache');
  if (etagMatches(req.headers['if-none-match'], etag)) {
    res.statusCode = 304;
    res.end();
    return;
  }
  res.statusCode = 200;
  res.setHeader('Content-Type', 'application/json; charset=utf-8');
  res.setHeader('Content-Length', body.length);
  res.end(req.method === 'HEAD' ? undefined : body);
}

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
    const id = statusRequestId(req.method, req.path);
    if (!id) return next();
    statusBody(id).then(
      (status) => sendStatus(req, res, status),
      () => next(),
    );
  };
}

export interface StatusBeforeExpress {
  statusBody: (id: string) => Promise<SerialisedStatus<unknown>>;
  /**
   * True when the middleware in front of the route would let this request through untouched and add nothing
   * but `headers`: no password or a valid session cookie, and no cross-origin request to answer.
   */
  admits: (req: IncomingMessage) => boolean;
  /** What the security middleware sets on every answer (helmet's headers, the same for every request). */
  headers: ReadonlyArray<readonly [string, string]>;
}

/**
 * The pollers' route ahead of Express itself. Express's own work per request (its request and response
 * prototypes, the query parser, then helmet, the auth and Redis checks as middleware) was four fifths of the
 * status route's cost at 50 pollers, and its garbage, promoted by requests queued through each scavenge,
 * made the API's heap collect every ~0.3 s (the route's p99). So the HTTP server's request listener answers
 * a status poll itself when `admits` says nothing in front of it would act, with the same security headers
 * and `sendStatus` as `statusFastPath`. Everything else, a bearer token (it goes through the login throttle),
 * a cross-origin request, a cookie that does not verify, or a failed status (no such batch: the Nest route's
 * 404), goes to Express untouched, where `statusFastPath` and the Nest route answer it as before.
 */
export function answerStatusBeforeExpress(server: Server, o: StatusBeforeExpress): void {
  const listeners = server.listeners('request') as RequestListener[];
  if (listeners.length !== 1)
    throw new Error(`expected the HTTP server to have one request listener, not ${listeners.length}`);
  const [express] = listeners;
  server.removeAllListeners('request');
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const url = req.url ?? '';
    const q = url.indexOf('?');
    const id = statusRequestId(req.method, q < 0 ? url : url.slice(0, q));
    if (!id || !o.admits(req)) return express(req, res);
    o.statusBody(id).then(
      (status) => {
        for (const [name, value] of o.headers) res.setHeader(name, value);
        sendStatus(req, res, status);
      },
      () => express(req, res),
    );
  });
}
