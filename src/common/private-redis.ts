import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import Redis from 'ioredis';
import { sleep } from './rate-limiter';

const DEFAULT_URL = 'redis://127.0.0.1:6379';

async function answers(url: string): Promise<boolean> {
  const r = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: 1500 });
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
 * Redis is the one prerequisite a fresh machine may lack (SPEC: Real parts). When nothing answers at the
 * default REDIS_URL and `redis-server` is on the PATH, start a private one under DATA_DIR and stop it on
 * exit; otherwise stop with a message saying how to install one or point to one.
 */
export async function ensureRedis(redisUrl: string, dataDir: string, log: (m: string) => void): Promise<() => void> {
  if (await answers(redisUrl)) return () => undefined;
  if (redisUrl !== DEFAULT_URL) throw new Error(`Redis does not answer at REDIS_URL=${redisUrl}. Start it, or fix REDIS_URL.`);
  const found = spawnSync('sh', ['-c', 'command -v redis-server'], { encoding: 'utf8' }).stdout.trim();
  if (!found) {
    throw new Error(
      'Redis does not answer at redis://127.0.0.1:6379 and redis-server is not installed.\n' +
        '  Install it (Debian/Ubuntu: sudo apt-get install -y redis-server; macOS: brew install redis),\n' +
        '  or set REDIS_URL=redis://host:port to use an existing one.',
    );
  }
  const dir = path.join(dataDir, 'redis');
  fs.mkdirSync(dir, { recursive: true });
  log(`no Redis at ${redisUrl}: starting a private redis-server (data in ${dir})`);
  const child = spawn(found, ['--bind', '127.0.0.1', '--port', '6379', '--dir', dir, '--save', '', '--appendonly', 'yes'], { stdio: 'ignore' });
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
