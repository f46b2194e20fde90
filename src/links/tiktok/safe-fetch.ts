import * as dns from 'node:dns';
import type { LookupFunction } from 'node:net';
import ipaddr from 'ipaddr.js';
import { Agent } from 'undici';
import type { AppConfig } from '../../config/config.schema';
import { PermanentError, TransientError } from '../../common/errors';

/**
 * The only HTTP client that talks to TikTok (pages, short links, CDN, the tikwm fallback). It is safe by
 * construction: every URL, first or redirected, is checked against the allowed host patterns, must be
 * https (plain http only for a configured base URL's exact origin), and must resolve to public addresses
 * only. The address check runs twice: once before the request (dns.lookup, every address) and again in
 * the socket's own lookup, so a name that re-resolves to a private address between the two (DNS
 * rebinding) is still refused. Times and sizes are bounded.
 */

export type SourceSettings = AppConfig['source'];

const MAX_REDIRECTS = 5;
const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);

const BROWSER_HEADERS: Record<string, string> = {
  'user-agent':
    'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36',
  accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8',
  'accept-language': 'en-US,en;q=0.9',
  referer: 'https://www.tiktok.com/',
};

export interface SafeRequestOptions {
  signal?: AbortSignal;
  /** Overrides the default Accept header (e.g. `application/json` for the tikwm API). */
  accept?: string;
  /** Cap for this response; defaults to `config.source.maxBytes`. */
  maxBytes?: number;
  /**
   * Asked before each redirect is followed. Returning true stops there: the 3xx response is returned with
   * `redirectedTo` set and the target is never contacted (used to resolve short links to a post id).
   */
  stopBefore?: (next: URL) => boolean;
}

export interface SafeResponse {
  status: number;
  /** The URL that produced this response (after the redirects followed). */
  url: string;
  headers: Headers;
  body: Buffer;
  /** Set when `stopBefore` stopped at a redirect: its absolute target. */
  redirectedTo?: string;
}

/** `host` lower-cased, without IPv6 brackets or a trailing dot. */
export function normalizeHost(host: string): string {
  return host
    .toLowerCase()
    .replace(/^\[(.*)\]$/, '$1')
    .replace(/\.$/, '');
}

/** Exact names, and `*.suffix` patterns that match any sub-domain of suffix (not suffix itself). */
export function isHostAllowed(host: string, patterns: readonly string[]): boolean {
  const h = normalizeHost(host);
  if (!h) return false;
  return patterns.some((raw) => {
    const p = normalizeHost(raw.trim());
    if (p.startsWith('*.')) return h.endsWith(p.slice(1)) && h.length > p.length - 1;
    return p === h;
  });
}

/** True only for global unicast addresses: no private, loopback, link-local, ULA, CGNAT, multicast, reserved. */
export function isPublicAddress(address: string): boolean {
  if (!ipaddr.isValid(address)) return false;
  let ip = ipaddr.parse(address);
  // ::ffff:10.0.0.1 and friends are judged as the IPv4 address they carry.
  if (ip.kind() === 'ipv6' && (ip as ipaddr.IPv6).isIPv4MappedAddress()) ip = (ip as ipaddr.IPv6).toIPv4Address();
  return ip.range() === 'unicast';
}

/** Milliseconds from a Retry-After header (seconds or an HTTP date), if any. */
export function retryAfterMs(headers: Headers): number | undefined {
  const v = headers.get('retry-after');
  if (!v) return undefined;
  if (/^\d+(\.\d+)?$/.test(v.trim())) return Math.round(Number(v) * 1000);
  const at = Date.parse(v);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}

/** The classified error for an unexpected HTTP status: 429/5xx/403 may pass, 404/410 will not. */
export function errorForStatus(res: SafeResponse, what: string): PermanentError | TransientError {
  const host = new URL(res.url).host;
  if (res.status === 404 || res.status === 410)
    return new PermanentError('fetch', `${what}: ${host} answered ${res.status} (not found)`, 'not_found');
  if (res.status === 429)
    return new TransientError(
      'fetch',
      `${what}: ${host} is rate limiting (429)`,
      retryAfterMs(res.headers),
      'rate_limited',
    );
  return new TransientError(
    'fetch',
    `${what}: ${host} answered ${res.status}`,
    retryAfterMs(res.headers),
    `http_${res.status}`,
  );
}

/** Refusal carried out of the socket lookup (undici wraps it as the `cause` of "fetch failed"). */
class AddressRefused extends PermanentError {
  constructor(host: string, address: string) {
    super(
      'fetch',
      `refused to contact ${host}: it resolves to a non-public address (${address})`,
      'address_not_allowed',
    );
  }
}

/**
 * The socket's own lookup: the addresses actually connected to are checked, not an earlier answer, so a
 * name re-resolving to a private address after `checkTarget` (DNS rebinding) is still refused.
 */
export function pinnedLookup(trustedHosts: ReadonlySet<string>): LookupFunction {
  return (hostname, options, callback) => {
    dns.lookup(hostname, { all: true, family: options.family ?? 0, hints: options.hints }, (err, addresses) => {
      if (err) return callback(err, '', 0);
      const bad = addresses.find((a) => !isPublicAddress(a.address));
      if (bad && !trustedHosts.has(normalizeHost(hostname)))
        return callback(new AddressRefused(hostname, bad.address), '', 0);
      if (options.all) return (callback as unknown as (e: null, a: dns.LookupAddress[]) => void)(null, addresses);
      callback(null, addresses[0].address, addresses[0].family);
    });
  };
}

export class SafeFetcher {
  private readonly trustedOrigins: Set<string>;
  private readonly trustedHosts: Set<string>;
  private readonly agent: Agent;

  constructor(private readonly settings: SourceSettings) {
    const bases = [settings.tiktokBaseUrl, settings.tikwmBaseUrl].filter((b): b is string => !!b);
    // Plain http and private addresses are allowed only for the exact origin of a configured base URL.
    this.trustedOrigins = new Set(bases.map((b) => new URL(b).origin));
    this.trustedHosts = new Set(bases.map((b) => normalizeHost(new URL(b).hostname)));
    this.agent = new Agent({ connect: { lookup: pinnedLookup(this.trustedHosts) }, keepAliveTimeout: 4000 });
  }

  /** GET `url`, following at most 5 redirects, each re-checked. Throws classified errors. */
  async get(url: string, options: SafeRequestOptions = {}): Promise<SafeResponse> {
    const timeout = AbortSignal.timeout(this.settings.timeoutMs);
    const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
    const maxBytes = options.maxBytes ?? this.settings.maxBytes;
    let current = this.parse(url);
    try {
      for (let hop = 0; ; hop++) {
        await this.checkTarget(current);
        const res = await fetch(current, {
          redirect: 'manual',
          signal,
          headers: { ...BROWSER_HEADERS, ...(options.accept ? { accept: options.accept } : {}) },
          dispatcher: this.agent,
        } as RequestInit);
        const location = res.headers.get('location');
        if (REDIRECT_STATUSES.has(res.status) && location) {
          await res.body?.cancel().catch(() => undefined);
          const next = this.parse(location, current);
          if (options.stopBefore?.(next)) {
            return {
              status: res.status,
              url: current.href,
              headers: res.headers,
              body: Buffer.alloc(0),
              redirectedTo: next.href,
            };
          }
          if (hop >= MAX_REDIRECTS)
            throw new PermanentError('fetch', `more than ${MAX_REDIRECTS} redirects from ${url}`, 'too_many_redirects');
          current = next;
          continue;
        }
        const body = await readCapped(res, maxBytes, current);
        return { status: res.status, url: current.href, headers: res.headers, body };
      }
    } catch (e) {
      throw this.classify(e, current, timeout, options.signal);
    }
  }

  /** Throws unless `u` may be contacted: allowed host, https (or a trusted origin), public addresses. */
  async checkTarget(u: URL): Promise<void> {
    const host = normalizeHost(u.hostname);
    if (u.protocol !== 'https:' && u.protocol !== 'http:') throw this.refuse(u, `scheme ${u.protocol} is not allowed`);
    if (u.username || u.password) throw this.refuse(u, 'URLs with credentials are not allowed');
    if (!isHostAllowed(host, this.settings.allowedHosts))
      throw this.refuse(u, `host ${host} is not an allowed TikTok host`);
    const trusted = this.trustedOrigins.has(u.origin);
    if (u.protocol === 'http:' && !trusted) throw this.refuse(u, `plain http to ${host} is not allowed`);
    if (trusted) return;
    const addresses = ipaddr.isValid(host)
      ? [host]
      : (await dns.promises.lookup(host, { all: true })).map((a) => a.address);
    const bad = addresses.find((a) => !isPublicAddress(a));
    if (bad) throw new AddressRefused(host, bad);
  }

  async close(): Promise<void> {
    await this.agent.close();
  }

  private parse(raw: string, base?: URL): URL {
    try {
      return new URL(raw, base);
    } catch {
      throw new PermanentError('fetch', `not a valid URL: ${raw.slice(0, 200)}`, 'invalid_url');
    }
  }

  private refuse(u: URL, why: string): PermanentError {
    return new PermanentError('fetch', `refused to fetch ${u.origin}: ${why}`, 'host_not_allowed');
  }

  private classify(e: unknown, u: URL, timeout: AbortSignal, caller?: AbortSignal): unknown {
    if (e instanceof PermanentError || e instanceof TransientError) return e;
    const cause = (e as { cause?: unknown })?.cause;
    if (cause instanceof PermanentError) return cause;
    if (caller?.aborted) return caller.reason ?? e;
    if (timeout.aborted) {
      return new TransientError(
        'fetch',
        `timed out after ${this.settings.timeoutMs} ms fetching ${u.host}`,
        undefined,
        'timeout',
      );
    }
    const detail = cause instanceof Error ? cause.message : (e as Error)?.message;
    return new TransientError('fetch', `network error fetching ${u.host}: ${detail}`, undefined, 'network');
  }
}

/** Reads the body, counting bytes as they stream in; aborts as soon as the cap is passed. */
async function readCapped(res: Response, maxBytes: number, u: URL): Promise<Buffer> {
  const tooLarge = () =>
    new PermanentError('fetch', `response from ${u.host} is larger than the ${maxBytes}-byte limit`, 'too_large');
  const declared = Number(res.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > maxBytes) {
    await res.body?.cancel().catch(() => undefined);
    throw tooLarge();
  }
  if (!res.body) return Buffer.alloc(0);
  const reader = res.body.getReader();
  const chunks: Buffer[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel().catch(() => undefined);
      throw tooLarge();
    }
    chunks.push(Buffer.from(value));
  }
  return Buffer.concat(chunks, total);
}
