import { generateKeyPairSync } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { isPermanent, isTransient, PermanentError } from '../src/common/errors';
import { DriveStorage } from '../src/drive/drive-storage';
import { FakeDrive } from './fakes/fake-drive';
import { testConfig } from './helpers/test-config';

/** DriveStorage through the real googleapis client against a loopback Drive v3. */
describe('DriveStorage (googleapis → fake Drive)', () => {
  let fake: FakeDrive;
  beforeAll(async () => {
    fake = await FakeDrive.start();
  });
  afterAll(() => fake.close());
  beforeEach(() => fake.reset());

  const storage = async (parentId: string, env: Record<string, string> = {}) =>
    new DriveStorage(
      await testConfig({
        STORAGE: 'drive',
        DRIVE_ROOT_URL: fake.rootUrl,
        DRIVE_PARENT_FOLDER_ID: parentId,
        DRIVE_ACCESS_TOKEN: 'test-access-token',
        ...env,
      }),
    );

  async function deliver(s: DriveStorage) {
    const batch = await s.ensureFolder(null, 'Batch_20250301-0930_ab12cd34');
    const link = await s.ensureFolder(batch.id, 'Link_01_7301234567890123456');
    const v11 = await s.ensureFolder(link.id, 'v1-1');
    const v12 = await s.ensureFolder(link.id, 'v1-2');
    const files = [
      await s.putFile(v11.id, '01.jpg', Buffer.alloc(1500, 1), 'image/jpeg'),
      await s.putFile(v11.id, '02.jpg', Buffer.alloc(2500, 2), 'image/jpeg'),
      await s.putFile(v11.id, 'audio.mp3', Buffer.alloc(900, 3), 'audio/mpeg'),
      await s.putFile(v12.id, '01.jpg', Buffer.alloc(1700, 4), 'image/jpeg'),
    ];
    return { batch, link, v11, v12, files };
  }

  const expectedTree = (rootName: string) => ({
    name: rootName,
    children: [
      {
        name: 'Batch_20250301-0930_ab12cd34',
        children: [
          {
            name: 'Link_01_7301234567890123456',
            children: [
              {
                name: 'v1-1',
                children: [
                  { name: '01.jpg', size: 1500 },
                  { name: '02.jpg', size: 2500 },
                  { name: 'audio.mp3', size: 900 },
                ],
              },
              { name: 'v1-2', children: [{ name: '01.jpg', size: 1700 }] },
            ],
          },
        ],
      },
    ],
  });

  it('builds the batch / link / variation tree in a shared drive, with real bytes and view links', async () => {
    const root = fake.addSharedDrive('Slideshows');
    const s = await storage(root);
    const { batch, files } = await deliver(s);
    expect(fake.tree(root)).toEqual(expectedTree('Slideshows'));
    expect(batch.url).toBe(`https://drive.google.com/drive/folders/${batch.id}`);
    expect(files[0].url).toMatch(/^https:\/\/drive\.google\.com\/file\/d\/.+\/view/);
    // Every request carried the token; uploads used the multipart endpoint on the fake, not Google's.
    expect(fake.requests.every((r) => r.auth === 'Bearer test-access-token')).toBe(true);
    expect(fake.requests.filter((r) => r.route === 'upload').every((r) => r.query.uploadType === 'multipart')).toBe(
      true,
    );
  });

  it('is idempotent: ensureFolder and putFile again (a retried job) make no twins and return the same ids', async () => {
    const root = fake.addSharedDrive();
    const first = await deliver(await storage(root));
    // A fresh instance, as after a worker restart.
    const again = await deliver(await storage(root));
    expect(again.batch.id).toBe(first.batch.id);
    expect(again.files.map((f) => f.id)).toEqual(first.files.map((f) => f.id));
    expect(fake.tree(root)).toEqual(expectedTree('Team Drive'));
    expect(fake.requests.filter((r) => r.route === 'upload')).toHaveLength(4);
  });

  it('reads a delivered file back byte for byte (alt=media), retrying a 503, and says when it is gone', async () => {
    const root = fake.addSharedDrive();
    const s = await storage(root);
    const { v11 } = await deliver(s);
    fake.fail(503, { route: 'download' });
    const bytes = await s.readFile(v11.id, '02.jpg');
    expect(bytes.equals(Buffer.alloc(2500, 2))).toBe(true);
    expect(fake.requests.filter((r) => r.route === 'download').map((r) => r.status)).toEqual([503, 200]);
    const missing = await s.readFile(v11.id, '09.jpg').catch((e: unknown) => e);
    expect(isPermanent(missing)).toBe(true);
    expect((missing as Error).message).toContain('no file "09.jpg"');
  });

  it('finds names with quotes and backslashes (q escaping)', async () => {
    const root = fake.addSharedDrive();
    const s = await storage(root);
    const a = await s.ensureFolder(null, "it's a \\ test");
    const b = await s.ensureFolder(null, "it's a \\ test");
    expect(b.id).toBe(a.id);
    expect(fake.tree(root)).toEqual({ name: 'Team Drive', children: [{ name: "it's a \\ test", children: [] }] });
  });

  it('shares the batch folder per DRIVE_SHARE (children inherit): anyone, domain, none', async () => {
    const root = fake.addSharedDrive();
    const anyone = await (await storage(root)).ensureFolder(null, 'Batch_A');
    const domain = await (await storage(root, { DRIVE_SHARE: 'domain:example.com' })).ensureFolder(null, 'Batch_B');
    const none = await (await storage(root, { DRIVE_SHARE: 'none' })).ensureFolder(null, 'Batch_C');
    const s = await storage(root);
    await s.ensureFolder(anyone.id, 'Link_01_1');
    expect(fake.files.get(anyone.id)?.permissions).toEqual([{ type: 'anyone', role: 'reader' }]);
    expect(fake.files.get(domain.id)?.permissions).toEqual([{ type: 'domain', role: 'reader', domain: 'example.com' }]);
    expect(fake.files.get(none.id)?.permissions).toEqual([]);
    expect(fake.requests.filter((r) => r.route === 'permissions')).toHaveLength(2);
  });

  it('retries 503 and 429 with backoff, then succeeds', async () => {
    const root = fake.addSharedDrive();
    const s = await storage(root);
    fake.fail(429, { route: 'create' });
    const folder = await s.ensureFolder(null, 'Batch_X');
    fake.fail(503, { route: 'upload', times: 2 });
    const file = await s.putFile(folder.id, '01.jpg', Buffer.alloc(1000, 7), 'image/jpeg');
    expect(fake.files.get(file.id)?.size).toBe(1000);
    expect(fake.requests.filter((r) => r.route === 'upload').map((r) => r.status)).toEqual([503, 503, 200]);
    expect(fake.tree(root)).toEqual({
      name: 'Team Drive',
      children: [{ name: 'Batch_X', children: [{ name: '01.jpg', size: 1000 }] }],
    });
  });

  it('a retried upload whose first answer was lost finds the stored file instead of making a twin', async () => {
    const root = fake.addSharedDrive();
    const s = await storage(root);
    const folder = await s.ensureFolder(null, 'Batch_Y');
    fake.fail(503, { route: 'upload', afterWrite: true });
    const file = await s.putFile(folder.id, '01.jpg', Buffer.alloc(800, 9), 'image/jpeg');
    expect(fake.tree(folder.id)).toEqual({ name: 'Batch_Y', children: [{ name: '01.jpg', size: 800 }] });
    expect(fake.files.get(file.id)?.name).toBe('01.jpg');
    expect(fake.requests.filter((r) => r.route === 'upload')).toHaveLength(1);
  });

  it('an upload cut half-way leaves nothing on Drive; the retry stores one whole file (no twin)', async () => {
    const root = fake.addSharedDrive();
    const s = await storage(root);
    const folder = await s.ensureFolder(null, 'Batch_Z');
    fake.cutUploads(1);
    const bytes = Buffer.alloc(512 * 1024, 7);
    const file = await s.putFile(folder.id, '01.jpg', bytes, 'image/jpeg');
    expect(fake.tree(folder.id)).toEqual({ name: 'Batch_Z', children: [{ name: '01.jpg', size: bytes.length }] });
    expect(fake.files.get(file.id)?.content?.equals(bytes)).toBe(true);
    expect(fake.requests.filter((r) => r.route === 'upload').map((r) => r.status)).toEqual([0, 200]);
  });

  it('replaceFile updates the same file in place (same id, new bytes, no twin), retries a 503, makes a missing file', async () => {
    const root = fake.addSharedDrive();
    const s = await storage(root);
    const folder = await s.ensureFolder(null, 'Batch_R');
    const first = await s.putFile(folder.id, '01.jpg', Buffer.alloc(500, 1), 'image/jpeg');
    fake.fail(503, { route: 'update' });
    const again = await s.replaceFile(folder.id, '01.jpg', Buffer.alloc(700, 2), 'image/jpeg');
    expect(again.id).toBe(first.id);
    expect(fake.files.get(first.id)?.content).toEqual(Buffer.alloc(700, 2));
    expect(fake.requests.filter((r) => r.route === 'update').map((r) => r.status)).toEqual([503, 200]);
    const made = await s.replaceFile(folder.id, 'caption.txt', Buffer.from('hi'), 'text/plain');
    expect(fake.tree(folder.id)).toEqual({
      name: 'Batch_R',
      children: [
        { name: '01.jpg', size: 700 },
        { name: 'caption.txt', size: 2 },
      ],
    });
    expect(Buffer.from(await s.readFile(folder.id, 'caption.txt'))).toEqual(Buffer.from('hi'));
    expect(made.id).not.toBe(first.id);
  });

  it('gives up on a persistent 503 with a TransientError, and fails a 403 at once with a PermanentError', async () => {
    const root = fake.addSharedDrive();
    const s = await storage(root);
    const folder = await s.ensureFolder(null, 'Batch_Z');
    fake.fail(503, { route: 'upload', times: 10 });
    const transient = await s.putFile(folder.id, '01.jpg', Buffer.alloc(10), 'image/jpeg').catch((e: unknown) => e);
    expect(isTransient(transient)).toBe(true);
    expect((transient as Error).message).toMatch(/failed after 4 tries: 503/);

    fake.reset();
    const root2 = fake.addSharedDrive();
    const s2 = await storage(root2);
    const folder2 = await s2.ensureFolder(null, 'Batch_Z');
    fake.fail(403, { route: 'upload', reason: 'insufficientFilePermissions' });
    const permanent = await s2.putFile(folder2.id, '01.jpg', Buffer.alloc(10), 'image/jpeg').catch((e: unknown) => e);
    expect(isPermanent(permanent)).toBe(true);
    expect((permanent as PermanentError).step).toBe('upload');
    expect(fake.requests.filter((r) => r.route === 'upload')).toHaveLength(1);
  });

  it("retries Drive's own 403 rate limit (userRateLimitExceeded)", async () => {
    const root = fake.addSharedDrive();
    const s = await storage(root);
    fake.fail(403, { route: 'create', reason: 'userRateLimitExceeded' });
    await s.ensureFolder(null, 'Batch_R');
    expect(fake.requests.filter((r) => r.route === 'create').map((r) => r.status)).toEqual([403, 200]);
  });

  describe('service account', () => {
    let keyFile: string;
    beforeAll(() => {
      const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
      keyFile = path.join(fs.mkdtempSync('/tmp/sa-'), 'sa.json');
      fs.writeFileSync(
        keyFile,
        JSON.stringify({
          type: 'service_account',
          client_email: 'studio@test-project.iam.gserviceaccount.com',
          private_key: privateKey.export({ type: 'pkcs8', format: 'pem' }),
          private_key_id: 'k1',
        }),
      );
    });
    const saStorage = async (parentId: string) =>
      new DriveStorage(
        await testConfig({
          STORAGE: 'drive',
          DRIVE_ROOT_URL: fake.rootUrl,
          DRIVE_PARENT_FOLDER_ID: parentId,
          GOOGLE_APPLICATION_CREDENTIALS: keyFile,
        }),
      );

    it('signs its own scoped JWT and passes check() for a folder inside a shared drive', async () => {
      const drive = fake.addSharedDrive();
      const folder = fake.addFolder('Out', drive);
      const s = await saStorage(folder);
      await expect(s.check()).resolves.toBeUndefined();
      await s.ensureFolder(null, 'Batch_SA');
      const token = fake.requests[0].auth?.replace(/^Bearer /, '') ?? '';
      const claims = JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString()) as {
        iss: string;
        scope: string;
      };
      expect(claims.iss).toBe('studio@test-project.iam.gserviceaccount.com');
      expect(claims.scope).toBe('https://www.googleapis.com/auth/drive');
    });

    it('check() explains that a My Drive folder cannot take a service account’s files', async () => {
      const myDrive = fake.addFolder('My folder');
      const s = await saStorage(myDrive);
      await expect(s.check()).rejects.toThrow(
        /is in a My Drive, not a shared drive.*studio@test-project\.iam\.gserviceaccount\.com/,
      );
    });

    it('check() says when the parent cannot be found', async () => {
      const s = await saStorage('missing-folder-id');
      await expect(s.check()).rejects.toThrow(/DRIVE_PARENT_FOLDER_ID missing-folder-id: cannot open it.*404/);
    });
  });
});
