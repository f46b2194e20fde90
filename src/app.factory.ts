import * as fs from 'node:fs';
import * as path from 'node:path';
import { LogLevel, ValidationPipe } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import type { NextFunction, Request, Response } from 'express';
import helmet from 'helmet';
import { AppModule } from './app.module';
import { AllExceptionsFilter } from './common/all-exceptions.filter';
import { VALIDATION_OPTIONS } from './common/validate-dto';
import { AppConfig } from './config/config.schema';

/** The repository root (where package.json is), from src/ under ts-jest or dist/src/ when built. */
export function projectRoot(): string {
  let dir = __dirname;
  while (!fs.existsSync(path.join(dir, 'package.json')) && path.dirname(dir) !== dir) dir = path.dirname(dir);
  return dir;
}

export function logLevels(level: AppConfig['logLevel']): LogLevel[] {
  const order: LogLevel[] = ['error', 'warn', 'log', 'debug', 'verbose'];
  return order.slice(0, order.indexOf(level) + 1);
}

export function openApiDocument(app: NestExpressApplication) {
  const doc = new DocumentBuilder()
    .setTitle('Slideshow Studio API')
    .setDescription('Re-make TikTok photo slideshows for your product, in batches. All routes are under /api.')
    .setVersion('1.0')
    .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'ADMIN_PASSWORD, when one is set' })
    .build();
  return SwaggerModule.createDocument(app, doc);
}

/**
 * Builds the HTTP app (not yet listening): security headers, body limits, validation, the error filter,
 * Swagger at /api/docs, the delivered files at /files and the admin UI at /. main.ts and the tests share it.
 */
export async function createApp(config: AppConfig, options: { logger?: LogLevel[] | false } = {}): Promise<NestExpressApplication> {
  const app = await NestFactory.create<NestExpressApplication>(AppModule.register(config), {
    logger: options.logger ?? logLevels(config.logLevel),
    bodyParser: false,
  });
  return configureApp(app, config);
}

/** Everything but the module graph, so tests that override a provider get the same HTTP behaviour. */
export async function configureApp(app: NestExpressApplication, config: AppConfig): Promise<NestExpressApplication> {
  app.use(
    helmet({
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
    }),
  );
  app.useBodyParser('json', { limit: '1mb' });
  app.useBodyParser('urlencoded', { limit: '1mb', extended: false });
  if (config.corsOrigins.length) app.enableCors({ origin: config.corsOrigins, credentials: true });
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
    if (!fs.existsSync(index)) return res.status(404).type('text').send('The admin UI is not built: run `npm run build:ui` (npm start does it).');
    res.sendFile(index);
  });
  await app.init();
  return app;
}
