import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type Redis from 'ioredis';
import { Batch } from '../src/pipeline/entities/batch.entity';
import { BatchSweeperService, SWEEP_MAX_REQUEUES } from '../src/batches/batch-sweeper.service';
import { BatchesQueue } from '../src/batches/batches.queue';
import { REDIS } from '../src/common/redis.module';
import { ORPHAN_AGE_MS } from '../src/drive/local-storage';
import { BatchVariation } from '../src/pipeline/entities/variation.entity';
import { VariationsQueue } from '../src/generation/variations.queue';
import { BatchLink } from '../src/pipeline/entities/link.entity';
import { LinksQueue } from '../src/links/links.queue';
import { cleanupRedis, createProduct, startTestApp, TestApp, tiktokLinks } from './helpers/test-app';
import { TestGenerator, TestSource } from './helpers/test-doubles';
import { testConfig } from './helpers/test-config';
import { processBatchJobId, processLinkJobId, variationJobId } from '../src/pipeline/queues';

/**
 * The sweeper on a real database and real queues. No processor runs (WORKERS=false), so the rows and
 * jobs are exactly what each step sets up, as a crashed worker would leave them; sweeps are called directly.
 */
const INTERVAL_MS = 200;
const pause = () => new Promise((r) => setTimeout(r, INTERVAL_MS + 50));

describe('batch sweeper', () => {
  let t: TestApp;
  let sweeper: BatchSweeperService;

  beforeAll(async () => {
    t = await startTestApp(await testConfig({ WORKERS: 'false', SWEEP_INTERVAL_MS: String(INTERVAL_MS) }), {
      source: new TestSource(3),
      generator: new TestGenerator(),
    });
    sweeper = t.app.get(BatchSweeperService);
  });

  afterAll(async () => {
    await cleanupRedis(t);
    await t.close();
  });

  const state = async (
    queue: { getJob: (id: string) => Promise<{ getState: () => Promise<string> } | null> },
    id: string,
  ) => (await (await queue.getJob(id))?.getState()) ?? 'missing';

  /** Two sweeps an interval apart: a row must look lost twice before it is touched. */
  async function sweepTwice() {
    const first = await sweeper.sweepOnce();
    await pause();
    return { first, second: await sweeper.sweepOnce() };
  }

  it('requeues lost work only after it looked lost twice, fails it after the last try, settles idle batches, one sweeper at a time', async () => {
    const productId = await createProduct(t);
    const created = await t.http
      .post('/api/batch')
      .send({ links: tiktokLinks(2, 900), productId, photoVariations: 1, textVariations: 2 });
    expect(created.status).toBe(201);
    const batchId = created.body.id as string;
    const batchesQueue = t.app.get(BatchesQueue).queue;
    const linksQueue = t.app.get(LinksQueue).queue;
    const variationsQueue = t.app.get(VariationsQueue).queue;
    const repo = {
      batch: t.ds.getRepository(Batch),
      link: t.ds.getRepository(BatchLink),
      variation: t.ds.getRepository(BatchVariation),
    };

    // A queued batch whose process-batch job vanished (the API stopped between the insert and the queue).
    await (await batchesQueue.getJob(processBatchJobId(batchId)))?.remove();
    let { first, second } = await sweepTwice();
    expect(first).toMatchObject({ swept: true, suspects: 1, requeued: [] });
    expect(second.requeued).toEqual([processBatchJobId(batchId)]);
    expect(await state(batchesQueue, processBatchJobId(batchId))).toBe('waiting');

    // Started: link 1 was being fetched by a worker that died and its job is gone; link 2 has its
    // variations: one lost while processing, one still queued (alive: left alone).
    const [l1, l2] = await repo.link.find({ where: { batchId }, order: { position: 'ASC' } });
    await repo.batch.update({ id: batchId }, { status: 'processing' });
    await repo.link.update({ id: l1.id }, { status: 'processing' });
    await repo.link.update({ id: l2.id }, { status: 'processing', variationsCreated: true });
    await repo.variation.insert([
      { batchId, linkId: l2.id, photoIndex: 1, textIndex: 1, status: 'processing' },
      { batchId, linkId: l2.id, photoIndex: 1, textIndex: 2, status: 'processing' },
    ]);
    const [v1, v2] = await repo.variation.find({ where: { linkId: l2.id }, order: { textIndex: 'ASC' } });
    await t.app.get(VariationsQueue).add([{ batchId, linkId: l2.id, variationId: v2.id }]);

    ({ first, second } = await sweepTwice());
    expect(first.suspects).toBe(2);
    expect(second.requeued.sort()).toEqual([processLinkJobId(l1.id), variationJobId(v1.id)].sort());
    expect((await repo.link.findOneByOrFail({ id: l1.id })).status).toBe('pending');
    expect(await state(linksQueue, processLinkJobId(l1.id))).toBe('waiting');
    expect((await repo.variation.findOneByOrFail({ id: v1.id })).status).toBe('pending');
    expect(await state(variationsQueue, variationJobId(v1.id))).toBe('waiting');
    expect((await repo.variation.findOneByOrFail({ id: v2.id })).status).toBe('processing');

    // The same variation lost again and again: requeued up to SWEEP_MAX_REQUEUES times, then failed with a reason.
    for (let lost = 2; lost <= SWEEP_MAX_REQUEUES + 1; lost++) {
      await (await variationsQueue.getJob(variationJobId(v1.id)))?.remove();
      await repo.variation.update({ id: v1.id }, { status: 'processing' });
      ({ second } = await sweepTwice());
      if (lost <= SWEEP_MAX_REQUEUES) expect(second.requeued).toEqual([variationJobId(v1.id)]);
      else expect(second.failed).toEqual([variationJobId(v1.id)]);
    }
    const failed = await repo.variation.findOneByOrFail({ id: v1.id });
    expect(failed).toMatchObject({ status: 'failed', errorStep: 'generation' });
    expect(failed.error).toMatch(/lost 3 times/);

    // Nobody settled the batch after the last work ended: the sweeper does, exactly once.
    await (await variationsQueue.getJob(variationJobId(v2.id)))?.remove();
    await repo.variation.update({ id: v2.id }, { status: 'completed' });
    await (await linksQueue.getJob(processLinkJobId(l1.id)))?.remove();
    await repo.link.update({ id: l1.id }, { status: 'completed', variationsCreated: true });
    const settled = await sweeper.sweepOnce();
    expect(settled.settledBatches).toEqual([batchId]);
    expect((await repo.link.findOneByOrFail({ id: l2.id })).status).toBe('failed');
    expect((await repo.batch.findOneByOrFail({ id: batchId })).status).toBe('completed_with_errors');
    expect((await sweeper.sweepOnce()).settledBatches).toEqual([]);

    // Another process holds the sweep lock: this one does nothing.
    const redis = t.app.get<Redis>(REDIS);
    await redis.set(`${t.config.queuePrefix}:sweeper:lock`, 'someone-else', 'PX', 5000);
    expect((await sweeper.sweepOnce()).swept).toBe(false);
    await redis.del(`${t.config.queuePrefix}:sweeper:lock`);
  });

  it("removes dead writers' temp files (this host's dead pids, anyone's after an hour) and keeps live ones", async () => {
    const tmp = path.join(t.config.dataDir, 'tmp', 'output');
    fs.mkdirSync(tmp, { recursive: true });
    // A pid far above pid_max on Linux cannot be running.
    const dead = `${2 ** 30}@${os.hostname()}-0badc0de.tmp`;
    const live = `${process.pid}@${os.hostname()}-00c0ffee.tmp`;
    const otherHostFresh = `4242@elsewhere.example-0000beef.tmp`;
    const otherHostOld = `4243@elsewhere.example-0001beef.tmp`;
    for (const name of [dead, live, otherHostFresh, otherHostOld]) fs.writeFileSync(path.join(tmp, name), 'half');
    const anHourAgo = new Date(Date.now() - ORPHAN_AGE_MS - 60_000);
    fs.utimesSync(path.join(tmp, otherHostOld), anHourAgo, anHourAgo);
    const report = await sweeper.sweepOnce();
    expect(report.orphans.map((f) => path.basename(f)).sort()).toEqual([dead, otherHostOld].sort());
    expect(fs.readdirSync(tmp).sort()).toEqual([live, otherHostFresh].sort());
  });
});
