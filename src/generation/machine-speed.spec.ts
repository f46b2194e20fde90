import * as os from 'node:os';
import Redis from 'ioredis';
import { loadConfig } from '../config/config.schema';
import { MachineSpeed } from './machine-speed';

/**
 * MachineSpeed against a real Redis: the CPU of the work between begin() and end() is what it records (not
 * the CPU spent while idle), the factor is Σ CPU ÷ Σ model over every process's fresh evidence, 1 while there
 * is too little, and a week-old process's evidence is dropped.
 */

const burn = (ms: number) => {
  const start = process.cpuUsage();
  let x = 0;
  for (;;) {
    for (let i = 0; i < 1e5; i++) x += Math.sqrt(i);
    const used = process.cpuUsage(start);
    if ((used.user + used.system) / 1000 >= ms) return x;
  }
};

describe('MachineSpeed', () => {
  const prefix = `speed${process.pid}_${Math.random().toString(36).slice(2, 6)}`;
  const key = `${prefix}:estimate:speed`;
  const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
  const speed = new MachineSpeed(
    loadConfig({ DATA_DIR: os.tmpdir(), QUEUE_PREFIX: prefix, REDIS_URL: process.env.REDIS_URL }),
    redis,
  );
  const own = `${os.hostname()}:${process.pid}`;

  afterAll(async () => {
    await speed.onModuleDestroy();
    await redis.del(key);
    redis.disconnect();
  });

  it('records the CPU of the work it is told about, not the CPU spent while idle', async () => {
    burn(400); // idle as far as the model goes: not counted
    speed.begin();
    burn(300);
    speed.end(3);
    await speed.onModuleDestroy(); // waits for the write
    const e = JSON.parse((await redis.hget(key, own)) as string);
    expect(e.modelS).toBe(3);
    expect(e.cpuS).toBeGreaterThanOrEqual(0.28);
    expect(e.cpuS).toBeLessThan(0.6);
    // 3 core-seconds of model work is too little to judge a machine by: the constants stand.
    expect(await speed.refresh()).toBe(1);
  });

  it('weighs every fresh process by its work, drops week-old evidence and stays within bounds', async () => {
    const mine = JSON.parse((await redis.hget(key, own)) as string);
    const now = Date.now();
    await redis.hset(key, 'other-host:1', JSON.stringify({ cpuS: 25, modelS: 40, at: now }));
    await redis.hset(key, 'old-host:2', JSON.stringify({ cpuS: 400, modelS: 100, at: now - 8 * 24 * 3600 * 1000 }));
    const factor = await speed.refresh();
    expect(factor).toBeCloseTo((mine.cpuS + 25) / (mine.modelS + 40), 6);
    expect(speed.factor()).toBe(factor);
    expect(await redis.hexists(key, 'old-host:2')).toBe(0);

    await redis.hset(key, 'slow-host:3', JSON.stringify({ cpuS: 10_000, modelS: 100, at: now }));
    expect(await speed.refresh()).toBe(4);
  });
});
