import { FakeDrive, TreeNode } from './fakes/fake-drive';
import { FakeGemini } from './fakes/fake-gemini';
import { FakeTikTok } from './fakes/fake-tiktok';
import { testConfig } from './helpers/test-config';
import { cleanupRedis, createProduct, startTestApp, TestApp, waitForEnd } from './helpers/test-app';

const names = (n: TreeNode) => n.name;
const children = (n: TreeNode) => ('children' in n ? n.children : []);

/** The paid path end to end: TikTok, Gemini and Drive fakes reached through the real SDKs. */
describe('a batch through Gemini and Google Drive', () => {
  let tiktok: FakeTikTok;
  let gemini: FakeGemini;
  let drive: FakeDrive;
  let t: TestApp;
  let parentId: string;

  beforeAll(async () => {
    [tiktok, gemini, drive] = await Promise.all([FakeTikTok.start(), FakeGemini.start(), FakeDrive.start()]);
  });
  afterAll(async () => {
    await Promise.all([tiktok.close(), gemini.close(), drive.close()]);
  });

  beforeEach(async () => {
    gemini.reset();
    drive.reset();
    parentId = drive.addFolder('Studio', drive.addSharedDrive());
    t = await startTestApp(
      await testConfig({
        TIKTOK_BASE_URL: tiktok.baseUrl,
        GEMINI_API_KEYS: 'key-one,key-two',
        GEMINI_BASE_URL: gemini.baseUrl,
        STORAGE: 'drive',
        DRIVE_ROOT_URL: drive.rootUrl,
        DRIVE_PARENT_FOLDER_ID: parentId,
        DRIVE_ACCESS_TOKEN: 'test-access-token',
        VARIATION_RATE_LIMIT: '100/s',
        JOB_ATTEMPTS: '4',
      }),
    );
  });
  afterEach(async () => {
    await cleanupRedis(t);
    await t.close();
  });

  it('delivers the exact folder tree and file names, paying one analysis per link and one image per (slide, p)', async () => {
    const links = [
      tiktok.addPost({ id: '7410000000000000001', slides: 3 }),
      tiktok.addPost({ id: '7410000000000000002', slides: 2, audio: 'm4a' }),
    ];
    const productId = await createProduct(t);
    const res = await t.http
      .post('/api/batch')
      .send({ links, productId, photoVariations: 2, textVariations: 2, review: false });
    expect(res.status).toBe(201);
    expect(res.body.estimate).toMatchObject({ generator: 'gemini', textCalls: 2 });
    const status = await waitForEnd(t, res.body.id);
    expect(status.status).toBe('completed');
    expect(status.outputUrl).toMatch(/^https?:\/\//);

    const root = drive.tree(parentId);
    const [batch] = children(root);
    expect(batch.name).toMatch(/^Batch_\d{8}-\d{4}_[0-9a-f]{8}$/);
    expect(children(batch).map(names).sort()).toEqual(['Link_01_7410000000000000001', 'Link_02_7410000000000000002']);
    const [link1, link2] = [...children(batch)].sort((a, b) => a.name.localeCompare(b.name));
    expect(children(link1).map(names).sort()).toEqual(['v1-1', 'v1-2', 'v2-1', 'v2-2']);
    const v11 = children(link1).find((v) => v.name === 'v1-1')!;
    const slideCount = (await t.http.get(`/api/batch/${res.body.id}`)).body.links[0].variations[0].files.filter(
      (f: { name: string }) => f.name.endsWith('.jpg'),
    ).length;
    expect(children(v11).map(names).sort()).toEqual([
      ...Array.from({ length: slideCount }, (_, i) => `0${i + 1}.jpg`),
      'audio.mp3',
      'caption.txt',
      'manifest.json',
    ]);
    expect(children(children(link2)[0]).map(names)).toContain('audio.m4a');

    // One plan per link; one image per (plan slide, p), shared by both text variants.
    expect(gemini.ok('text')).toHaveLength(2);
    const detail = (await t.http.get(`/api/batch/${res.body.id}`)).body;
    const planSlides = detail.links.map(
      (l: { variations: { files: { name: string }[] }[] }) =>
        l.variations[0].files.filter((f) => f.name.endsWith('.jpg')).length,
    );
    expect(gemini.ok('image')).toHaveLength(2 * (planSlides[0] + planSlides[1]));
  });

  it('after a per-minute 429 burst every worker waits it out and the batch completes; a per-day 429 parks the key and status says so', async () => {
    gemini.exhaustedKeys.add('key-one');
    gemini.fail({ type: 'rate-minute', retryDelay: '1s' }, { kind: 'image', times: 3 });
    const link = tiktok.addPost({ id: '7410000000000000003', slides: 2 });
    const productId = await createProduct(t);
    const res = await t.http
      .post('/api/batch')
      .send({ links: [link], productId, photoVariations: 1, textVariations: 1, review: false });
    const status = await waitForEnd(t, res.body.id);
    expect(status.status).toBe('completed');
    expect(status.notices.join(' ')).toMatch(/used its daily (text|image) quota; it rests until \d{4}-\d\d-\d\dT/);
    // After the 429s, no image call of the same key came sooner than the retry delay asked.
    const limited = gemini.calls.filter((c) => c.fault === 'rate-minute');
    expect(limited.length).toBe(3);
    const after = gemini.calls.filter((c) => c.kind === 'image' && c.status === 200 && c.at > limited[0].at);
    expect(after.length).toBeGreaterThan(0);
    expect(Math.min(...after.map((c) => c.at)) - limited[0].at).toBeGreaterThanOrEqual(900);
    // The parked key made no successful call.
    expect(gemini.ok().every((c) => c.key === 'key-two')).toBe(true);
  });

  it('a variation that failed mid-way and is retried repays no finished image and leaves no twin on Drive', async () => {
    const link = tiktok.addPost({ id: '7410000000000000004', slides: 3 });
    const productId = await createProduct(t);
    // After two images are made, the third is blocked for good (its sanitised retry too): the variation
    // fails in generation.
    gemini.fail({ type: 'blocked', how: 'finish' }, { kind: 'image', times: 2, after: 2 });
    const paid = (kind: 'text' | 'image') =>
      gemini.calls.filter((c) => c.kind === kind && c.status === 200 && !c.fault);
    const first = await t.http
      .post('/api/batch')
      .send({ links: [link], productId, photoVariations: 1, textVariations: 1, review: false });
    const failed = await waitForEnd(t, first.body.id);
    expect(failed.status).toBe('failed');
    expect(failed.failures[0]).toMatchObject({ step: 'generation' });
    const madeBefore = paid('image').map((c) => c.prompt);
    expect(madeBefore).toHaveLength(2);

    await t.http.post(`/api/batch/${first.body.id}/retry-failed`).expect(200);
    const done = await waitForEnd(t, first.body.id);
    expect(done.status).toBe('completed');
    // Images made before the failure were not made again; only the missing ones were.
    const madeAfter = paid('image')
      .slice(madeBefore.length)
      .map((c) => c.prompt);
    expect(madeAfter.length).toBeGreaterThan(0);
    for (const prompt of madeAfter) expect(madeBefore).not.toContain(prompt);
    expect(paid('text')).toHaveLength(1);
    // Every file name exactly once in its folder.
    const walk = (n: TreeNode): string[][] =>
      'children' in n ? [n.children.map(names), ...n.children.flatMap(walk)] : [];
    for (const siblings of walk(drive.tree(parentId))) expect(new Set(siblings).size).toBe(siblings.length);
  });
});
