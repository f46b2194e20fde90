import * as fs from 'node:fs';
import type { Server } from 'node:http';
import * as path from 'node:path';
import type { Duplex } from 'node:stream';
import { LogLevel, ValidationPipe } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import helmet from 'helmet';
import type Redis from 'ioredis';
import { AppModule } from './app.module';
import { authMiddleware } from './auth/auth.middleware';
import { AuthService } from './auth/auth.service';
import { SESSION_COOKIE } from './auth/session-tokens';
import { AllExceptionsFilter } from './common/all-exceptions.filter';
import { REDIS } from './common/redis.module';
import { VALIDATION_OPTIONS } from './common/validate-dto';
import { logLevels } from './config/config.module';
import { AppConfig } from './config/config.schema';
import { PLAN_OPENAPI_SCHEMA, PLAN_SCHEMA_NAME } from './batches/dto/review.dto';
import { BatchQueryService } from './batches/batch-query.service';
import { answerStatusBeforeExpress, statusFastPath } from './batches/status-body';

/** The repository root (where package.json is), from src/ under ts-jest or dist/src/ when built. */
export function projectRoot(): string {
  let dir = __dirname;
  while (!fs.existsSync(path.join(dir, 'package.json')) && path.dirname(dir) !== dir) dir = path.dirname(dir);
  return dir;
}

export function openApiDocument(app: NestExpressApplication) {
  const doc = new DocumentBuilder()
    .setTitle('Slideshow Studio API')
    .setDescription('Re-make TikTok photo slideshows for your product, in batches. All routes are under /api.')
    .setVersion('1.0')
    .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'ADMIN_PASSWORD, when one is set' })
    .addCookieAuth(SESSION_COOKIE, {
      type: 'apiKey',
      in: 'cookie',
      name: SESSION_COOKIE,
      description: 'set by POST /api/auth/login',
    })
    // Every route needs one of the two when ADMIN_PASSWORD is set; the auth routes opt out.
    .addSecurityRequirements('bearer')
    .addSecurityRequirements(SESSION_COOKIE)
    .build();
  const document = SwaggerModule.createDocument(app, doc);
  // The plan's schema is derived from its zod schema (no DTO class): one named component, as for DTOs.
  document.components = { ...document.components, schemas: { ...document.components?.schemas } };
  document.components.schemas![PLAN_SCHEMA_NAME] = PLAN_OPENAPI_SCHEMA;
  return document;
}

/** Requests that need the job queue; everything else (reading batches, health, files) works without Redis. */
const NEEDS_QUEUE =
  /^\/(admin\/queues(\/|$)|api\/batch\/?$|api\/batch\/[^/]+\/(cancel|retry-failed)\/?$|api\/tiktok\/(posts|accounts\/connect)\/?$)/i;

/**
 * While the app's Redis connection is not ready, requests that would queue work (or read the queues)
 * get a 503 at once instead of waiting minutes in ioredis' offline queue. GET /api/batch (history) is
 * a database read and passes.
 */
export function redisGate(redis: Pick<Redis, 'status'>) {
  return (req: Request, res: Response, next: NextFunction) => {
    if (redis.status === 'ready' || !NEEDS_QUEUE.test(req.path) || (req.method === 'GET' && /^\/api\//i.test(req.path)))
      return next();
    res.status(503).json({
      statusCode: 503,
      message: 'the job queue (Redis) is not reachable; nothing was changed, try again shortly',
    });
  };
}

/**
 * Builds the HTTP app (not yet listening): security headers, body limits, validation, the error filter,
 * Swagger at /api/docs, the delivered files at /files and the admin UI at /. main.ts and the tests share it.
 */
export async function createApp(
  config: AppConfig,
  options: { logger?: LogLevel[] | false } = {},
): Promise<NestExpressApplication> {
  const app = await NestFactory.create<NestExpressApplication>(AppModule.register(config), {
    logger: options.logger ?? logLevels(config.logLevel),
    bodyParser: false,
  });
  return configureApp(app, config);
}

/** Helmet as this app configures it: the same headers on every answer (no per-request nonce). */
function securityHeaders(): RequestHandler {
  return helmet({
    contentSecurityPolicy: {
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'", "'unsafe-inline'"],
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", 'data:', 'blob:', 'https:'],
        mediaSrc: ["'self'", 'blob:'],
        connectSrc: ["'self'"],
        upgradeInsecureRequests: null,
      },
    },
    crossOriginEmbedderPolicy: false,
  });
}

/**
 * The headers a middleware that sets the same headers on every response sets, read by running it once
 * against a recording response: for answers made ahead of Express (`answerStatusBeforeExpress`).
 */
function headersSetBy(middleware: RequestHandler): [string, string][] {
  const headers = new Map<string, string>();
  const res = {
    setHeader: (name: string, value: unknown) => headers.set(name, String(value)),
    getHeader: (name: string) => headers.get(name),
    removeHeader: (name: string) => headers.delete(name),
  };
  let passed = false;
  middleware({ method: 'GET', url: '/', headers: {} } as Request, res as unknown as Response, () => (passed = true));
  if (!passed) throw new Error('the security middleware did not pass a plain GET on');
  return [...headers];
}

/** Everything but the module graph, so tests that override a provider get the same HTTP behaviour. */
export async function configureApp(app: NestExpressApplication, config: AppConfig): Promise<NestExpressApplication> {
  const security = securityHeaders();
  app.use(security);
  // Before the body parsers, Nest's routes, Bull Board (/admin/queues) and express.static (/files).
  const auth = app.get(AuthService);
  app.use(authMiddleware(auth));
  app.use(redisGate(app.get<Redis>(REDIS)));
  if (config.corsOrigins.length) app.enableCors({ origin: config.corsOrigins, credentials: true });
  // The pollers' route, answered from the status cache before the body parsers, static files and Nest's router
  // (and before Express itself below, when nothing in front of it would act).
  const query = app.get(BatchQueryService);
  const statusBody = (id: string) => query.statusBody(id);
  app.use(statusFastPath(statusBody));
  app.useBodyParser('json', { limit: '1mb' });
  app.useBodyParser('urlencoded', { limit: '1mb', extended: false });
  app.useGlobalPipes(new ValidationPipe(VALIDATION_OPTIONS));
  app.useGlobalFilters(new AllExceptionsFilter());

  SwaggerModule.setup('api/docs', app, () => openApiDocument(app), { jsonDocumentUrl: 'api/docs-json' });

  const output = path.join(config.dataDir, 'output');
  fs.mkdirSync(output, { recursive: true });
  app.useStaticAssets(output, { prefix: '/files/', index: false, dotfiles: 'deny', fallthrough: false });

  const ui = path.join(projectRoot(), 'admin-ui', 'dist');
  app.useStaticAssets(ui, { index: false });
  // The UI is a single page: any non-API GET without a file answers with index.html.
  app.use((req: Request, res: Response, next: NextFunction) => {
    if (req.method !== 'GET' || /^\/(api|admin|files)(\/|$)/.test(req.path)) return next();
    const index = path.join(ui, 'index.html');
    if (!fs.existsSync(index))
      return res
        .status(404)
        .type('text')
        .send('The admin UI is not built: run `npm run build:ui` (npm start does it).');
    res.sendFile(index);
  });
  answerParserErrorsWithJson(app.getHttpServer() as Server);
  answerStatusBeforeExpress(app.getHttpServer() as Server, {
    statusBody,
    admits: (req) => !(config.corsOrigins.length && req.headers.origin) && auth.identifyAtOnce(req) !== null,
    headers: headersSetBy(security),
  });
  await app.init();
  return app;
}

/**
 * Requests Node's HTTP parser refuses (headers or URL over 16 KB, malformed request line) never reach
 * Express; by default Node answers them with an empty body. Same JSON shape as every other error instead.
 */
function answerParserErrorsWithJson(server: Server): void {
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Duplex) => {
    if (err.code === 'ECONNRESET' || !socket.writable) return socket.destroy();
    const [status, reason, message] =
      err.code === 'HPE_HEADER_OVERFLOW'
        ? [431, 'Request Header Fields Too Large', 'the URL or headers are too large']
        : err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
          ? [408, 'Request Timeout', 'the request took too long to arrive']
          : [400, 'Bad Request', 'malformed HTTP request'];
    const body = JSON.stringify({ statusCode: status, message });
    socket.end(
      `HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  });
}
