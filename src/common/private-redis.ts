import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import Redis from 'ioredis';
import { sleep } from './rate-limiter';

async function answers(url: string): Promise<boolean> {
  const r = new Redis(url, {
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    connectTimeout: 1500,
  });
  try {
    await r.connect();
    await r.ping();
    return true;
  } catch {
    return false;
  } finally {
    r.disconnect();
  }
}

/**
 * Redis is the one prerequisite a fresh machine may lack. When nothing answers at a
 * loopback REDIS_URL without a password (the default is one) and `redis-server` is on the PATH, start a
 * private one on that port under DATA_DIR and stop it on exit; otherwise stop with a message saying how to
 * install one or point to one. A remote or password-protected Redis is never replaced.
 */
export async function ensureRedis(redisUrl: string, dataDir: string, log: (m: string) => void): Promise<() => void> {
  if (await answers(redisUrl)) return () => undefined;
  const url = new URL(redisUrl);
  const local = url.protocol === 'redis:' && ['127.0.0.1', 'localhost'].includes(url.hostname) && !url.password;
  if (!local) throw new Error(`Redis does not answer at REDIS_URL=${redisUrl}. Start it, or fix REDIS_URL.`);
  const port = url.port || '6379';
  const found = spawnSync('sh', ['-c', 'command -v redis-server'], { encoding: 'utf8' }).stdout.trim();
  if (!found) {
    throw new Error(
      `Redis does not answer at ${redisUrl} and redis-server is not installed.\n` +
        '  Install it (Debian/Ubuntu: sudo apt-get install -y redis-server; macOS: brew install redis),\n' +
        '  or set REDIS_URL=redis://host:port to use an existing one.',
    );
  }
  const dir = path.join(dataDir, 'redis');
  fs.mkdirSync(dir, { recursive: true });
  log(`no Redis at ${redisUrl}: starting a private redis-server (data in ${dir})`);
  const child = spawn(
    found,
    ['--bind', '127.0.0.1', '--port', port, '--dir', dir, '--save', '', '--appendonly', 'yes'],
    { stdio: 'ignore' },
  );
  const stop = () => {
    if (!child.killed) child.kill('SIGTERM');
  };
  process.once('exit', stop);
  for (let i = 0; i < 50; i++) {
    if (await answers(redisUrl)) return stop;
    await sleep(100);
  }
  stop();
  throw new Error('started redis-server, but it did not answer within 5 s');
}
