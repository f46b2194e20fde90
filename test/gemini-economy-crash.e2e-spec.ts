import { FakeGemini } from './fakes/fake-gemini';
import { FakeTikTok } from './fakes/fake-tiktok';
import { cleanupRedis, createProduct, startTestApp, TestApp, waitForEnd } from './helpers/test-app';
import { configEnv, testConfig } from './helpers/test-config';
import { buildForChildren, Child, killAll, waitFor, startReadyWorker } from './helpers/processes';

/**
 * An economy batch whose worker is SIGKILLed while its Gemini batch jobs are pending: another worker
 * finds the stored job names and polls them; nothing is sent twice. The API runs in this process
 * (WORKERS=false); the workers are real child processes on the same database, Redis prefix and DATA_DIR.
 */
describe('economy batch survives a worker SIGKILL while its job is pending', () => {
  const children: Child[] = [];
  let dist: string;
  let tiktok: FakeTikTok;
  let gemini: FakeGemini;
  let t: TestApp;
  let childEnv: Record<string, string>;

  beforeAll(async () => {
    dist = buildForChildren();
    [tiktok, gemini] = await Promise.all([FakeTikTok.start(), FakeGemini.start()]);
    const env = {
      GENERATOR: 'gemini',
      GEMINI_API_KEYS: 'AIzaSyTEST-economy-key-000000000000001',
      GEMINI_BASE_URL: gemini.baseUrl,
      GEMINI_IMAGE_RPM: '100000',
      GEMINI_TEXT_RPM: '100000',
      GEMINI_BATCH_POLL_MS: '100',
      TIKTOK_BASE_URL: tiktok.baseUrl,
      VARIATION_RATE_LIMIT: '100/s',
      WORKER_CONCURRENCY: '2',
      JOB_LOCK_MS: '2000',
      JOB_STALLED_INTERVAL_MS: '1000',
      SWEEP_INTERVAL_MS: '1000',
      JOB_BACKOFF_MS: '50',
    };
    const config = await testConfig({ ...env, WORKERS: 'false' });
    childEnv = { ...env, ...configEnv(config) };
    t = await startTestApp(config);
  }, 300_000);

  afterAll(async () => {
    await killAll(children);
    if (t) {
      await cleanupRedis(t);
      await t.close();
    }
    await tiktok?.close();
    await gemini?.close();
  });

  const startWorker = (name: string): Promise<Child> => startReadyWorker(dist, name, childEnv, children);

  it('SIGKILL mid-poll: the next worker resumes polling the stored jobs; no request is sent twice', async () => {
    gemini.holdBatches = true;
    const productId = await createProduct(t);
    const a = await startWorker('worker-a');
    const res = await t.http.post('/api/batch').send({
      review: false,
      links: [tiktok.addPost({ id: '7430000000000000001', slides: 2 })],
      productId,
      photoVariations: 2,
      textVariations: 1,
      speed: 'economy',
    });
    expect(res.status).toBe(201);
    // Both photo variants have sent their job and are polling it.
    await waitFor(
      'two pending batch jobs polled',
      async () => {
        const polled = new Set(gemini.batchLog.filter((l) => l.op === 'get').map((l) => l.name));
        return gemini.jobs.size === 2 && polled.size === 2;
      },
      60_000,
      50,
    );
    a.proc.kill('SIGKILL');
    await a.exited;
    const createdBeforeKill = gemini.batchLog.filter((l) => l.op === 'create').length;
    const killedAt = Date.now();

    await startWorker('worker-b');
    await waitFor(
      'worker-b polling the same jobs',
      async () =>
        new Set(gemini.batchLog.filter((l) => l.op === 'get' && l.at > killedAt).map((l) => l.name)).size === 2,
      60_000,
      50,
    );
    expect(gemini.batchLog.filter((l) => l.op === 'create')).toHaveLength(createdBeforeKill);
    gemini.holdBatches = false;

    const status = await waitForEnd(t, res.body.id, 120_000);
    expect(status.status).toBe('completed');
    // 3 plan slides × 2 variants, every one inside a batch job, every request key sent once.
    const images = gemini.calls.filter((c) => c.kind === 'image');
    expect(images).toHaveLength(6);
    expect(images.filter((c) => !c.batch)).toEqual([]);
    const sent = [...gemini.jobs.values()].flatMap((j) => j.requests.map((r) => `${j.displayName}|${r.key}`));
    expect(new Set(sent).size).toBe(sent.length);
    expect(sent).toHaveLength(6);
  }, 300_000);
});
