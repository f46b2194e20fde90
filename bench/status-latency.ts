/**
 * Status latency: p50/p99 of GET /api/batch/:id/status under 50 concurrent pollers (autocannon against the
 * API process) while a batch runs. The pollers run during the overhead batch (bench/overhead.ts); run alone,
 * this file does a small SQLite overhead batch with the pollers on and prints only the latency rows.
 *
 *   npx ts-node bench/status-latency.ts
 */
import { runAlone } from './lib/report';

if (require.main === module) {
  runAlone(async () => {
    const { measureOverhead } = await import('./overhead');
    const r = await measureOverhead({ database: 'sqlite', links: 20, p: 2, t: 2, pollers: true });
    return r.rows.filter((row) => row.measurement.startsWith('Status latency'));
  });
}
