import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import Redis from 'ioredis';
import { ensureRedis } from '../src/common/private-redis';

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

/** `npm start` on a machine without a running Redis: a private redis-server under DATA_DIR. */
describe('ensureRedis', () => {
  it('starts a private redis-server under DATA_DIR when nothing answers at a loopback URL, and stops it', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'studio-redis-'));
    const url = `redis://127.0.0.1:${await freePort()}`;
    const logs: string[] = [];
    const stop = await ensureRedis(url, dataDir, (m) => logs.push(m));
    const client = new Redis(url, { maxRetriesPerRequest: 0, retryStrategy: () => null });
    let pid = 0;
    try {
      pid = Number(/process_id:(\d+)/.exec(await client.info('server'))![1]);
      expect(await client.ping()).toBe('PONG');
      const dir = (await client.config('GET', 'dir')) as string[];
      expect(dir[1]).toBe(path.join(dataDir, 'redis'));
      expect(logs[0]).toMatch(/starting a private redis-server/);
    } finally {
      client.disconnect();
      stop();
    }
    // stop() ends the private server (by its pid: the freed port may be taken by anything meanwhile).
    const alive = () => {
      try {
        process.kill(pid, 0);
        return true;
      } catch {
        return false;
      }
    };
    for (let i = 0; i < 50 && alive(); i++) await new Promise((r) => setTimeout(r, 100));
    expect(pid).toBeGreaterThan(0);
    expect(alive()).toBe(false);
  });

  it('uses a Redis that already answers, and never replaces a password-protected one', async () => {
    const logs: string[] = [];
    const stop = await ensureRedis(process.env.REDIS_URL || 'redis://127.0.0.1:6379', os.tmpdir(), (m) => logs.push(m));
    stop();
    expect(logs).toEqual([]);
    const guarded = `redis://:secret@127.0.0.1:${await freePort()}`;
    await expect(ensureRedis(guarded, os.tmpdir(), () => undefined)).rejects.toThrow(
      /does not answer at REDIS_URL=.*Start it, or fix REDIS_URL/,
    );
  });
});
