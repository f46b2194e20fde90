import { randomBytes } from 'node:crypto';
import type * as http from 'node:http';
import sharp from 'sharp';
import type { FakeTikTokApi } from './fake-tiktok-api';

/**
 * The Content Posting half of the loopback TikTok (fake-tiktok-api.ts serves it): photo post init
 * (`POST /v2/post/publish/content/init/`, MEDIA_UPLOAD or DIRECT_POST, PULL_FROM_URL), the pull of every photo
 * from the app with TikTok's checks (verified URL prefix, JPEG/WebP, ≤ 1080p, ≤ 20 MB), status fetch
 * (`POST /v2/post/publish/status/fetch/`), and the limits: `initLimit` inits and `statusLimit` fetches per user
 * per `windowMs`, `maxPending` drafts waiting in an inbox. A request that breaks a limit is refused the way
 * TikTok refuses it and counted in `violations`.
 */

export type PublishState = 'PROCESSING_DOWNLOAD' | 'SEND_TO_USER_INBOX' | 'PUBLISH_COMPLETE' | 'FAILED';

export interface FakePublish {
  publishId: string;
  openId: string;
  mode: 'MEDIA_UPLOAD' | 'DIRECT_POST';
  status: PublishState;
  failReason?: string;
  title: string;
  description: string;
  privacyLevel?: string;
  photoUrls: string[];
  coverIndex: number;
  at: number;
  downloadedBytes: number;
  /** Drafts made by other apps (addOutsideDrafts): they fill the inbox but were never inits here. */
  outside?: boolean;
}

export interface FakeCall {
  at: number;
  openId?: string;
  /** The error code answered ('ok' when accepted). */
  code: string;
  body?: Record<string, unknown>;
  publishId?: string;
}

export class FakeContentPosting {
  readonly publishes = new Map<string, FakePublish>();
  readonly inits: FakeCall[] = [];
  readonly statusCalls: FakeCall[] = [];
  readonly pulls: { at: number; url: string; status: number; bytes: number; width?: number; format?: string }[] = [];
  violations = { initRate: 0, statusRate: 0, pending: 0 };
  /** The most drafts any inbox held at once. */
  maxPendingSeen = 0;
  private heldAnswers = 0;
  private seq = 0;

  constructor(private readonly host: FakeTikTokApi) {}

  reset(): void {
    this.publishes.clear();
    this.inits.length = 0;
    this.statusCalls.length = 0;
    this.pulls.length = 0;
    this.violations = { initRate: 0, statusRate: 0, pending: 0 };
    this.maxPendingSeen = 0;
    this.heldAnswers = 0;
  }

  /** Drafts waiting in `openId`'s inbox (processing or delivered, not yet posted or discarded by the user). */
  pendingFor(openId: string): number {
    return [...this.publishes.values()].filter(
      (p) =>
        p.openId === openId &&
        p.mode === 'MEDIA_UPLOAD' &&
        (p.status === 'PROCESSING_DOWNLOAD' || p.status === 'SEND_TO_USER_INBOX'),
    ).length;
  }

  /** The user posts (up to `n` of) the drafts in their inbox from the TikTok app. */
  userPostsDrafts(openId = this.host.currentUser, n = Infinity): number {
    let done = 0;
    for (const p of this.publishes.values()) {
      if (done >= n) break;
      if (p.openId === openId && p.status === 'SEND_TO_USER_INBOX') {
        p.status = 'PUBLISH_COMPLETE';
        done++;
      }
    }
    return done;
  }

  /** Accepted inits whose answer is still held back (initDelayMs): made at TikTok, unknown to the caller. */
  inFlightInits(): number {
    return this.heldAnswers;
  }

  /** Drafts another app left in the inbox: they count against the limit like ours. */
  addOutsideDrafts(openId: string, n: number): void {
    for (let i = 0; i < n; i++) {
      const publishId = `p_outside~${++this.seq}`;
      this.publishes.set(publishId, {
        publishId,
        openId,
        mode: 'MEDIA_UPLOAD',
        status: 'SEND_TO_USER_INBOX',
        title: '',
        description: '',
        photoUrls: [],
        coverIndex: 0,
        at: Date.now(),
        downloadedBytes: 0,
        outside: true,
      });
    }
    this.maxPendingSeen = Math.max(this.maxPendingSeen, this.pendingFor(openId));
  }

  /** Most init arrivals (accepted or not) by one user within any window of `windowMs`. */
  maxInitsInWindow(openId?: string): number {
    const times = this.inits
      .filter((c) => !openId || c.openId === openId)
      .map((c) => c.at)
      .sort((a, b) => a - b);
    let best = 0;
    for (let i = 0, j = 0; j < times.length; j++) {
      while (times[j] - times[i] >= this.host.opts.windowMs) i++;
      best = Math.max(best, j - i + 1);
    }
    return best;
  }

  /** Accepted inits per photo URL path (without the signed part's query), to spot a post sent twice. */
  acceptedPublishes(): FakePublish[] {
    return [...this.publishes.values()].filter((p) => !p.outside);
  }

  async init(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    raw: string,
    isJson: boolean,
    at: number,
  ): Promise<void> {
    const call: FakeCall = { at, code: 'ok' };
    this.inits.push(call);
    const refuse = (status: number, code: string, message: string) => {
      call.code = code;
      this.host.apiError(res, status, code, message);
    };
    let body: Record<string, any>;
    try {
      body = JSON.parse(raw) as Record<string, any>;
    } catch {
      return refuse(400, 'invalid_params', 'the body is not JSON');
    }
    call.body = body;
    const mode = body.post_mode;
    const t = this.host.authorize(req, res, mode === 'DIRECT_POST' ? 'video.publish' : 'video.upload');
    if (!t) return void (call.code = 'access_token_invalid');
    call.openId = t.openId;
    // The limit counts every init of the user in the window, refused ones included.
    const recent = this.inits.filter(
      (c) => c.openId === t.openId && c.at <= at && at - c.at < this.host.opts.windowMs,
    ).length;
    if (recent > this.host.opts.initLimit) {
      this.violations.initRate++;
      return refuse(429, 'rate_limit_exceeded', 'The API rate limit was exceeded. Please try again later.');
    }
    const info = body.post_info ?? {};
    const source = body.source_info ?? {};
    const images: unknown[] = Array.isArray(source.photo_images) ? source.photo_images : [];
    const problem = !isJson
      ? 'Content-Type must be application/json'
      : body.media_type !== 'PHOTO'
        ? 'media_type must be PHOTO'
        : mode !== 'MEDIA_UPLOAD' && mode !== 'DIRECT_POST'
          ? 'post_mode must be MEDIA_UPLOAD or DIRECT_POST'
          : source.source !== 'PULL_FROM_URL'
            ? 'source_info.source must be PULL_FROM_URL for photos'
            : images.length < 1 || images.length > 35 || images.some((u) => typeof u !== 'string')
              ? 'source_info.photo_images must hold 1 to 35 URLs'
              : !Number.isInteger(source.photo_cover_index) ||
                  source.photo_cover_index < 0 ||
                  source.photo_cover_index >= images.length
                ? 'source_info.photo_cover_index is out of range'
                : typeof info.title !== 'string' || info.title.length > 90
                  ? 'post_info.title must be a string of at most 90 characters'
                  : typeof info.description !== 'string' || info.description.length > 4000
                    ? 'post_info.description must be at most 4000 characters'
                    : undefined;
    if (problem) return refuse(400, 'invalid_params', problem);
    if (mode === 'DIRECT_POST') {
      const options = this.host.users.get(t.openId)?.privacyLevelOptions ?? [
        'PUBLIC_TO_EVERYONE',
        'MUTUAL_FOLLOW_FRIENDS',
        'SELF_ONLY',
      ];
      if (!options.includes(info.privacy_level))
        return refuse(403, 'privacy_level_option_mismatch', 'privacy_level is not one of the creator options');
    }
    if (images.some((u) => !this.host.opts.verifiedPrefixes.some((p) => (u as string).startsWith(p)))) {
      return refuse(403, 'url_ownership_unverified', 'Please review our URL ownership verification rules.');
    }
    if (mode === 'MEDIA_UPLOAD' && this.pendingFor(t.openId) >= this.host.opts.maxPending) {
      this.violations.pending++;
      // Answered with HTTP 200: the error is only in error.code.
      return refuse(200, 'spam_risk_too_many_pending_share', 'The user has too many pending shares.');
    }
    const publishId = `v_pub_url~v2-1.${String(++this.seq).padStart(6, '0')}${randomBytes(4).toString('hex')}`;
    call.publishId = publishId;
    const p: FakePublish = {
      publishId,
      openId: t.openId,
      mode,
      status: 'PROCESSING_DOWNLOAD',
      title: info.title,
      description: info.description,
      privacyLevel: info.privacy_level,
      photoUrls: images as string[],
      coverIndex: source.photo_cover_index,
      at,
      downloadedBytes: 0,
    };
    this.publishes.set(publishId, p);
    this.maxPendingSeen = Math.max(this.maxPendingSeen, this.pendingFor(t.openId));
    this.host.later(0, () => this.pull(p));
    const answer = () =>
      this.host.json(res, 200, {
        data: { publish_id: publishId },
        error: { code: 'ok', message: '', log_id: this.host.logId() },
      });
    if (!this.host.opts.initDelayMs) return answer();
    this.heldAnswers++;
    this.host.later(this.host.opts.initDelayMs, () => {
      this.heldAnswers--;
      answer();
    });
  }

  /** What TikTok does after an accepted init: download every photo from the app, check it, deliver. */
  private async pull(p: FakePublish): Promise<void> {
    for (const url of p.photoUrls) {
      if (this.host.opts.pullDelayMs) await new Promise((r) => setTimeout(r, this.host.opts.pullDelayMs));
      let status: number;
      let bytes = Buffer.alloc(0);
      let type = '';
      try {
        const r = await fetch(url, { redirect: 'manual', signal: AbortSignal.timeout(10_000) });
        status = r.status;
        type = r.headers.get('content-type') ?? '';
        bytes = Buffer.from(await r.arrayBuffer());
      } catch {
        status = 0;
      }
      const meta =
        status === 200
          ? await sharp(bytes)
              .metadata()
              .catch(() => undefined)
          : undefined;
      this.pulls.push({ at: Date.now(), url, status, bytes: bytes.length, width: meta?.width, format: meta?.format });
      if (p.status !== 'PROCESSING_DOWNLOAD') return;
      const fail = (reason: string) => {
        p.status = 'FAILED';
        p.failReason = reason;
      };
      if (status !== 200) return fail('photo_pull_failed');
      if (!/^image\/(jpeg|webp)/.test(type) || !meta || !['jpeg', 'webp'].includes(meta.format ?? ''))
        return fail('file_format_check_failed');
      if ((meta.width ?? 0) > 1080 || (meta.height ?? 0) > 1920 || bytes.length > 20 * 1024 * 1024)
        return fail('picture_size_check_failed');
      p.downloadedBytes += bytes.length;
    }
    if (p.status !== 'PROCESSING_DOWNLOAD') return;
    p.status = p.mode === 'DIRECT_POST' ? 'PUBLISH_COMPLETE' : 'SEND_TO_USER_INBOX';
    if (p.status === 'SEND_TO_USER_INBOX' && this.host.opts.autoPostAfterMs !== undefined) {
      this.host.later(this.host.opts.autoPostAfterMs, () => {
        if (p.status === 'SEND_TO_USER_INBOX') p.status = 'PUBLISH_COMPLETE';
      });
    }
  }

  status(req: http.IncomingMessage, res: http.ServerResponse, raw: string, isJson: boolean, at: number): void {
    const call: FakeCall = { at, code: 'ok' };
    this.statusCalls.push(call);
    const t = this.host.authorize(req, res, ['video.upload', 'video.publish']);
    if (!t) return void (call.code = 'access_token_invalid');
    call.openId = t.openId;
    const recent = this.statusCalls.filter(
      (c) => c.openId === t.openId && c.at <= at && at - c.at < this.host.opts.windowMs,
    ).length;
    if (recent > this.host.opts.statusLimit) {
      this.violations.statusRate++;
      call.code = 'rate_limit_exceeded';
      return this.host.apiError(
        res,
        429,
        'rate_limit_exceeded',
        'The API rate limit was exceeded. Please try again later.',
      );
    }
    let body: { publish_id?: unknown } = {};
    try {
      body = JSON.parse(raw) as { publish_id?: unknown };
    } catch {
      /* answered below */
    }
    const p = typeof body.publish_id === 'string' ? this.publishes.get(body.publish_id) : undefined;
    call.publishId = typeof body.publish_id === 'string' ? body.publish_id : undefined;
    if (!isJson || !p || p.openId !== t.openId) {
      call.code = 'invalid_params';
      return this.host.apiError(res, 400, 'invalid_params', 'publish_id is invalid');
    }
    this.host.json(res, 200, {
      data: {
        status: p.status,
        ...(p.failReason ? { fail_reason: p.failReason } : {}),
        publicaly_available_post_id: [],
        uploaded_bytes: 0,
        downloaded_bytes: p.downloadedBytes,
      },
      error: { code: 'ok', message: '', log_id: this.host.logId() },
    });
  }
}
