/**
 * The variation start gate alone (real Redis, no rendering): 8 job slots (2 workers × concurrency 4, as in
 * the makespan run) each take a start, hold it for a job time, and ask again, for 100 starts at 4/s. Makespan
 * ÷ bound with the CPU out of the picture: what the gate itself costs, polling (`acquire`, the old way) vs
 * booking (`acquireScheduled`, what VariationStarts uses). Cheap enough to mean something on a loaded machine.
 *
 *   npx ts-node bench/start-gate.ts
 */
import Redis from 'ioredis';
import { RedisRateLimiter } from '../src/common/rate-limiter';
import { REDIS_URL, SlotLog } from './lib/cluster';
import { BenchRow, runAlone } from './lib/report';
import { fmt, maxInWindow, slotUtilisation } from './lib/stats';

const RATE = 4;
const WINDOW_MS = 1000;
const STARTS = 100;
const SLOTS = 8;
const JOB_MS = 550;
export const GATE_TARGET = 1.05;

async function measure(mode: 'acquire' | 'acquireScheduled'): Promise<{ ratio: number; use: number; maxWin: number }> {
  const redis = new Redis(REDIS_URL);
  const prefix = `benchgate${process.pid}_${Math.random().toString(36).slice(2, 6)}`;
  const limiter = new RedisRateLimiter(redis, prefix);
  const grants: number[] = [];
  // The limiter's own log (Redis time of each grant) for the window check: a local stamp taken when the
  // continuation runs is late by however long the event loop was busy, and would misplace grants.
  const log = new SlotLog(`${prefix}:rl:starts`);
  log.start();
  let left = STARTS;
  const started = Date.now();
  let granted: number[];
  try {
    await Promise.all(
      Array.from({ length: SLOTS }, async () => {
        while (left > 0) {
          left--;
          await limiter[mode]('starts', RATE, WINDOW_MS);
          grants.push(Date.now());
          await new Promise((r) => setTimeout(r, JOB_MS));
        }
      }),
    );
  } finally {
    granted = await log.stop();
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length) await redis.del(...keys);
    redis.disconnect();
  }
  // Makespan as in bench/makespan.ts: from the first request to the last job's end, over STARTS ÷ RATE.
  const wall = Math.max(...grants) + JOB_MS - started;
  return {
    ratio: wall / 1000 / (STARTS / RATE),
    use: slotUtilisation(grants, RATE, WINDOW_MS).utilisation,
    maxWin: maxInWindow(granted, WINDOW_MS),
  };
}

export async function run(): Promise<BenchRow[]> {
  const polling = await measure('acquire');
  const booked = await measure('acquireScheduled');
  return [
    {
      measurement: 'Start gate alone: makespan ÷ quota bound',
      figure: `${fmt(booked.ratio)} (polling: ${fmt(polling.ratio)})`,
      target: `≤ ${fmt(GATE_TARGET)}`,
      ok: booked.ratio <= GATE_TARGET && booked.maxWin <= RATE,
      notes:
        `${STARTS} starts at ${RATE}/s through the real Redis limiter, ${SLOTS} job slots holding each start ${JOB_MS} ms, no rendering: ` +
        `start-slot utilisation ${fmt(booked.use)} booked vs ${fmt(polling.use)} polling; busiest 1 s window ${booked.maxWin} starts (limit ${RATE}); ` +
        `the limiter adds a 2% margin (20 ms) to each 1 s window`,
    },
  ];
}

if (require.main === module) runAlone(run);
