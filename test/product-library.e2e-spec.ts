import sharp from 'sharp';
import { testConfig } from './helpers/test-config';
import { cleanupRedis, createProduct, startTestApp, TestApp, tiktokLinks } from './helpers/test-app';

/** The saved-product library and the intake limits, through the real app (no workers needed). */
describe('product library and batch limits', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp(await testConfig({ WORKERS: 'false', UPLOAD_MAX_BYTES: String(300 * 1024) }));
  });
  afterAll(async () => {
    await cleanupRedis(t);
    await t.close();
  });

  it('lists saved products with thumbnails, renames, refuses to delete a used one and deletes an unused one', async () => {
    const used = await createProduct(t, 'Glow serum: vitamin C for brighter skin');
    const unused = await createProduct(t, 'Night cream');
    const list = await t.http.get('/api/products').expect(200);
    expect(list.body.maxPhotoBytes).toBe(300 * 1024);
    expect(list.body.items.map((p: { id: string }) => p.id).sort()).toEqual([unused, used].sort());
    const night = list.body.items.find((p: { id: string }) => p.id === unused);
    expect(night).toMatchObject({ name: null, description: 'Night cream', uses: 0 });

    // The thumbnail is a small WebP, made once.
    const thumbUrl = night.thumbnailUrl;
    const thumb = await t.http.get(thumbUrl).buffer(true).expect(200);
    expect(thumb.headers['content-type']).toContain('image/webp');
    const meta = await sharp(thumb.body as Buffer).metadata();
    expect(meta).toMatchObject({ format: 'webp', width: 160 });
    expect((await t.http.get(thumbUrl).buffer(true)).body).toEqual(thumb.body);

    const renamed = await t.http.patch(`/api/products/${used}`).send({ name: '  Glow serum  ' }).expect(200);
    expect(renamed.body).toMatchObject({ name: 'Glow serum', description: 'Glow serum: vitamin C for brighter skin' });
    const bad = await t.http.patch(`/api/products/${used}`).send({ name: 'x'.repeat(201) });
    expect(bad.status).toBe(400);
    expect(bad.body.message).toMatch(/name is over 200 characters/);
    expect((await t.http.patch(`/api/products/${used}`).send({})).status).toBe(400);
    expect((await t.http.patch(`/api/products/not-a-uuid`).send({ name: 'x' })).status).toBe(400);

    const batch = await t.http
      .post('/api/batch')
      .send({ links: tiktokLinks(2), productId: used, photoVariations: 1, textVariations: 1 });
    expect(batch.status).toBe(201);
    const conflict = await t.http.delete(`/api/products/${used}`);
    expect(conflict.status).toBe(409);
    expect(conflict.body.message).toMatch(/used by 2 batch links; delete those batches first/);
    expect((await t.http.get(`/api/products/${used}`)).body).toMatchObject({ uses: 2, name: 'Glow serum' });

    await t.http.delete(`/api/products/${unused}`).expect(204);
    expect((await t.http.get(`/api/products/${unused}`)).status).toBe(404);
    expect((await t.http.get(thumbUrl)).status).toBe(404);
    const after = await t.http.get('/api/products').expect(200);
    expect(after.body.items.map((p: { id: string }) => p.id)).toEqual([used]);
  });

  it('a photo over UPLOAD_MAX_BYTES is a 413 that states the limit; nothing is saved', async () => {
    const before = (await t.http.get('/api/products')).body.items.length;
    const noise = Buffer.alloc(700 * 700 * 3);
    for (let i = 0; i < noise.length; i++) noise[i] = (i * 7919) % 251;
    const big = await sharp(noise, { raw: { width: 700, height: 700, channels: 3 } })
      .jpeg({ quality: 100 })
      .toBuffer();
    expect(big.length).toBeGreaterThan(300 * 1024);
    const res = await t.http.post('/api/products').field('description', 'Big').attach('photo', big, 'big.jpg');
    expect(res.status).toBe(413);
    expect(res.body.message).toBe(
      'photo: the file is larger than the 300 KB limit (UPLOAD_MAX_BYTES); choose a smaller JPEG, PNG or WebP',
    );
    expect((await t.http.get('/api/products')).body.items.length).toBe(before);
  });

  it('more than 100 links is a 400 that says so, and nothing starts', async () => {
    const productId = await createProduct(t, 'Serum');
    const batchesBefore = (await t.http.get('/api/batch')).body.total;
    const res = await t.http
      .post('/api/batch')
      .send({ links: tiktokLinks(101), productId, photoVariations: 1, textVariations: 1 });
    expect(res.status).toBe(400);
    expect(res.body.message).toBe(
      'links: 101 links, but a batch takes at most 100; remove 1 and start again (nothing was started)',
    );
    expect((await t.http.get('/api/batch')).body.total).toBe(batchesBefore);
    // 100 is fine.
    const ok = await t.http
      .post('/api/batch')
      .send({ links: tiktokLinks(100), productId, photoVariations: 1, textVariations: 1 });
    expect(ok.status).toBe(201);
  });
});
