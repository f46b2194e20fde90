import * as fs from 'node:fs';
import * as path from 'node:path';
import sharp from 'sharp';
import { testConfig } from './helpers/test-config';
import { cleanupRedis, startTestApp, TestApp } from './helpers/test-app';
import { TestGenerator, TestSource } from './helpers/test-doubles';

/** Uploads are decided by decoding, re-encoded without metadata, stored under generated names, size-capped. */
const MAX = 300_000;

function filesUnder(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => path.relative(dir, path.join(e.parentPath, e.name)))
    .sort();
}

describe('upload safety', () => {
  let t: TestApp;
  let jpeg: Buffer;

  beforeAll(async () => {
    t = await startTestApp(await testConfig({ UPLOAD_MAX_BYTES: String(MAX) }), {
      source: new TestSource(),
      generator: new TestGenerator(),
    });
    jpeg = await sharp({ create: { width: 320, height: 240, channels: 3, background: { r: 200, g: 90, b: 40 } } })
      .jpeg()
      .toBuffer();
  });
  afterAll(async () => {
    await cleanupRedis(t);
    await t.close();
  });

  const upload = (bytes: Buffer, filename: string, contentType?: string) =>
    t.http
      .post('/api/products')
      .field('description', 'a product')
      .attach('photo', bytes, contentType ? { filename, contentType } : filename);

  async function productCount(): Promise<number> {
    return Number((await t.ds.query('SELECT COUNT(*) AS n FROM products'))[0].n);
  }

  it('refuses polyglots and fakes with an image name or type: 400 with a reason, nothing stored', async () => {
    const png = await sharp({ create: { width: 200, height: 200, channels: 3, background: '#123456' } })
      .png()
      .toBuffer();
    const gif = Buffer.concat([Buffer.from('GIF89a'), Buffer.from([0x01, 0x00, 0x01, 0x00, 0x80, 0x00, 0x00]), jpeg]);
    const zip = Buffer.concat([Buffer.from('PK\x03\x04\x14\x00\x00\x00\x08\x00', 'latin1'), Buffer.alloc(200, 7)]);
    const html = Buffer.from('<!DOCTYPE html><html><script>fetch("/api/batch",{method:"DELETE"})</script></html>');
    const svg = Buffer.from(
      '<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><rect width="300" height="300"/></svg>',
    );
    const cases: [string, Buffer, string, string?][] = [
      ['HTML/JS named .png', html, 'evil.png', 'image/png'],
      ['SVG with script named .jpg', svg, 'evil.jpg', 'image/jpeg'],
      ['ZIP named .png', zip, 'archive.png', 'image/png'],
      ['GIF header with a JPEG inside (GIF/JPEG polyglot)', gif, 'poly.jpg', 'image/jpeg'],
      [
        'PNG signature then garbage',
        Buffer.concat([png.subarray(0, 16), Buffer.alloc(4000, 0x41)]),
        'broken.png',
        'image/png',
      ],
      ['truncated JPEG', jpeg.subarray(0, Math.floor(jpeg.length / 2)), 'half.jpg', 'image/jpeg'],
      ['empty file', Buffer.alloc(0), 'empty.jpg', 'image/jpeg'],
    ];
    const before = filesUnder(t.config.dataDir);
    for (const [label, bytes, name, type] of cases) {
      const res = await upload(bytes, name, type);
      expect({ label, status: res.status }).toEqual({ label, status: 400 });
      expect(String(res.body.message)).toMatch(/photo/);
    }
    expect(await productCount()).toBe(0);
    expect(filesUnder(t.config.dataDir)).toEqual(before);
  });

  it('re-encodes a JPEG carrying a trailing script: the stored photo has none of the extra bytes', async () => {
    const payload = '<script>alert("polyglot")</script>';
    const res = await upload(Buffer.concat([jpeg, Buffer.from(payload)]), 'nice.jpg');
    expect(res.status).toBe(201);
    const stored = await t.http.get(res.body.photoUrl).buffer(true);
    expect(stored.headers['content-type']).toBe('image/jpeg');
    expect(stored.body.includes(Buffer.from('polyglot'))).toBe(false);
    expect((await sharp(stored.body).metadata()).format).toBe('jpeg');
  });

  it('stores a path-traversal file name under a generated name, inside DATA_DIR/uploads only', async () => {
    const outside = path.resolve(t.config.dataDir, '..', '..', 'etc', 'passwd.png');
    const before = filesUnder(t.config.dataDir);
    for (const name of [
      '../../etc/passwd.png',
      '..\\..\\evil.png',
      '/tmp/abs.png',
      'a/../../b.png',
      '%2e%2e%2fx.png',
    ]) {
      const res = await upload(jpeg, name);
      expect({ name, status: res.status }).toEqual({ name, status: 201 });
    }
    // A NUL in the part header is refused by the multipart parser: a 400 that names the problem.
    const nul = await upload(jpeg, 'nul\u0000.png');
    expect(nul.status).toBe(400);
    expect(String(nul.body.message)).toBeTruthy();
    // curl-style batch multipart: the photo_1 file name is just as inert.
    const batch = await t.http
      .post('/api/batch')
      .field('links', 'https://www.tiktok.com/@maker/photo/7300000000000000001')
      .field('photoVariations', '1')
      .field('textVariations', '1')
      .field('description_1', 'desc')
      .attach('photo_1', jpeg, '../../../../../../tmp/pwned.jpg');
    expect(batch.status).toBe(201);

    const added = filesUnder(t.config.dataDir).filter((f) => !before.includes(f) && f.startsWith('uploads'));
    expect(added).toHaveLength(6); // 5 products + the batch's inline product
    for (const f of added) expect(f).toMatch(/^uploads\/[0-9a-f-]{36}\.jpg$/);
    expect(fs.existsSync(outside)).toBe(false);
    expect(fs.existsSync('/tmp/pwned.jpg')).toBe(false);
    const rows: { photoFile: string }[] = await t.ds.query('SELECT "photoFile" FROM products');
    for (const r of rows) expect(r.photoFile).toMatch(/^[0-9a-f-]{36}\.(jpg|png)$/);
  });

  it('answers 413 with a message for an upload over UPLOAD_MAX_BYTES, and for a JSON body over 1 MB', async () => {
    const count = await productCount();
    const big = await sharp({
      create: {
        width: 1400,
        height: 1400,
        channels: 3,
        background: '#808080',
        noise: { type: 'gaussian', mean: 128, sigma: 60 },
      },
    })
      .jpeg({ quality: 100 })
      .toBuffer();
    expect(big.length).toBeGreaterThan(MAX);
    const res = await upload(big, 'big.jpg');
    expect(res.status).toBe(413);
    expect(String(res.body.message)).toBeTruthy();
    const json = await t.http
      .post('/api/batch')
      .set('Content-Type', 'application/json')
      .send(JSON.stringify({ links: 'x'.repeat(1_200_000) }));
    expect(json.status).toBe(413);
    expect(json.body.message).toBe('the request body is too large');
    expect(await productCount()).toBe(count);
  });

  it('strips EXIF and GPS from the stored photo (orientation applied)', async () => {
    const tagged = await sharp({ create: { width: 300, height: 200, channels: 3, background: '#3366aa' } })
      .jpeg()
      .withMetadata({ orientation: 6 })
      .withExifMerge({
        IFD0: { Copyright: 'SECRET-OWNER', Artist: 'SECRET-ARTIST' },
        IFD3: { GPSLatitudeRef: 'N', GPSLatitude: '48/1 51/1 0/1' },
      })
      .toBuffer();
    const meta = await sharp(tagged).metadata();
    expect(meta.orientation).toBe(6);
    expect(tagged.includes(Buffer.from('SECRET-OWNER'))).toBe(true);

    const res = await upload(tagged, 'tagged.jpg');
    expect(res.status).toBe(201);
    // Orientation 6 is a 90° turn: applied to the pixels, then dropped.
    expect([res.body.width, res.body.height]).toEqual([200, 300]);
    const stored = (await t.http.get(res.body.photoUrl).buffer(true)).body as Buffer;
    const out = await sharp(stored).metadata();
    expect(out.exif).toBeUndefined();
    expect(out.xmp).toBeUndefined();
    expect(out.iptc).toBeUndefined();
    expect(out.orientation).toBeUndefined();
    expect(stored.includes(Buffer.from('SECRET'))).toBe(false);
  });
});
