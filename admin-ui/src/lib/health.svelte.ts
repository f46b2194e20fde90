import { api } from '../api/client';

/** The generator as /api/health reports it. */
export interface GeneratorInfo {
  name: string;
  drawsText?: boolean;
}

/** The body of GET /api/health (the route writes it by hand, so the OpenAPI document has no schema). */
interface HealthBody {
  status: 'ok' | 'down';
  database?: { ok: boolean; error?: string };
  redis?: { ok: boolean; error?: string };
  workers?: { count: number };
  providers?: { generator?: GeneratorInfo; storage?: { name: string } };
}

/** The header's health dot and the providers; refreshed every 30 s. */
class Health {
  state = $state<'unknown' | 'ok' | 'degraded' | 'down'>('unknown');
  detail = $state('Checking…');
  generator = $state<GeneratorInfo | null>(null);
  storage = $state<string | null>(null);
  private timer: ReturnType<typeof setInterval> | undefined;

  start(): void {
    if (this.timer) return;
    void this.refresh();
    this.timer = setInterval(() => void this.refresh(), 30_000);
  }

  async refresh(): Promise<void> {
    try {
      // A 503 still carries the body that says what is down; openapi-fetch hands it over as `error`.
      const { data, error, response } = await api.GET('/api/health', { parseAs: 'json' });
      const body = (data ?? error ?? null) as HealthBody | null;
      if (!body) throw new Error(`HTTP ${response.status}`);
      const workers = body.workers?.count;
      if (body.status !== 'ok') {
        this.state = 'down';
        const broken = [body.database?.ok === false && 'database', body.redis?.ok === false && 'Redis'].filter(Boolean).join(' and ');
        this.detail = `Down: ${broken || 'a required service'} not answering`;
      } else if (workers === 0) {
        this.state = 'degraded';
        this.detail = 'API up, but no worker is running: batches will wait in the queue';
      } else {
        this.state = 'ok';
        this.detail = workers === undefined ? 'All systems up' : `All systems up · ${workers} worker${workers === 1 ? '' : 's'}`;
      }
      if (body.providers?.generator) this.generator = body.providers.generator;
      if (body.providers?.storage) this.storage = body.providers.storage.name;
    } catch (e) {
      this.state = 'down';
      this.detail = `Server not reachable (${(e as Error).message})`;
    }
  }
}

export const health = new Health();
