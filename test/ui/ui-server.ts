import { execSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { getQueueToken } from '@nestjs/bull';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { Queue } from 'bull';
import type Redis from 'ioredis';
import { createApp } from '../../src/app.factory';
import { REDIS } from '../../src/common/redis.module';
import type { AppConfig } from '../../src/config/config.schema';
import { testConfig } from '../helpers/test-config';

const ROOT = path.join(__dirname, '..', '..');
const UI = path.join(ROOT, 'admin-ui');

function newestMtime(p: string): number {
  const st = fs.statSync(p);
  if (!st.isDirectory()) return st.mtimeMs;
  return Math.max(st.mtimeMs, ...fs.readdirSync(p).map((f) => newestMtime(path.join(p, f))));
}

/** Builds admin-ui/dist when it is missing or older than its sources (the app serves it at /). */
export function ensureUiBuilt(): void {
  const built = path.join(UI, 'dist', 'index.html');
  const sources = Math.max(
    newestMtime(path.join(UI, 'src')),
    newestMtime(path.join(UI, 'index.html')),
    newestMtime(path.join(UI, 'vite.config.ts')),
  );
  if (fs.existsSync(built) && fs.statSync(built).mtimeMs >= sources) return;
  execSync('npm run build:ui', { cwd: ROOT, stdio: 'pipe' });
}

export interface UiServer {
  app: NestExpressApplication;
  config: AppConfig;
  baseUrl: string;
  close(): Promise<void>;
}

/** The real app (real Redis, database, queues, workers, offline generator) on a loopback port (any free one if 0). */
export async function startUiServer(env: Record<string, string>, port = 0): Promise<UiServer> {
  const config = await testConfig({ GENERATOR: 'local', STORAGE: 'local', ...env });
  const app = await createApp(config, { logger: ['error'] });
  await app.listen(port, '127.0.0.1');
  const address = app.getHttpServer().address() as { port: number };
  return {
    app,
    config,
    baseUrl: `http://127.0.0.1:${address.port}`,
    close: async () => {
      // Drop this test's Bull keys (own prefix) before the app lets go of Redis.
      for (const name of ['batches', 'links', 'variations', 'publishing']) {
        await app
          .get<Queue>(getQueueToken(name))
          .obliterate({ force: true })
          .catch(() => undefined);
      }
      const redis = app.get<Redis>(REDIS);
      const keys = await redis.keys(`${config.queuePrefix}:*`);
      if (keys.length) await redis.del(...keys);
      await app.close();
      fs.rmSync(config.dataDir, { recursive: true, force: true });
    },
  };
}
