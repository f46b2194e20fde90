/** 50 concurrent pollers of the batch status (autocannon), for the status-latency figures of the benchmarks. */
import autocannon from 'autocannon';
import { BenchRow } from './report';
import { fmt } from './stats';

export const POLLERS = 50;

export interface PollResult {
  p50: number;
  p99: number;
  max: number;
  requests: number;
  rps: number;
  errors: number;
  non2xx: number;
}

/** Starts `connections` pollers on `url`; `stop()` ends them and resolves with the latency figures. */
export function startPollers(
  url: string,
  connections = POLLERS,
  maxSeconds = 600,
): { stop: () => Promise<PollResult> } {
  let resolveResult: (r: PollResult) => void;
  let rejectResult: (e: Error) => void;
  const done = new Promise<PollResult>((resolve, reject) => {
    resolveResult = resolve;
    rejectResult = reject;
  });
  const instance = autocannon({ url, connections, duration: maxSeconds, timeout: 30 }, (err, r) => {
    if (err) return rejectResult(err);
    resolveResult({
      p50: r.latency.p50,
      p99: r.latency.p99,
      max: r.latency.max,
      requests: r.requests.total,
      rps: r.requests.average,
      errors: r.errors + r.timeouts,
      non2xx: r.non2xx,
    });
  });
  return {
    stop: () => {
      instance.stop();
      return done;
    },
  };
}

export function statusRow(label: string, r: PollResult): BenchRow {
  const clean = r.errors === 0 && r.non2xx === 0;
  return {
    measurement: `Status latency, ${POLLERS} pollers (${label})`,
    figure: `p50 ${fmt(r.p50, 0)} ms, p99 ${fmt(r.p99, 0)} ms`,
    target: 'no errors',
    ok: clean,
    notes: `${r.requests} requests, ${fmt(r.rps, 0)} req/s, max ${fmt(r.max, 0)} ms, ${r.errors} errors, ${r.non2xx} non-2xx; API process shares 2 cores with the workers rendering`,
  };
}
