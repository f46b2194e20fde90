import { ArgumentsHost, Catch, ExceptionFilter, HttpException, HttpStatus, Logger } from '@nestjs/common';
import type { Response } from 'express';

/**
 * Errors never leak internals: HTTP exceptions keep their message; body-parser's own errors (bad JSON,
 * body too large) become their 4xx with a plain message; anything else is a 500 that says nothing
 * about the code, while the stack goes to the operator's log.
 */
@Catch()
export class AllExceptionsFilter implements ExceptionFilter {
  private readonly logger = new Logger('HTTP');

  catch(exception: unknown, host: ArgumentsHost): void {
    const res = host.switchToHttp().getResponse<Response>();
    const req = host.switchToHttp().getRequest<{ method: string; url: string }>();
    if (res.headersSent) return;
    if (exception instanceof HttpException) {
      const body = exception.getResponse();
      res
        .status(exception.getStatus())
        .json(typeof body === 'string' ? { statusCode: exception.getStatus(), message: body } : body);
      return;
    }
    const e = exception as { status?: number; statusCode?: number; type?: string; message?: string; stack?: string };
    const status = e.status ?? e.statusCode;
    if (status && status >= 400 && status < 500) {
      const message =
        e.type === 'entity.parse.failed'
          ? 'the request body is not valid JSON'
          : e.type === 'entity.too.large'
            ? 'the request body is too large'
            : e.type === 'encoding.unsupported' || e.type === 'charset.unsupported'
              ? 'unsupported request encoding'
              : 'bad request';
      res.status(status).json({ statusCode: status, message });
      return;
    }
    this.logger.error(`${req.method} ${req.url}: ${e?.stack ?? String(exception)}`);
    res
      .status(HttpStatus.INTERNAL_SERVER_ERROR)
      .json({ statusCode: 500, message: 'internal error; the server log has the details' });
  }
}
