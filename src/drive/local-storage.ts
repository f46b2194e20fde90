import * as fsSync from 'node:fs';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import archiver from 'archiver';
import { OutputArchive, OutputScope, Storage, StoredRef } from './storage.interface';

/**
 * Delivery into `DATA_DIR/output`, the offline default: the same folder tree as Drive, served by the app
 * under `/files/…` and zipped on demand. Folder ids are paths relative to the output root, made only
 * from names the app builds (never user strings).
 */
export class LocalStorage implements Storage {
  readonly name = 'local' as const;

  constructor(readonly root: string) {}

  static urlFor(relative: string): string {
    return `/files/${relative.split(path.sep).map(encodeURIComponent).join('/')}`;
  }

  /** Absolute path of a folder id, refusing anything that would leave the output root. */
  resolve(relative: string): string {
    const abs = path.resolve(this.root, relative);
    if (abs !== this.root && !abs.startsWith(this.root + path.sep))
      throw new Error(`path escapes the output folder: ${relative}`);
    return abs;
  }

  async check(): Promise<void> {
    await fs.mkdir(this.root, { recursive: true });
  }

  async ensureFolder(parentId: string | null, name: string): Promise<StoredRef> {
    const id = parentId ? path.join(parentId, safeName(name)) : safeName(name);
    await fs.mkdir(this.resolve(id), { recursive: true });
    return { id, url: `${LocalStorage.urlFor(id)}/` };
  }

  async putFile(folderId: string, name: string, body: Buffer, _mimeType: string): Promise<StoredRef> {
    const id = path.join(folderId, safeName(name));
    const abs = this.resolve(id);
    // Write then rename: a crash never leaves a half-written file under the final name.
    const tmp = `${abs}.${process.pid}.tmp`;
    await fs.writeFile(tmp, body);
    await fs.rename(tmp, abs);
    return { id, url: LocalStorage.urlFor(id) };
  }

  /** `putFile` already overwrites atomically, keeping the path (the file's id). */
  replaceFile(folderId: string, name: string, body: Buffer, mimeType: string): Promise<StoredRef> {
    return this.putFile(folderId, name, body, mimeType);
  }

  /** The app's own ZIP routes (DownloadsController) serve local output. */
  downloadUrl(scope: OutputScope, _folder: StoredRef): string {
    return scope.linkId
      ? `/api/batch/${scope.batchId}/links/${scope.linkId}/download`
      : `/api/batch/${scope.batchId}/download`;
  }

  archive(folder: { id: string | null; url: string | null }): OutputArchive {
    const dir = folder.id ? this.resolve(folder.id) : null;
    if (!dir || !fsSync.existsSync(dir)) return { ok: false, reason: 'nothing has been delivered yet' };
    const name = path.basename(dir);
    const zip = archiver('zip', { zlib: { level: 1 } }); // JPEGs and MP4s do not compress further
    zip.directory(dir, name);
    void zip.finalize();
    return { ok: true, name, stream: zip };
  }

  async readFile(folderId: string, name: string): Promise<Buffer> {
    return fs.readFile(this.resolve(path.join(folderId, safeName(name))));
  }

  async removeOutput(folderId: string): Promise<void> {
    await fs.rm(this.resolve(folderId), { recursive: true, force: true });
  }
}

function safeName(name: string): string {
  if (!/^[A-Za-z0-9._-]{1,120}$/.test(name) || name === '.' || name === '..')
    throw new Error(`unsafe file name: ${name}`);
  return name;
}
