import * as fs from 'node:fs';
import { Readable } from 'node:stream';
import { Logger } from '@nestjs/common';
// Only the Drive API of googleapis: its index loads all ~300 Google APIs (about 1,000 modules, ~107 MB of
// RSS in a fresh process, measured); this entry point is the same package's Drive client and auth (~18 MB).
import { auth as googleAuth, drive, drive_v3 } from 'googleapis/build/src/apis/drive';
import { AppConfig } from '../config/config.schema';
import { PermanentError, TransientError } from '../common/errors';
import { sleep } from '../common/rate-limiter';
import { DeliveredFile, OutputArchive, OutputScope, Storage, StoredRef } from './storage.interface';

const FOLDER_MIME = 'application/vnd.google-apps.folder';
const SCOPES = ['https://www.googleapis.com/auth/drive'];
const UPLOAD_TRIES = 4;
const BACKOFF_BASE_MS = 400;
/** Drive reports its own rate limits as 403 with one of these reasons; they pass like a 429. */
const RATE_REASONS = new Set(['rateLimitExceeded', 'userRateLimitExceeded', 'backendError']);

type DriveAuth = InstanceType<typeof googleAuth.OAuth2> | InstanceType<typeof googleAuth.JWT>;

interface HttpFailure {
  status?: number;
  reason?: string;
  message: string;
  retryAfterMs?: number;
}

function describe(e: unknown): HttpFailure {
  const err = e as {
    status?: number;
    code?: string | number;
    message?: string;
    response?: {
      status?: number;
      headers?: Headers | Record<string, string>;
      data?: { error?: { message?: string; errors?: Array<{ reason?: string }> } };
    };
  };
  const status = err.response?.status ?? err.status ?? (typeof err.code === 'number' ? err.code : undefined);
  const data = err.response?.data?.error;
  const headers = err.response?.headers;
  const retryAfter = headers instanceof Headers ? headers.get('retry-after') : headers?.['retry-after'];
  return {
    status,
    reason: data?.errors?.[0]?.reason,
    message: data?.message ?? err.message ?? String(e),
    retryAfterMs: retryAfter && /^\d+$/.test(retryAfter) ? Number(retryAfter) * 1000 : undefined,
  };
}

/** Drive's query language: single-quoted strings with backslash escapes. */
export const quoteQ = (s: string) => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

/**
 * Delivery into Google Drive. Every write is find-by-name first, so a retried job gets the folder or file
 * it already made instead of a twin. Auth: a static access token (tests), an OAuth client + refresh token,
 * or a service-account key file (which must write into a shared drive: service accounts own no storage).
 */
export class DriveStorage implements Storage {
  readonly name = 'drive' as const;
  private readonly logger = new Logger(DriveStorage.name);
  private readonly drive: drive_v3.Drive;
  private readonly rootUrl?: string;
  private readonly serviceAccountEmail?: string;
  /** Single-flight per (parent, name) in this process, so concurrent callers do not race to make twins. */
  private readonly inFlight = new Map<string, Promise<StoredRef>>();
  private readonly shared = new Set<string>();

  constructor(private readonly config: AppConfig) {
    const { auth, email } = this.makeAuth();
    this.serviceAccountEmail = email;
    this.rootUrl = config.drive.rootUrl;
    // retry: false — gaxios would retry GETs on its own; the backoff below owns retries for every call.
    // Node's own fetch: gaxios would otherwise import node-fetch dynamically (which Jest's VM cannot do).
    this.drive = drive({
      version: 'v3',
      auth,
      retry: false,
      fetchImplementation: fetch,
      ...(this.rootUrl ? { rootUrl: this.rootUrl } : {}),
    });
  }

  private makeAuth(): { auth: DriveAuth; email?: string } {
    const d = this.config.drive;
    if (d.accessToken) {
      const auth = new googleAuth.OAuth2();
      auth.setCredentials({ access_token: d.accessToken, expiry_date: Date.now() + 365 * 86_400_000 });
      return { auth };
    }
    if (d.refreshToken) {
      const auth = new googleAuth.OAuth2(d.clientId, d.clientSecret);
      auth.setCredentials({ refresh_token: d.refreshToken });
      return { auth };
    }
    if (!d.credentialsFile)
      throw new PermanentError('upload', 'STORAGE=drive needs GOOGLE_APPLICATION_CREDENTIALS or DRIVE_REFRESH_TOKEN');
    const key = JSON.parse(fs.readFileSync(d.credentialsFile, 'utf8')) as {
      type?: string;
      client_email?: string;
      private_key?: string;
      private_key_id?: string;
      client_id?: string;
      client_secret?: string;
      refresh_token?: string;
    };
    if (key.type === 'authorized_user') {
      const auth = new googleAuth.OAuth2(key.client_id, key.client_secret);
      auth.setCredentials({ refresh_token: key.refresh_token });
      return { auth };
    }
    if (!key.client_email || !key.private_key) {
      throw new PermanentError(
        'upload',
        `${d.credentialsFile} is not a service-account key file (client_email/private_key missing)`,
      );
    }
    const auth = new googleAuth.JWT({
      email: key.client_email,
      key: key.private_key,
      keyId: key.private_key_id,
      scopes: SCOPES,
    });
    // A custom endpoint (DRIVE_ROOT_URL) cannot be served by Google's token endpoint: sign the token ourselves.
    if (d.rootUrl) auth.useJWTAccessWithScope = true;
    return { auth, email: key.client_email };
  }

  async ensureFolder(parentId: string | null, name: string): Promise<StoredRef> {
    const parent = parentId ?? this.root();
    const ref = await this.singleFlight(`${parent}/${name}/`, () =>
      this.withRetry(`folder "${name}"`, async () => {
        const found = await this.findByName(parent, name, true);
        if (found) return found;
        const res = await this.drive.files.create({
          requestBody: { name, mimeType: FOLDER_MIME, parents: [parent] },
          fields: 'id, name, webViewLink',
          supportsAllDrives: true,
        });
        this.logger.log(`drive folder created: ${name} (${res.data.id}) in ${parent}`);
        return toRef(res.data);
      }),
    );
    // Sharing the top folder is enough: everything inside inherits its permissions.
    if (parentId === null) await this.share(ref.id);
    return ref;
  }

  async putFile(folderId: string, name: string, body: Buffer, mimeType: string): Promise<StoredRef> {
    return this.singleFlight(`${folderId}/${name}`, () =>
      this.withRetry(`upload "${name}"`, async () => {
        // Checked on every attempt: a failed-looking attempt may still have created the file.
        const found = await this.findByName(folderId, name, false);
        if (found) return found;
        const res = await this.drive.files.create(
          {
            requestBody: { name, parents: [folderId], mimeType },
            media: { mimeType, body: Readable.from(body) },
            fields: 'id, name, webViewLink, size',
            supportsAllDrives: true,
          },
          // Media uploads ignore the client-level rootUrl.
          this.rootUrl ? { rootUrl: this.rootUrl } : {},
        );
        this.logger.log(`drive file uploaded: ${name} (${res.data.id}, ${body.length} bytes) in ${folderId}`);
        return toRef(res.data);
      }),
    );
  }

  /** The existing file's content is updated in place (same id, same link, no twin); made when missing. */
  async replaceFile(folderId: string, name: string, body: Buffer, mimeType: string): Promise<StoredRef> {
    const found = await this.withRetry(`find "${name}"`, () => this.findByName(folderId, name, false));
    if (!found) return this.putFile(folderId, name, body, mimeType);
    return this.singleFlight(`${folderId}/${name}`, () =>
      this.withRetry(`replace "${name}"`, async () => {
        const res = await this.drive.files.update(
          {
            fileId: found.id,
            media: { mimeType, body: Readable.from(body) },
            fields: 'id, name, webViewLink, size',
            supportsAllDrives: true,
          },
          this.rootUrl ? { rootUrl: this.rootUrl } : {},
        );
        this.logger.log(`drive file replaced: ${name} (${res.data.id}, ${body.length} bytes) in ${folderId}`);
        return toRef(res.data);
      }),
    );
  }

  /** On Drive the delivered folder itself is the link: the person opens it there. */
  downloadUrl(_scope: OutputScope, folder: StoredRef): string {
    return folder.url;
  }

  archive(folder: { id: string | null; url: string | null }, _finished: DeliveredFile[]): OutputArchive {
    return { ok: false, reason: `the output is on Google Drive: ${folder.url ?? 'not delivered yet'}` };
  }

  async readFile(folderId: string, name: string): Promise<Buffer> {
    return this.withRetry(`download "${name}"`, async () => {
      const found = await this.findByName(folderId, name, false);
      if (!found) {
        throw new PermanentError(
          'upload',
          `Google Drive has no file "${name}" in folder ${folderId} any more`,
          'DRIVE_404',
        );
      }
      const res = await this.drive.files.get(
        { fileId: found.id, alt: 'media', supportsAllDrives: true },
        { responseType: 'arraybuffer', ...(this.rootUrl ? { rootUrl: this.rootUrl } : {}) },
      );
      return Buffer.from(res.data as unknown as ArrayBuffer);
    });
  }

  /**
   * Uploads are multipart (metadata and bytes in one request, uploadType=multipart): Drive stores the file
   * only when the whole body arrived, so a cut upload leaves nothing behind (no resumable session to
   * abandon), and the retry's find-by-name keeps a stored-but-unanswered one from getting a twin.
   */
  async removeOrphans(): Promise<string[]> {
    return [];
  }

  /** Drive folders are the user's own copy of the work: deleting a batch in the app leaves them alone. */
  async removeOutput(_folderId: string): Promise<void> {}

  /** The parent folder exists and, for a service account, lies inside a shared drive. */
  async check(): Promise<void> {
    const parent = this.root();
    let file: drive_v3.Schema$File;
    try {
      const res = await this.withRetry('check', () =>
        this.drive.files.get({ fileId: parent, fields: 'id, name, mimeType, driveId', supportsAllDrives: true }),
      );
      file = res.data;
    } catch (e) {
      const who = this.serviceAccountEmail ? ` with the service account ${this.serviceAccountEmail}` : '';
      throw new PermanentError(
        'upload',
        `DRIVE_PARENT_FOLDER_ID ${parent}: cannot open it (${(e as Error).message}). Check the id and that the folder is shared${who}.`,
        'DRIVE_CONFIG',
      );
    }
    if (file.mimeType !== FOLDER_MIME) {
      throw new PermanentError(
        'upload',
        `DRIVE_PARENT_FOLDER_ID ${parent} ("${file.name}") is a file, not a folder`,
        'DRIVE_CONFIG',
      );
    }
    if (this.serviceAccountEmail && !file.driveId) {
      throw new PermanentError(
        'upload',
        `DRIVE_PARENT_FOLDER_ID ${parent} ("${file.name}") is in a My Drive, not a shared drive. A service account has no storage of its own: ` +
          `create a shared drive, add ${this.serviceAccountEmail} as Content manager, and use a folder inside it (or the shared drive's id).`,
        'DRIVE_CONFIG',
      );
    }
  }

  private root(): string {
    const root = this.config.drive.parentFolderId;
    if (!root) throw new PermanentError('upload', 'DRIVE_PARENT_FOLDER_ID is not set', 'DRIVE_CONFIG');
    return root;
  }

  private async findByName(parent: string, name: string, folder: boolean): Promise<StoredRef | undefined> {
    const res = await this.drive.files.list({
      q: `name = ${quoteQ(name)} and ${quoteQ(parent)} in parents and trashed = false and mimeType ${folder ? '=' : '!='} '${FOLDER_MIME}'`,
      fields: 'files(id, name, webViewLink)',
      orderBy: 'createdTime',
      pageSize: 10,
      supportsAllDrives: true,
      includeItemsFromAllDrives: true,
    });
    const first = res.data.files?.[0];
    return first ? toRef(first) : undefined;
  }

  private async share(fileId: string): Promise<void> {
    const share = this.config.drive.share;
    if (share === 'none' || this.shared.has(fileId)) return;
    const requestBody: drive_v3.Schema$Permission =
      share === 'anyone'
        ? { type: 'anyone', role: 'reader' }
        : { type: 'domain', role: 'reader', domain: share.slice('domain:'.length) };
    // Creating the same anyone/domain permission again is harmless, so a re-run simply re-asserts it.
    await this.withRetry('share', () =>
      this.drive.permissions.create({ fileId, requestBody, supportsAllDrives: true, fields: 'id' }),
    );
    this.shared.add(fileId);
    this.logger.log(`drive folder ${fileId} shared with ${share}`);
  }

  private singleFlight(key: string, op: () => Promise<StoredRef>): Promise<StoredRef> {
    const running = this.inFlight.get(key);
    if (running) return running;
    const p = op().finally(() => this.inFlight.delete(key));
    this.inFlight.set(key, p);
    return p;
  }

  /** 429, 5xx, Drive's 403 rate reasons and network errors back off exponentially; other 4xx fail at once. */
  private async withRetry<T>(what: string, op: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await op();
      } catch (e) {
        if (e instanceof PermanentError || e instanceof TransientError) throw e;
        const f = describe(e);
        const retryable =
          f.status === undefined ||
          f.status === 429 ||
          f.status >= 500 ||
          (f.status === 403 && RATE_REASONS.has(f.reason ?? ''));
        if (!retryable) {
          throw new PermanentError(
            'upload',
            `Google Drive refused ${what}: ${f.status} ${f.message}`,
            `DRIVE_${f.status}`,
          );
        }
        if (attempt >= UPLOAD_TRIES) {
          throw new TransientError(
            'upload',
            `Google Drive ${what} failed after ${attempt} tries: ${f.status ?? 'network'} ${f.message}`,
            f.retryAfterMs,
          );
        }
        const delay = f.retryAfterMs ?? BACKOFF_BASE_MS * 2 ** (attempt - 1) + Math.floor(Math.random() * 100);
        this.logger.warn(
          `drive ${what}: ${f.status ?? 'network'} ${f.message}; try ${attempt + 1}/${UPLOAD_TRIES} in ${delay} ms`,
        );
        await sleep(delay);
      }
    }
  }
}

function toRef(file: drive_v3.Schema$File): StoredRef {
  if (!file.id) throw new TransientError('upload', 'Google Drive answered without a file id');
  return { id: file.id, url: file.webViewLink ?? `https://drive.google.com/open?id=${file.id}` };
}
