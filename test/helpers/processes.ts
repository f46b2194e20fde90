import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import * as path from 'node:path';
import Redis from 'ioredis';
import { Client } from 'pg';
import sharp from 'sharp';

/**
 * Real child processes for the scale-out and crash specs: the app compiled once (tsc into a private
 * folder under test/.artifacts, so a parallel `npm run build` in dist/ is never disturbed), API and
 * worker processes started from it, and a delaying, logging proxy in front of the fake Gemini.
 */

const ROOT = path.resolve(__dirname, '..', '..');
// Inside this checkout (not node_modules, which several checkouts of the project may share by a link).
const DIST = path.join(ROOT, 'test', '.artifacts', 'e2e-dist');
const STAMP = path.join(DIST, '.built');

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(p) : fs.statSync(p).mtimeMs);
  }
  return newest;
}

/** Compiles src/ unless the build is newer than every source file; returns the folder holding src/worker.js. */
export function buildForChildren(): string {
  const fresh = () => fs.existsSync(STAMP) && fs.statSync(STAMP).mtimeMs > newestMtime(path.join(ROOT, 'src'));
  if (!fresh()) {
    fs.mkdirSync(DIST, { recursive: true });
    // flock: two spec files starting together build once, not twice into the same folder.
    const tsc = path.join(ROOT, 'node_modules', '.bin', 'tsc');
    const script = `[ -f "${STAMP}" ] && [ -z "$(find "${ROOT}/src" -newer "${STAMP}" -print -quit)" ] && exit 0; rm -f "${STAMP}"; "${tsc}" -p tsconfig.build.json --outDir "${DIST}" || true; touch "${STAMP}"`;
    execFileSync('flock', [path.join(DIST, '..', 'studio-e2e-build.lock'), 'sh', '-c', script], {
      cwd: ROOT,
      stdio: 'pipe',
    });
  }
  if (!fs.existsSync(path.join(DIST, 'src', 'worker.js'))) throw new Error(`the build in ${DIST} has no src/worker.js`);
  return DIST;
}

export interface Child {
  name: string;
  proc: ChildProcess;
  /** stdout + stderr lines so far. */
  lines: string[];
  exited: Promise<number | string | null>;
  alive(): boolean;
}

/**
 * Node flags of an API-only process (WORKERS=false), as every launcher sets them (npm run start:api, systemd,
 * supervisord, docker-compose): its JS heap capped, since it holds no images and V8 otherwise lets status
 * polling's garbage grow it past 300 MB before collecting.
 */
export const API_NODE_FLAGS = ['--max-old-space-size=160', '--max-semi-space-size=8'];

/**
 * Node flags of a worker process, as every launcher sets them (npm run start:worker, systemd, supervisord,
 * docker-compose): an 8 MB young generation instead of V8's 16 MB, and gc() for collectPixelGarbage
 * (src/common/pixel-garbage.ts). Through 100 links × 2×2 with two workers × 4 jobs: the semi-space alone took the
 * peaks to 255–340 MB (above 300 MB in 4 of 10 runs) from 299–333 MB; with the collection, 263–270 MB in 5 of 5.
 */
export const WORKER_NODE_FLAGS = ['--max-semi-space-size=8', '--expose-gc'];

/** Starts `dist/src/<entry>.js` with the given env on top of this process's PATH/HOME. */
export function startChild(dist: string, name: string, entry: 'main' | 'worker', env: Record<string, string>): Child {
  const flags = entry === 'worker' ? WORKER_NODE_FLAGS : env.WORKERS === 'false' ? API_NODE_FLAGS : [];
  const proc = spawn(process.execPath, [...flags, path.join(dist, 'src', `${entry}.js`)], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      UV_THREADPOOL_SIZE: '16',
      NO_COLOR: '1',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  let exitedFlag = false;
  const collect = (chunk: Buffer) => lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
  proc.stdout?.on('data', collect);
  proc.stderr?.on('data', collect);
  const exited = new Promise<number | string | null>((resolve) =>
    proc.once('exit', (code, signal) => {
      exitedFlag = true;
      resolve(signal ?? code);
    }),
  );
  return { name, proc, lines, exited, alive: () => !exitedFlag };
}

/** SIGKILLs every child still running and waits for them: for afterAll, whatever happened. */
export async function killAll(children: Child[]): Promise<void> {
  for (const c of children) if (c.alive()) c.proc.kill('SIGKILL');
  await Promise.all(children.map((c) => c.exited));
}

export function tail(c: Child, n = 40): string {
  return `--- ${c.name} (last ${n} lines) ---\n${c.lines.slice(-n).join('\n')}`;
}

export async function waitFor<T>(
  what: string,
  fn: () => Promise<T | undefined | null | false>,
  timeoutMs = 30_000,
  everyMs = 100,
): Promise<T> {
  const end = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > end)
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for ${what}${last ? ` (${(last as Error).message})` : ''}`,
      );
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/**
 * A worker child process with its health port, pushed onto `children` (for killAll), once its /health answers
 * 200; its log tail comes with the error when it never does.
 */
export async function startReadyWorker(
  dist: string,
  name: string,
  env: Record<string, string>,
  children: Child[],
): Promise<Child & { port: number }> {
  const port = await freePort();
  const child = startChild(dist, name, 'worker', { ...env, WORKER_HEALTH_PORT: String(port) });
  children.push(child);
  await waitFor(
    `${name} to be ready`,
    async () => (await httpGet(`http://127.0.0.1:${port}/health`)).status === 200,
    60_000,
    200,
  ).catch((e: Error) => {
    throw new Error(`${e.message}\n${tail(child)}`);
  });
  return Object.assign(child, { port });
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

/** GET a loopback URL; resolves with the status and body (never throws on HTTP errors). */
export function httpGet(url: string): Promise<{ status: number; body: string; type: string }> {
  return new Promise((resolve, reject) => {
    http
      .get(url, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            body: Buffer.concat(chunks).toString('utf8'),
            type: String(res.headers['content-type'] ?? ''),
          }),
        );
      })
      .on('error', reject);
  });
}

/** A fresh, empty PostgreSQL database next to `baseUrl`'s, and a way to drop it. */
export async function freshPostgres(baseUrl: string, tag: string): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `studio_e2e_${tag}`.replace(/[^a-z0-9_]/gi, '_').toLowerCase();
  const admin = new Client({ connectionString: baseUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${name}"`).finally(() => admin.end());
  const u = new URL(baseUrl);
  u.pathname = `/${name}`;
  return {
    url: u.toString(),
    drop: async () => {
      const c = new Client({ connectionString: baseUrl });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`).catch(() => undefined);
      await c.end();
    },
  };
}

/** Deletes every Redis key of a test's prefix (Bull's and the app's). */
export async function deleteRedisPrefix(redisUrl: string, prefix: string): Promise<void> {
  const redis = new Redis(redisUrl);
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 500);
      cursor = next;
      if (keys.length) await redis.del(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}

export interface ProxiedImageCall {
  /** `<source slide width>:<slide>:<p>`: the link (each fake post has its own slide width), slide and photo variant. */
  identity: string;
  arrivedAt: number;
  answeredAt?: number;
  /** The caller hung up before the answer (its process died). */
  callerGone: boolean;
}

/**
 * Sits between the workers and the fake Gemini: holds each image call `delayMs` (so work is in flight
 * when a worker is killed), then forwards it whatever happened to the caller (a real provider would
 * have made and billed the image), and logs which image each call was for.
 */
export class GeminiLatencyProxy {
  readonly images: ProxiedImageCall[] = [];
  baseUrl = '';
  private readonly server = http.createServer((req, res) => void this.handle(req, res).catch(() => res.destroy()));

  private constructor(
    private readonly target: string,
    public delayMs: number,
  ) {}

  static async start(target: string, delayMs: number): Promise<GeminiLatencyProxy> {
    const proxy = new GeminiLatencyProxy(target, delayMs);
    await new Promise<void>((resolve) => proxy.server.listen(0, '127.0.0.1', resolve));
    proxy.baseUrl = `http://127.0.0.1:${(proxy.server.address() as net.AddressInfo).port}`;
    return proxy;
  }

  inFlight(): ProxiedImageCall[] {
    return this.images.filter((c) => c.answeredAt === undefined && !c.callerGone);
  }

  /** Image calls per identity. */
  counts(): Map<string, number> {
    const m = new Map<string, number>();
    for (const c of this.images) m.set(c.identity, (m.get(c.identity) ?? 0) + 1);
    return m;
  }

  reset(): void {
    this.images.length = 0;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks);
    let call: ProxiedImageCall | undefined;
    try {
      const json = JSON.parse(body.toString('utf8')) as {
        contents?: { parts?: { text?: string; inlineData?: { data?: string } }[] }[];
        generationConfig?: { responseModalities?: string[] };
      };
      if (json.generationConfig?.responseModalities?.includes('IMAGE')) {
        const parts = (json.contents ?? []).flatMap((c) => c.parts ?? []);
        const prompt = parts.map((p) => p.text ?? '').join('\n');
        const slide = /create the photo for slide (\d+) of/i.exec(prompt)?.[1] ?? '?';
        const p = /Scene: scene (\d+) of slide/.exec(prompt)?.[1] ?? '?';
        // The source slide is the last image attached (after the product photo and the subject reference).
        const ref = parts.filter((x) => x.inlineData?.data).at(-1)?.inlineData?.data;
        const width = ref ? (await sharp(Buffer.from(ref, 'base64')).metadata()).width : 0;
        call = { identity: `${width}:${slide}:${p}`, arrivedAt: Date.now(), callerGone: false };
        this.images.push(call);
        res.on('close', () => {
          if (call && call.answeredAt === undefined) call.callerGone = true;
        });
        await new Promise((r) => setTimeout(r, this.delayMs));
      }
    } catch {
      // not JSON: forwarded as is
    }
    const target = new URL(req.url ?? '/', this.target);
    const upstream = await new Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }>(
      (resolve, reject) => {
        const out = http.request(
          target,
          { method: req.method, headers: { ...req.headers, host: target.host } },
          (r) => {
            const parts: Buffer[] = [];
            r.on('data', (c: Buffer) => parts.push(c));
            r.on('end', () => resolve({ status: r.statusCode ?? 502, headers: r.headers, body: Buffer.concat(parts) }));
          },
        );
        out.on('error', reject);
        out.end(body);
      },
    );
    if (call && !call.callerGone) call.answeredAt = Date.now();
    if (res.destroyed) return;
    res.writeHead(upstream.status, { 'content-type': String(upstream.headers['content-type'] ?? 'application/json') });
    res.end(upstream.body);
  }
}

/** The fake TikTok posts of a spec: each with its own slide width, so an image call names its link. */
export function postWidth(i: number): number {
  return 720 + 8 * i;
}
