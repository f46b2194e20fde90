import * as http from 'node:http';
import { AddressInfo } from 'node:net';

/**
 * A loopback Google Drive v3 for the real googleapis client (`rootUrl`): folder create (metadata JSON),
 * multipart upload (`multipart/related`), media update of an existing file (`PATCH /upload/…/:id`), list by `q`,
 * get, media download (`alt=media`), permissions.
 * Like Drive, items inside a shared
 * drive are invisible unless the request says `supportsAllDrives` (and `includeItemsFromAllDrives` for
 * lists), and an unknown `q` clause is a 400. Faults (429/503/403…) are scripted per route.
 */

export const FOLDER_MIME = 'application/vnd.google-apps.folder';

export interface FakeDriveFile {
  id: string;
  name: string;
  mimeType: string;
  parents: string[];
  driveId?: string;
  size?: number;
  /** Uploaded bytes, for `GET /drive/v3/files/:id?alt=media`. */
  content?: Buffer;
  trashed: boolean;
  createdTime: string;
  permissions: Array<{ type: string; role: string; domain?: string }>;
}

export type DriveRoute = 'create' | 'upload' | 'update' | 'list' | 'get' | 'download' | 'permissions';

export interface FakeDriveRequest {
  at: number;
  method: string;
  route: DriveRoute | 'unknown';
  path: string;
  query: Record<string, string>;
  status: number;
  auth?: string;
}

export type TreeNode = { name: string; children: TreeNode[] } | { name: string; size: number };

export class FakeDrive {
  readonly files = new Map<string, FakeDriveFile>();
  readonly requests: FakeDriveRequest[] = [];
  private faults: Array<{ route?: DriveRoute; status: number; reason?: string; left: number; afterWrite: boolean }> =
    [];
  /** Uploads still to cut mid-body (see cutUploads). */
  private cutsLeft = 0;
  private seq = 0;
  private server!: http.Server;
  rootUrl = '';

  static async start(): Promise<FakeDrive> {
    const fake = new FakeDrive();
    fake.server = http.createServer((req, res) => {
      fake.handle(req, res).catch((e: Error) => send(res, 500, apiError(500, e.message, 'backendError')));
    });
    await new Promise<void>((resolve) => fake.server.listen(0, '127.0.0.1', resolve));
    fake.rootUrl = `http://127.0.0.1:${(fake.server.address() as AddressInfo).port}/`;
    return fake;
  }

  /** A shared drive (its root folder's id is the drive id). */
  addSharedDrive(name = 'Team Drive'): string {
    const id = this.nextId('0A');
    this.files.set(id, this.file(id, name, FOLDER_MIME, [], id));
    return id;
  }

  /** A folder in a My Drive (no driveId) or inside `parentId`. */
  addFolder(name: string, parentId?: string): string {
    const id = this.nextId('1F');
    const driveId = parentId ? this.files.get(parentId)?.driveId : undefined;
    this.files.set(id, this.file(id, name, FOLDER_MIME, parentId ? [parentId] : [], driveId));
    return id;
  }

  /**
   * The next `times` requests on `route` fail with `status`. `afterWrite`: the write happens first and
   * only the answer is lost, as when a connection drops after Drive stored the file.
   */
  fail(
    status: number,
    options: { route?: DriveRoute; times?: number; reason?: string; afterWrite?: boolean } = {},
  ): void {
    this.faults.push({
      route: options.route,
      status,
      reason: options.reason,
      left: options.times ?? 1,
      afterWrite: !!options.afterWrite,
    });
  }

  /**
   * The next `times` uploads lose their connection half-way through the body: Drive stores nothing (a
   * multipart upload is one request) and the client gets no answer.
   */
  cutUploads(times = 1): void {
    this.cutsLeft += times;
  }

  /** The folder tree under `rootId`, children sorted by name; files show their size. */
  tree(rootId: string): TreeNode {
    const node = this.files.get(rootId);
    if (!node) throw new Error(`no file ${rootId}`);
    if (node.mimeType !== FOLDER_MIME) return { name: node.name, size: node.size ?? 0 };
    const children = [...this.files.values()]
      .filter((f) => f.parents.includes(rootId) && !f.trashed)
      .sort((a, b) => a.name.localeCompare(b.name) || a.id.localeCompare(b.id))
      .map((f) => this.tree(f.id));
    return { name: node.name, children };
  }

  reset(): void {
    this.files.clear();
    this.requests.length = 0;
    this.faults = [];
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private nextId(prefix: string): string {
    return `${prefix}${(++this.seq).toString(36).padStart(6, '0')}${Math.random().toString(36).slice(2, 8)}`;
  }

  private file(id: string, name: string, mimeType: string, parents: string[], driveId?: string): FakeDriveFile {
    return {
      id,
      name,
      mimeType,
      parents,
      driveId,
      trashed: false,
      createdTime: new Date(Date.now() + this.seq).toISOString(),
      permissions: [],
    };
  }

  private view(f: FakeDriveFile) {
    const webViewLink =
      f.mimeType === FOLDER_MIME
        ? `https://drive.google.com/drive/folders/${f.id}`
        : `https://drive.google.com/file/d/${f.id}/view?usp=drivesdk`;
    return {
      kind: 'drive#file',
      id: f.id,
      name: f.name,
      mimeType: f.mimeType,
      parents: f.parents,
      driveId: f.driveId,
      size: f.size?.toString(),
      webViewLink,
      createdTime: f.createdTime,
    };
  }

  /** Items in a shared drive are hidden from requests that do not opt in, as on Drive. */
  private visible(f: FakeDriveFile | undefined, query: Record<string, string>): f is FakeDriveFile {
    return !!f && !f.trashed && (!f.driveId || query.supportsAllDrives === 'true');
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.rootUrl);
    const query = Object.fromEntries(url.searchParams.entries());
    if (this.cutsLeft > 0 && req.method === 'POST' && url.pathname === '/upload/drive/v3/files') {
      this.cutsLeft--;
      this.requests.push({ at: Date.now(), method: 'POST', route: 'upload', path: url.pathname, query, status: 0 });
      await new Promise<void>((resolve) => req.once('data', () => resolve()));
      req.socket.destroy();
      return;
    }
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks);
    const path = url.pathname;
    const route: DriveRoute | 'unknown' =
      req.method === 'POST' && path === '/upload/drive/v3/files'
        ? 'upload'
        : req.method === 'PATCH' && /^\/upload\/drive\/v3\/files\/[^/]+$/.test(path)
          ? 'update'
          : req.method === 'POST' && path === '/drive/v3/files'
            ? 'create'
            : req.method === 'GET' && path === '/drive/v3/files'
              ? 'list'
              : req.method === 'POST' && /^\/drive\/v3\/files\/[^/]+\/permissions$/.test(path)
                ? 'permissions'
                : req.method === 'GET' && /^\/drive\/v3\/files\/[^/]+$/.test(path)
                  ? query.alt === 'media'
                    ? 'download'
                    : 'get'
                  : 'unknown';
    const entry: FakeDriveRequest = {
      at: Date.now(),
      method: req.method ?? '',
      route,
      path,
      query,
      status: 200,
      auth: req.headers.authorization,
    };
    this.requests.push(entry);
    const reply = (status: number, payload: unknown) => {
      entry.status = status;
      send(res, status, payload);
    };
    if (!/^Bearer \S+/.test(req.headers.authorization ?? ''))
      return reply(401, apiError(401, 'Request is missing required authentication credential.', 'required'));
    const fault = this.faults.find((f) => f.left > 0 && (!f.route || f.route === route));
    if (fault) fault.left--;
    if (fault && !fault.afterWrite)
      return reply(
        fault.status,
        apiError(fault.status, `scripted ${fault.status}`, fault.reason ?? reasonFor(fault.status)),
      );

    if (route === 'download') {
      const f = this.files.get(decodeURIComponent(path.split('/')[4]));
      if (!this.visible(f, query) || !f.content) {
        return reply(404, apiError(404, `File not found: ${path.split('/')[4]}.`, 'notFound'));
      }
      entry.status = 200;
      res.writeHead(200, { 'content-type': f.mimeType, 'content-length': f.content.length });
      return void res.end(f.content);
    }
    const result = this.route(route, path, query, body, req.headers['content-type'] ?? '');
    if (fault)
      return reply(
        fault.status,
        apiError(fault.status, `scripted ${fault.status} after write`, reasonFor(fault.status)),
      );
    reply(result.status, result.payload);
  }

  private route(
    route: DriveRoute | 'unknown',
    path: string,
    query: Record<string, string>,
    body: Buffer,
    contentType: string,
  ): { status: number; payload: unknown } {
    const notFound = (id: string) => ({ status: 404, payload: apiError(404, `File not found: ${id}.`, 'notFound') });
    switch (route) {
      case 'list': {
        const clauses = parseQ(query.q ?? '');
        if (!clauses) return { status: 400, payload: apiError(400, 'Invalid Value', 'invalid') };
        const all = query.includeItemsFromAllDrives === 'true';
        const files = [...this.files.values()]
          .filter((f) => this.visible(f, query) && (all || !f.driveId) && clauses.every((c) => c(f)))
          .sort((a, b) => a.createdTime.localeCompare(b.createdTime));
        return {
          status: 200,
          payload: { kind: 'drive#fileList', incompleteSearch: false, files: files.map((f) => this.view(f)) },
        };
      }
      case 'get': {
        const id = decodeURIComponent(path.split('/')[4]);
        const f = this.files.get(id);
        return this.visible(f, query) ? { status: 200, payload: this.view(f) } : notFound(id);
      }
      case 'permissions': {
        const id = decodeURIComponent(path.split('/')[4]);
        const f = this.files.get(id);
        if (!this.visible(f, query)) return notFound(id);
        const perm = JSON.parse(body.toString('utf8')) as { type: string; role: string; domain?: string };
        f.permissions.push(perm);
        return {
          status: 200,
          payload: {
            kind: 'drive#permission',
            id: perm.type === 'anyone' ? 'anyoneWithLink' : `${perm.domain}Link`,
            ...perm,
          },
        };
      }
      case 'update': {
        const id = decodeURIComponent(path.split('/')[5]);
        const f = this.files.get(id);
        if (!this.visible(f, query)) return notFound(id);
        const parts = parseMultipart(body, contentType);
        // A media-only update sends the bytes alone; a multipart one sends metadata, then the bytes.
        const content = parts ? parts[parts.length - 1] : body;
        f.content = Buffer.from(content);
        f.size = content.length;
        return { status: 200, payload: this.view(f) };
      }
      case 'create':
      case 'upload': {
        let meta: { name?: string; mimeType?: string; parents?: string[] };
        let size = 0;
        let content: Buffer | undefined;
        if (route === 'upload') {
          if (query.uploadType !== 'multipart')
            return { status: 400, payload: apiError(400, 'uploadType must be multipart here', 'invalid') };
          const parts = parseMultipart(body, contentType);
          if (!parts || parts.length !== 2)
            return { status: 400, payload: apiError(400, 'Malformed multipart body.', 'badContent') };
          meta = JSON.parse(parts[0].toString('utf8'));
          size = parts[1].length;
          content = Buffer.from(parts[1]);
        } else {
          meta = JSON.parse(body.toString('utf8') || '{}');
        }
        const parentId = meta.parents?.[0];
        const parent = parentId ? this.files.get(parentId) : undefined;
        if (parentId && !this.visible(parent, query)) return notFound(parentId);
        const id = this.nextId('1X');
        const f = this.file(
          id,
          meta.name ?? 'Untitled',
          meta.mimeType ?? 'application/octet-stream',
          parentId ? [parentId] : [],
          parent?.driveId,
        );
        if (route === 'upload') {
          f.size = size;
          f.content = content;
        }
        this.files.set(id, f);
        return { status: 200, payload: this.view(f) };
      }
      default:
        return { status: 404, payload: apiError(404, `no route ${path}`, 'notFound') };
    }
  }
}

function reasonFor(status: number): string {
  return status === 429
    ? 'rateLimitExceeded'
    : status >= 500
      ? 'backendError'
      : status === 403
        ? 'forbidden'
        : 'invalid';
}

function apiError(code: number, message: string, reason: string) {
  return { error: { code, message, errors: [{ message, domain: 'global', reason }] } };
}

function send(res: http.ServerResponse, status: number, payload: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=UTF-8' });
  res.end(JSON.stringify(payload));
}

/** Drive's `q`, the subset this app uses: name = '…', '…' in parents, trashed = bool, mimeType =|!= '…'. */
function parseQ(q: string): Array<(f: FakeDriveFile) => boolean> | undefined {
  const str = `'((?:[^'\\\\]|\\\\.)*)'`;
  const unq = (s: string) => s.replace(/\\(.)/g, '$1');
  const clauses: Array<(f: FakeDriveFile) => boolean> = [];
  let rest = q.trim();
  const patterns: Array<[RegExp, (m: RegExpExecArray) => (f: FakeDriveFile) => boolean]> = [
    [new RegExp(`^name\\s*=\\s*${str}`), (m) => (f) => f.name === unq(m[1])],
    [new RegExp(`^${str}\\s+in\\s+parents`), (m) => (f) => f.parents.includes(unq(m[1]))],
    [/^trashed\s*=\s*(true|false)/, (m) => (f) => f.trashed === (m[1] === 'true')],
    [new RegExp(`^mimeType\\s*(!?=)\\s*${str}`), (m) => (f) => (m[1] === '=') === (f.mimeType === unq(m[2]))],
  ];
  while (rest) {
    const hit = patterns.map(([re, make]) => [re.exec(rest), make] as const).find(([m]) => m);
    if (!hit || !hit[0]) return undefined;
    clauses.push(hit[1](hit[0]));
    rest = rest.slice(hit[0][0].length).trim();
    if (rest.startsWith('and ')) rest = rest.slice(4).trim();
    else if (rest) return undefined;
  }
  return clauses;
}

function parseMultipart(body: Buffer, contentType: string): Buffer[] | undefined {
  const boundary = /boundary=("?)([^";]+)\1/i.exec(contentType)?.[2];
  if (!/multipart\/related/i.test(contentType) || !boundary) return undefined;
  const delim = Buffer.from(`--${boundary}`);
  const parts: Buffer[] = [];
  let pos = body.indexOf(delim);
  while (pos !== -1) {
    const start = pos + delim.length;
    if (body.subarray(start, start + 2).toString() === '--') break;
    const next = body.indexOf(delim, start);
    if (next === -1) return undefined;
    const part = body.subarray(start, next);
    const headerEnd = part.indexOf('\r\n\r\n');
    if (headerEnd === -1) return undefined;
    // Strip the CRLF that precedes the next delimiter.
    let content = part.subarray(headerEnd + 4);
    if (content.subarray(-2).toString() === '\r\n') content = content.subarray(0, -2);
    parts.push(content);
    pos = next;
  }
  return parts;
}
