import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import sharp from 'sharp';
import { FakeDrive, FakeDriveFile, TreeNode } from './fakes/fake-drive';
import { FakeGemini } from './fakes/fake-gemini';
import { FakeTikTok } from './fakes/fake-tiktok';
import { SlideReader } from './helpers/ocr';
import { testConfig } from './helpers/test-config';
import { cleanupRedis, createProduct, startTestApp, TestApp, waitForEnd } from './helpers/test-app';

interface Variation {
  id: string;
  photoIndex: number;
  textIndex: number;
  files: { name: string; url: string }[];
  texts: string[];
  caption: { title: string; description: string; hashtags: string[] };
  edits: { at: string; kind: string; texts?: string[]; caption?: unknown; slide?: number }[];
}

async function variations(t: TestApp, batchId: string): Promise<Map<string, Variation>> {
  const detail = (await t.http.get(`/api/batch/${batchId}`)).body;
  const all: Variation[] = detail.links.flatMap((l: { variations: Variation[] }) => l.variations);
  return new Map(all.map((v) => [`v${v.photoIndex}-${v.textIndex}`, v]));
}

function expectCaptionWithinLimits(text: string, caption: Variation['caption']): void {
  const [title, description, tags] = text.trimEnd().split('\n\n');
  expect(title).toBe(caption.title);
  expect(title.length).toBeGreaterThan(0);
  expect(title.length).toBeLessThanOrEqual(90);
  expect(description.length).toBeLessThanOrEqual(2200);
  const hashtags = tags.split(' ');
  expect(hashtags.length).toBeGreaterThanOrEqual(3);
  expect(hashtags.length).toBeLessThanOrEqual(5);
  for (const tag of hashtags) expect(tag).toMatch(/^#[\p{L}\p{N}_]+$/u);
}

/**
 * Three 1080×1440 slides in mid-dark gradients with nothing light on them. The fake's default slides carry a
 * white circle that a seeded re-framing sometimes zooms under the hook; the renderer then outlines the white
 * letters in black (legible to a person), but OCR reads outlined white-on-white letters unreliably, so the
 * read-back below would depend on the link's random id.
 */
async function plainSlides(dir: string): Promise<string[]> {
  const tones = [
    ['#264653', '#6a4c93'],
    ['#1982c4', '#264653'],
    ['#6a4c93', '#e63946'],
  ];
  return Promise.all(
    tones.map(async ([top, bottom], i) => {
      const svg =
        '<svg xmlns="http://www.w3.org/2000/svg" width="1080" height="1440"><defs>' +
        `<linearGradient id="g" x1="0" y1="0" x2="0" y2="1"><stop offset="0" stop-color="${top}"/>` +
        `<stop offset="1" stop-color="${bottom}"/></linearGradient></defs>` +
        '<rect width="100%" height="100%" fill="url(#g)"/></svg>';
      const file = path.join(dir, `${i + 1}.jpg`);
      await sharp(Buffer.from(svg)).jpeg({ quality: 85 }).toFile(file);
      return file;
    }),
  );
}

describe('editing a variation after seeing it (offline generator, local folder)', () => {
  let tiktok: FakeTikTok;
  let t: TestApp;
  let batchId: string;
  let linkUrl: string;
  let folder: (v: string) => string;
  let slidesDir: string;

  beforeAll(async () => {
    tiktok = await FakeTikTok.start();
    t = await startTestApp(await testConfig({ TIKTOK_BASE_URL: tiktok.baseUrl, VARIATION_RATE_LIMIT: '100/s' }));
    slidesDir = fs.mkdtempSync(path.join(os.tmpdir(), 'edit-slides-'));
    linkUrl = tiktok.addPost({ id: '7430000000000000001', images: await plainSlides(slidesDir) });
    const productId = await createProduct(t);
    const res = await t.http
      .post('/api/batch')
      .send({ links: [linkUrl], productId, photoVariations: 2, textVariations: 2 });
    batchId = res.body.id;
    expect((await waitForEnd(t, batchId, 110_000)).status).toBe('completed');
    const out = path.join(t.config.dataDir, 'output');
    const [batchDir] = fs.readdirSync(out);
    const [linkDir] = fs.readdirSync(path.join(out, batchDir));
    folder = (v) => path.join(out, batchDir, linkDir, v);
  }, 120_000);
  afterAll(async () => {
    await cleanupRedis(t);
    await t.close();
    await tiktok.close();
    fs.rmSync(slidesDir, { recursive: true, force: true });
  });

  const read = (v: string, name: string) => fs.readFileSync(path.join(folder(v), name));

  it('delivers caption.txt and manifest.json with every variation, captions within limits', async () => {
    const all = await variations(t, batchId);
    expect(all.size).toBe(4);
    for (const [name, v] of all) {
      const names = v.files.map((f) => f.name);
      expect(names).toEqual(expect.arrayContaining(['caption.txt', 'manifest.json']));
      expect(fs.readdirSync(folder(name)).sort()).toEqual([...names].sort());
      expectCaptionWithinLimits(read(name, 'caption.txt').toString('utf8'), v.caption);
      const manifest = JSON.parse(read(name, 'manifest.json').toString('utf8'));
      expect(manifest).toMatchObject({
        source: linkUrl,
        generator: 'local',
        caption: { title: v.caption.title, description: v.caption.description },
        hashtags: v.caption.hashtags,
        cost: { currency: 'USD', amount: 0 },
      });
      expect(manifest.slides.map((s: { text: string }) => s.text)).toEqual(v.texts);
      expect(manifest.slides.map((s: { file: string }) => s.file)).toEqual(names.filter((n) => n.endsWith('.jpg')));
      for (const s of manifest.slides) expect(s.style).toHaveProperty('box');
    }
    // The two text variants carry different captions.
    expect(all.get('v1-1')!.caption.title).not.toBe(all.get('v1-2')!.caption.title);
  });

  it('re-renders one variation with new texts, in place, keeping the old texts in its history', async () => {
    const before = await variations(t, batchId);
    const v = before.get('v1-1')!;
    const old = { slide1: read('v1-1', '01.jpg'), other: read('v1-2', '01.jpg'), photo2: read('v2-1', '01.jpg') };
    const texts = v.texts.map((_, i) => (i === 0 ? 'EDITED HOOK' : `Edited slide ${i + 1}`));
    const res = await t.http.put(`/api/batch/${batchId}/variations/${v.id}/texts`).send({ texts });
    expect(res.status).toBe(200);
    expect(res.body.variations).toHaveLength(1);
    expect(res.body.variations[0].texts).toEqual(texts);
    expect(res.body.variations[0].edits).toEqual([{ at: expect.any(String), kind: 'texts', texts: v.texts }]);

    // Same files, same names, new bytes; no temp file left; the other variations untouched.
    expect(fs.readdirSync(folder('v1-1')).sort()).toEqual(v.files.map((f) => f.name).sort());
    expect(res.body.variations[0].files).toEqual(v.files);
    expect(read('v1-1', '01.jpg').equals(old.slide1)).toBe(false);
    expect(read('v1-2', '01.jpg').equals(old.other)).toBe(true);
    expect(read('v2-1', '01.jpg').equals(old.photo2)).toBe(true);
    const manifest = JSON.parse(read('v1-1', 'manifest.json').toString('utf8'));
    expect(manifest.slides.map((s: { text: string }) => s.text)).toEqual(texts);
    expect(manifest.editedAt).toEqual(expect.any(String));

    // The rendered slide carries the new words (read as the acceptance reads slides: several views pooled).
    const reader = await SlideReader.start();
    try {
      const { words } = await reader.read(read('v1-1', '01.jpg'), 1080);
      expect([...words]).toEqual(expect.arrayContaining(['edited', 'hook']));
    } finally {
      await reader.close();
    }
  }, 90_000);

  it('applies texts to every photo variant of a text variant', async () => {
    const before = await variations(t, batchId);
    const v12 = before.get('v1-2')!;
    const texts = v12.texts.map((_, i) => `Both photos ${i + 1}`);
    const res = await t.http
      .put(`/api/batch/${batchId}/variations/${v12.id}/texts`)
      .send({ texts, allPhotoVariants: true });
    expect(res.status).toBe(200);
    expect(res.body.variations.map((x: Variation) => `v${x.photoIndex}-${x.textIndex}`)).toEqual(['v1-2', 'v2-2']);
    const after = await variations(t, batchId);
    expect(after.get('v1-2')!.texts).toEqual(texts);
    expect(after.get('v2-2')!.texts).toEqual(texts);
    expect(after.get('v2-1')!.texts).toEqual(before.get('v2-1')!.texts);
    expect(after.get('v2-2')!.edits).toHaveLength(1);
  });

  it('refuses bad edits with the field named and changes nothing', async () => {
    const before = await variations(t, batchId);
    const v = before.get('v2-1')!;
    const bytes = read('v2-1', '01.jpg');
    const caption = read('v2-1', 'caption.txt');
    const put = (body: object, id = v.id) => t.http.put(`/api/batch/${batchId}/variations/${id}/texts`).send(body);

    const short = await put({ texts: ['only one'] });
    expect(short.status).toBe(400);
    expect(JSON.stringify(short.body.message)).toMatch(/texts: expected \d+ texts \(one per slide\), got 1/);

    const long = await put({ texts: v.texts.map((s, i) => (i === 1 ? 'x'.repeat(5000) : s)) });
    expect(long.status).toBe(400);
    expect(JSON.stringify(long.body.message)).toMatch(/texts\.1: .*5000 characters; at most 500/);

    const notStrings = await put({ texts: [1, 2, 3] });
    expect(notStrings.status).toBe(400);
    expect(JSON.stringify(notStrings.body.message)).toMatch(/texts/);

    const unknown = await put({ texts: v.texts }, '00000000-0000-4000-8000-000000000000');
    expect(unknown.status).toBe(404);
    expect(unknown.body.message).toMatch(/variationId/);

    const badCaption = await t.http
      .put(`/api/batch/${batchId}/variations/${v.id}/caption`)
      .send({ title: 'ok', description: '', hashtags: ['#a', '#b', '#c', '#d', '#e', '#f'] });
    expect(badCaption.status).toBe(400);
    expect(JSON.stringify(badCaption.body.message)).toMatch(/caption\.hashtags/);
    const longTitle = await t.http
      .put(`/api/batch/${batchId}/variations/${v.id}/caption`)
      .send({ title: 't'.repeat(91), description: '', hashtags: ['#a', '#b', '#c'] });
    expect(longTitle.status).toBe(400);
    expect(JSON.stringify(longTitle.body.message)).toMatch(/title/);

    const after = (await variations(t, batchId)).get('v2-1')!;
    expect(after.texts).toEqual(v.texts);
    expect(after.caption).toEqual(v.caption);
    expect(after.edits).toEqual(v.edits);
    expect(read('v2-1', '01.jpg').equals(bytes)).toBe(true);
    expect(read('v2-1', 'caption.txt').equals(caption)).toBe(true);
  });

  it('edits the caption: caption.txt and the manifest are delivered again, the old caption kept', async () => {
    const v = (await variations(t, batchId)).get('v2-1')!;
    const caption = { title: 'My new title', description: 'A new description', hashtags: ['#glow', '#serum', '#fyp'] };
    const res = await t.http.put(`/api/batch/${batchId}/variations/${v.id}/caption`).send(caption);
    expect(res.status).toBe(200);
    expect(res.body.caption).toEqual(caption);
    expect(res.body.edits.at(-1)).toMatchObject({ kind: 'caption', caption: v.caption });
    expect(read('v2-1', 'caption.txt').toString('utf8')).toBe(
      'My new title\n\nA new description\n\n#glow #serum #fyp\n',
    );
    expect(JSON.parse(read('v2-1', 'manifest.json').toString('utf8'))).toMatchObject({
      caption: { title: 'My new title' },
      hashtags: caption.hashtags,
    });
  });

  it('regenerates one slide of one photo variant offline for free: a new re-frame under every text variant', async () => {
    const all = await variations(t, batchId);
    const link = (await t.http.get(`/api/batch/${batchId}`)).body.links[0];
    const quote = await t.http.get(`/api/batch/${batchId}/links/${link.id}/slides/1/regenerate?photoVariant=1`);
    expect(quote.status).toBe(200);
    expect(quote.body).toMatchObject({ generator: 'local', imageCalls: 0, cost: 0, slideIndex: 1, photoVariant: 1 });
    expect([...quote.body.variationIds].sort()).toEqual([all.get('v1-1')!.id, all.get('v1-2')!.id].sort());

    const old = (v: string) => read(v, '02.jpg');
    const before = { v11: old('v1-1'), v12: old('v1-2'), v21: old('v2-1'), first: read('v1-1', '01.jpg') };
    const res = await t.http
      .post(`/api/batch/${batchId}/links/${link.id}/slides/1/regenerate`)
      .send({ photoVariant: 1 });
    expect(res.status).toBe(200);
    expect(res.body.variations).toHaveLength(2);
    expect(old('v1-1').equals(before.v11)).toBe(false);
    expect(old('v1-2').equals(before.v12)).toBe(false);
    expect(old('v2-1').equals(before.v21)).toBe(true);
    expect(read('v1-1', '01.jpg').equals(before.first)).toBe(true);
    // The edited texts stay on the new image.
    expect(res.body.variations[0].texts[0]).toBe('EDITED HOOK');

    const missing = await t.http
      .post(`/api/batch/${batchId}/links/${link.id}/slides/99/regenerate`)
      .send({ photoVariant: 1 });
    expect(missing.status).toBe(404);
    expect(missing.body.message).toMatch(/index/);
  });
});

const children = (n: TreeNode) => ('children' in n ? n.children : []);

describe('editing a variation after seeing it (Gemini, Google Drive)', () => {
  let tiktok: FakeTikTok;
  let gemini: FakeGemini;
  let drive: FakeDrive;
  let t: TestApp;
  let parentId: string;
  let batchId: string;

  /** The files of Drive folder `v<p>-<t>`: name → file. */
  const driveFiles = (v: string): Map<string, FakeDriveFile> => {
    const dir = [...drive.files.values()].find((f) => f.name === v && f.mimeType.endsWith('folder'))!;
    return new Map([...drive.files.values()].filter((f) => f.parents.includes(dir.id)).map((f) => [f.name, f]));
  };
  const snapshot = (v: string) =>
    new Map([...driveFiles(v)].map(([name, f]) => [name, { id: f.id, content: Buffer.from(f.content ?? []) }]));

  beforeAll(async () => {
    [tiktok, gemini, drive] = await Promise.all([FakeTikTok.start(), FakeGemini.start(), FakeDrive.start()]);
    parentId = drive.addFolder('Studio', drive.addSharedDrive());
    t = await startTestApp(
      await testConfig({
        TIKTOK_BASE_URL: tiktok.baseUrl,
        GEMINI_API_KEYS: 'key-one',
        GEMINI_BASE_URL: gemini.baseUrl,
        STORAGE: 'drive',
        DRIVE_ROOT_URL: drive.rootUrl,
        DRIVE_PARENT_FOLDER_ID: parentId,
        DRIVE_ACCESS_TOKEN: 'test-access-token',
        VARIATION_RATE_LIMIT: '100/s',
        PRICE_PER_IMAGE_CALL: '0.04',
      }),
    );
    const link = tiktok.addPost({ id: '7430000000000000002', slides: 2 });
    const productId = await createProduct(t);
    const res = await t.http
      .post('/api/batch')
      .send({ links: [link], productId, photoVariations: 2, textVariations: 2, review: false });
    batchId = res.body.id;
    expect((await waitForEnd(t, batchId, 240_000)).status).toBe('completed');
  }, 300_000);
  afterAll(async () => {
    await cleanupRedis(t);
    await t.close();
    await Promise.all([tiktok.close(), gemini.close(), drive.close()]);
  });

  it('edit-after makes no Gemini call and updates the same Drive files, no twins', async () => {
    const v = (await variations(t, batchId)).get('v1-1')!;
    const calls = gemini.calls.length;
    const before = snapshot('v1-1');
    expect([...before.keys()]).toEqual(expect.arrayContaining(['caption.txt', 'manifest.json', '01.jpg']));
    const texts = v.texts.map((_, i) => `Drive edit ${i + 1}`);
    const res = await t.http.put(`/api/batch/${batchId}/variations/${v.id}/texts`).send({ texts });
    expect(res.status).toBe(200);
    expect(gemini.calls.length).toBe(calls);

    const after = snapshot('v1-1');
    expect([...after.keys()].sort()).toEqual([...before.keys()].sort());
    for (const [name, f] of after) expect(f.id).toBe(before.get(name)!.id);
    expect(after.get('01.jpg')!.content.equals(before.get('01.jpg')!.content)).toBe(false);
    const manifest = JSON.parse(after.get('manifest.json')!.content.toString('utf8'));
    expect(manifest.slides.map((s: { text: string }) => s.text)).toEqual(texts);
    expect(manifest.generator).toBe('gemini');
    expect(manifest.cost.amount).toBeGreaterThan(0);
    expect(res.body.variations[0].edits[0].texts).toEqual(v.texts);
    expectCaptionWithinLimits(after.get('caption.txt')!.content.toString('utf8'), v.caption);

    const walk = (n: TreeNode): string[][] =>
      'children' in n ? [n.children.map((c) => c.name), ...n.children.flatMap(walk)] : [];
    for (const siblings of walk(drive.tree(parentId))) expect(new Set(siblings).size).toBe(siblings.length);
    expect(children(drive.tree(parentId))).toHaveLength(1);
  });

  it('regenerate-one-slide shows its price, makes exactly one image call and re-renders every variation on it', async () => {
    const link = (await t.http.get(`/api/batch/${batchId}`)).body.links[0];
    const quote = await t.http.get(`/api/batch/${batchId}/links/${link.id}/slides/0/regenerate?photoVariant=2`);
    expect(quote.status).toBe(200);
    expect(quote.body).toMatchObject({ generator: 'gemini', imageCalls: 1, cost: 0.04 });
    expect(quote.body.variationIds).toHaveLength(2);

    const images = gemini.ok('image').length;
    const texts = gemini.ok('text').length;
    const before = { v21: snapshot('v2-1'), v22: snapshot('v2-2'), v11: snapshot('v1-1') };
    const res = await t.http
      .post(`/api/batch/${batchId}/links/${link.id}/slides/0/regenerate`)
      .send({ photoVariant: 2 });
    expect(res.status).toBe(200);
    expect(gemini.ok('image').length).toBe(images + 1);
    expect(gemini.ok('text').length).toBe(texts);

    for (const [v, old] of [
      ['v2-1', before.v21],
      ['v2-2', before.v22],
    ] as const) {
      const now = snapshot(v);
      expect(now.get('01.jpg')!.id).toBe(old.get('01.jpg')!.id);
      expect(now.get('01.jpg')!.content.equals(old.get('01.jpg')!.content)).toBe(false);
      expect(now.get('02.jpg')!.content.equals(old.get('02.jpg')!.content)).toBe(true);
    }
    expect(snapshot('v1-1').get('01.jpg')!.content.equals(before.v11.get('01.jpg')!.content)).toBe(true);
    for (const v of res.body.variations) expect(v.edits.at(-1)).toMatchObject({ kind: 'slide', slide: 0 });
  });
});
