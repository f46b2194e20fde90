import { randomBytes } from 'node:crypto';
import * as fsSync from 'node:fs';
import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import type { CrashPoint } from '../config/config.schema';
import { DeliveredFile, OutputArchive, OutputScope, Storage, StoredRef } from './storage.interface';

/** A temporary file older than this is an orphan whoever wrote it (a live write takes seconds). */
export const ORPHAN_AGE_MS = 3_600_000;
/** `<pid>@<host>-<random>.tmp`: who is writing it, so a restarted process can tell a dead writer's file. */
const TMP_NAME = /^(\d+)@(.+)-[0-9a-f]{8}\.tmp$/;
/** What versions before the separate temp folder left beside the final name: `01.jpg.<pid>.tmp`. */
const LEGACY_TMP_NAME = /\.(\d+)\.tmp$/;

/**
 * Delivery into `DATA_DIR/output`, the offline default: the same folder tree as Drive, served by the app
 * under `/files/…` and zipped on demand. Folder ids are paths relative to the output root, made only
 * from names the app builds (never user strings).
 */
export class LocalStorage implements Storage {
  readonly name = 'local' as const;

  private tmpReady?: Promise<unknown>;

  /**
   * `tmpDir` holds files being written, outside the delivered tree (so neither /files nor a ZIP can show a
   * half-written file) but on the same filesystem (DATA_DIR), so the final rename stays atomic.
   */
  constructor(
    readonly root: string,
    readonly tmpDir = path.join(path.dirname(root), 'tmp', 'output'),
    private readonly crash: (point: CrashPoint) => void = () => undefined,
  ) {}

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
    // Write aside, then rename into place: a crash never leaves a half-written file in the delivered tree.
    this.tmpReady ??= fs.mkdir(this.tmpDir, { recursive: true });
    await this.tmpReady;
    const tmp = path.join(this.tmpDir, `${process.pid}@${os.hostname()}-${randomBytes(4).toString('hex')}.tmp`);
    try {
      await fs.writeFile(tmp, body);
      this.crash('file-written');
      await fs.rename(tmp, abs);
    } catch (e) {
      await fs.rm(tmp, { force: true });
      throw e;
    }
    return { id, url: LocalStorage.urlFor(id) };
  }

  /**
   * Removes temporary files whose writer died: its process is gone (same host), or the file is older than
   * ORPHAN_AGE_MS (another host's, or a recycled pid). `tree` also walks the delivered tree for files an
   * older version left beside their final name (at start; the sweeper looks at the temp folder only).
   */
  async removeOrphans(options: { tree?: boolean } = {}): Promise<string[]> {
    const removed: string[] = [];
    const consider = async (abs: string, writer: { pid: number; host: string } | null) => {
      const stat = await fs.stat(abs).catch(() => null);
      if (!stat?.isFile()) return;
      const dead = writer?.host === os.hostname() && writer.pid !== process.pid && !processAlive(writer.pid);
      if (!dead && Date.now() - stat.mtimeMs < ORPHAN_AGE_MS) return;
      await fs.rm(abs, { force: true });
      removed.push(abs);
    };
    for (const name of await fs.readdir(this.tmpDir).catch(() => [] as string[])) {
      const m = TMP_NAME.exec(name);
      await consider(path.join(this.tmpDir, name), m ? { pid: Number(m[1]), host: m[2] } : null);
    }
    if (options.tree) {
      const entries = await fs.readdir(this.root, { recursive: true }).catch(() => [] as string[]);
      for (const rel of entries) {
        const m = LEGACY_TMP_NAME.exec(rel);
        if (m) await consider(path.join(this.root, rel), { pid: Number(m[1]), host: os.hostname() });
      }
    }
    return removed;
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

  /** Only the finished files named (those of completed variations), never whatever else lies in the folder. */
  archive(folder: { id: string | null; url: string | null }, finished: DeliveredFile[]): OutputArchive {
    const dir = folder.id ? this.resolve(folder.id) : null;
    const files = dir
      ? finished
          .map((f) => this.resolve(path.join(f.folderId, safeName(f.name))))
          .filter((abs) => abs.startsWith(dir + path.sep) && fsSync.existsSync(abs))
      : [];
    if (!dir || !files.length) return { ok: false, reason: 'nothing has been delivered yet' };
    const name = path.basename(dir);
    // Loaded on the first download: only the API zips, and a worker never pays archiver's ~17 MB of RSS.
    const archiver = require('archiver') as typeof import('archiver');
    const zip = archiver('zip', { zlib: { level: 1 } }); // JPEGs and MP4s do not compress further
    for (const abs of files.sort()) zip.file(abs, { name: path.join(name, path.relative(dir, abs)) });
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

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
