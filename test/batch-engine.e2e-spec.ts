import * as fs from 'node:fs';
import * as path from 'node:path';
import { testConfig } from './helpers/test-config';
import { cleanupRedis, createProduct, startTestApp, TestApp, tiktokLinks, waitForEnd } from './helpers/test-app';
import { TestGenerator, TestSource } from './helpers/test-doubles';

/** The batch engine end to end on real Redis and a real database, with the providers as test doubles. */
describe('batch engine', () => {
  let t: TestApp;
  let source: TestSource;
  let generator: TestGenerator;

  beforeEach(async () => {
    source = new TestSource(3);
    generator = new TestGenerator();
    t = await startTestApp(await testConfig({ VARIATION_RATE_LIMIT: '1000/s', WORKER_CONCURRENCY: '4' }), {
      source,
      generator,
    });
  });

  afterEach(async () => {
    await cleanupRedis(t);
    await t.close();
  });

  it('completes a 5-link batch of 2×2 variations with exact counts and the SPEC folder tree', async () => {
    const productId = await createProduct(t);
    const created = await t.http
      .post('/api/batch')
      .send({ links: tiktokLinks(5).join('\n'), productId, photoVariations: 2, textVariations: 2 });
    expect(created.status).toBe(201);
    expect(created.body.totals).toEqual({ links: 5, variationsPerLink: 4, variations: 20 });

    const status = await waitForEnd(t, created.body.id);
    expect(status.status).toBe('completed');
    expect(status.progress).toBe(100);
    expect(status.links).toEqual({
      total: 5,
      queued: 0,
      processing: 0,
      completed: 5,
      failed: 0,
      cancelled: 0,
      awaitingReview: 0,
    });
    expect(status.variations).toEqual({
      total: 20,
      queued: 0,
      processing: 0,
      completed: 20,
      failed: 0,
      cancelled: 0,
      awaitingReview: 0,
    });
    expect(status.etaSeconds).toBeNull();
    expect(status.recent.length).toBe(10);

    // One analysis per link; one image per (slide, p): 5 links × 3 slides × 2 photo variants, shared by both t.
    expect(generator.analyses).toHaveLength(5);
    expect(generator.images).toHaveLength(5 * 3 * 2);

    const detail = (await t.http.get(`/api/batch/${created.body.id}`)).body;
    const v = detail.links[0].variations;
    expect(v.map((x: { photoIndex: number; textIndex: number }) => `${x.photoIndex}-${x.textIndex}`)).toEqual([
      '1-1',
      '1-2',
      '2-1',
      '2-2',
    ]);
    expect(v[0].files.map((f: { name: string }) => f.name)).toEqual([
      '01.jpg',
      '02.jpg',
      '03.jpg',
      'caption.txt',
      'manifest.json',
    ]);
    const out = path.join(t.config.dataDir, 'output');
    const [batchFolder] = fs.readdirSync(out);
    expect(batchFolder).toMatch(/^Batch_\d{8}-\d{4}_[0-9a-f]{8}$/);
    const linkFolders = fs.readdirSync(path.join(out, batchFolder)).sort();
    expect(linkFolders).toEqual(tiktokLinks(5).map((u, i) => `Link_0${i + 1}_${u.split('/').pop()}`));
    expect(fs.readdirSync(path.join(out, batchFolder, linkFolders[0])).sort()).toEqual([
      'v1-1',
      'v1-2',
      'v2-1',
      'v2-2',
    ]);

    const file = await t.http.get(v[0].files[0].url);
    expect(file.status).toBe(200);
    expect(file.headers['content-type']).toBe('image/jpeg');
    const zip = await t.http
      .get(status.outputUrl)
      .buffer(true)
      .parse((res, cb) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => cb(null, Buffer.concat(chunks)));
      });
    expect(zip.status).toBe(200);
    expect(zip.body.subarray(0, 2).toString()).toBe('PK');
  });
});
