import { ApiError, GenerateContentResponse } from '@google/genai';

/**
 * What a failed Gemini call means for the caller. The SDK throws `ApiError` with the HTTP status and the
 * raw JSON body as `message`; Google puts the useful parts in `error.details[]`:
 * `google.rpc.RetryInfo.retryDelay` ("37s") and `google.rpc.QuotaFailure.violations[].quotaId`
 * (`GenerateRequestsPerMinutePerProjectPerModel…` vs `…PerDay…`), `google.rpc.ErrorInfo.reason`
 * (`API_KEY_INVALID`).
 */
export type GeminiFailure =
  /** Per-minute quota (or an unspecified 429): that key cools down for `retryAfterMs`. */
  | { kind: 'rate'; retryAfterMs: number; quotaId?: string; message: string }
  /** Per-day quota: the key rests until Google's daily reset. */
  | { kind: 'daily'; quotaId?: string; message: string }
  /** Bad, revoked or unauthorised key: set aside. */
  | { kind: 'invalid-key'; message: string }
  /** 5xx, 408, timeouts and network errors: back off and retry. */
  | { kind: 'transient'; retryAfterMs?: number; message: string }
  /** The request itself is wrong; retrying cannot help. */
  | { kind: 'permanent'; message: string };

/** Used when a 429 carries no RetryInfo: Google's per-minute quotas refill within a minute. */
export const DEFAULT_RATE_RETRY_MS = 60_000;

interface GoogleErrorBody {
  error?: {
    code?: number;
    message?: string;
    status?: string;
    details?: Array<{
      '@type'?: string;
      retryDelay?: string;
      reason?: string;
      violations?: Array<{ quotaId?: string; quotaMetric?: string }>;
    }>;
  };
}

/** "37s", "1.5s", "250ms" (protobuf Duration as JSON) → ms. */
export function parseRetryDelay(value: string | undefined): number | undefined {
  if (!value) return undefined;
  const m = /^\s*([\d.]+)\s*(ms|s)?\s*$/.exec(value);
  if (!m) return undefined;
  const n = Number(m[1]);
  if (!Number.isFinite(n)) return undefined;
  return Math.ceil(m[2] === 'ms' ? n : n * 1000);
}

function parseBody(message: string): GoogleErrorBody {
  try {
    return JSON.parse(message) as GoogleErrorBody;
  } catch {
    return {};
  }
}

function shortMessage(body: GoogleErrorBody, status: number): string {
  const text = body.error?.message?.split('\n')[0]?.slice(0, 300);
  return `${status} ${body.error?.status ?? ''}${text ? `: ${text}` : ''}`.trim();
}

const NETWORK_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'UND_ERR_SOCKET',
]);

function isNetworkError(e: unknown): boolean {
  if (!(e instanceof Error)) return false;
  if (e.name === 'AbortError' || e.name === 'TimeoutError') return true;
  const code = (e as { code?: string }).code ?? (e.cause as { code?: string } | undefined)?.code;
  if (code && NETWORK_CODES.has(code)) return true;
  return e instanceof TypeError && /fetch failed|network|socket/i.test(e.message);
}

export function classifyGeminiError(e: unknown): GeminiFailure {
  if (e instanceof ApiError || (e instanceof Error && typeof (e as { status?: unknown }).status === 'number')) {
    const status = (e as ApiError).status;
    const body = parseBody(e.message);
    const details = body.error?.details ?? [];
    const message = shortMessage(body, status);
    const reasons = details.map((d) => d.reason).filter(Boolean);
    if (status === 429) {
      const quotaIds = details.flatMap((d) => d.violations ?? []).map((v) => v.quotaId ?? v.quotaMetric ?? '');
      const retryAfterMs = details.map((d) => parseRetryDelay(d.retryDelay)).find((ms) => ms !== undefined);
      const daily = quotaIds.find((id) => /PerDay/i.test(id));
      if (daily) return { kind: 'daily', quotaId: daily, message };
      return {
        kind: 'rate',
        retryAfterMs: retryAfterMs ?? DEFAULT_RATE_RETRY_MS,
        quotaId: quotaIds[0] || undefined,
        message,
      };
    }
    // 403 is PERMISSION_DENIED for Gemini: key restricted, API not enabled, project suspended.
    if (
      status === 401 ||
      status === 403 ||
      reasons.includes('API_KEY_INVALID') ||
      /API key (not valid|expired)/i.test(e.message)
    ) {
      return { kind: 'invalid-key', message };
    }
    if (status >= 500 || status === 408) return { kind: 'transient', message };
    return { kind: 'permanent', message };
  }
  if (isNetworkError(e)) return { kind: 'transient', message: `network: ${(e as Error).message}` };
  return { kind: 'transient', message: e instanceof Error ? e.message : String(e) };
}

/** Why an image answer carries no image, in the four ways a user can act on differently. */
export type RefusalKind = 'safety' | 'recitation' | 'declined' | 'prompt-blocked';

export interface Refusal {
  kind: RefusalKind;
  /** Google's own reason: the finishReason or blockReason (and its message, or what the model said). */
  reason: string;
  detail?: string;
}

const SAFETY_FINISH = new Set([
  'SAFETY',
  'PROHIBITED_CONTENT',
  'IMAGE_SAFETY',
  'IMAGE_PROHIBITED_CONTENT',
  'BLOCKLIST',
  'SPII',
]);
const RECITATION_FINISH = new Set(['RECITATION', 'IMAGE_RECITATION']);

/**
 * Why a successful (200) response carries nothing usable, or undefined when it does. A prompt block has
 * `promptFeedback.blockReason` and no candidates; an output block has a blocking `finishReason`; an image
 * call that returns only text or no candidate (`NO_IMAGE`, `IMAGE_OTHER`, a polite refusal) was declined.
 */
export function findRefusal(response: GenerateContentResponse, want: 'text' | 'image'): Refusal | undefined {
  const blockReason = response.promptFeedback?.blockReason;
  if (blockReason) {
    return { kind: 'prompt-blocked', reason: String(blockReason), detail: response.promptFeedback?.blockReasonMessage };
  }
  const candidate = response.candidates?.[0];
  if (!candidate) return { kind: 'declined', reason: 'NO_CANDIDATES' };
  const finish = candidate.finishReason ? String(candidate.finishReason) : undefined;
  if (finish && SAFETY_FINISH.has(finish)) return { kind: 'safety', reason: finish, detail: candidate.finishMessage };
  if (finish && RECITATION_FINISH.has(finish))
    return { kind: 'recitation', reason: finish, detail: candidate.finishMessage };
  if (want === 'image') {
    const hasImage = candidate.content?.parts?.some(
      (p) => p.inlineData?.data && p.inlineData.mimeType?.startsWith('image/'),
    );
    if (!hasImage) {
      const said = candidate.content?.parts
        ?.map((p) => p.text ?? '')
        .join(' ')
        .trim()
        .slice(0, 200);
      return {
        kind: 'declined',
        reason: finish && finish !== 'STOP' ? finish : 'TEXT_ONLY',
        detail: said || candidate.finishMessage,
      };
    }
  }
  return undefined;
}

/** The technical line for logs and the analysis step: `output blocked (IMAGE_SAFETY: …)`. */
export function findBlock(response: GenerateContentResponse, want: 'text' | 'image'): string | undefined {
  const r = findRefusal(response, want);
  if (!r) return undefined;
  const why = `${r.reason}${r.detail ? `: ${r.detail}` : ''}`;
  if (r.kind === 'prompt-blocked') return `prompt blocked (${why})`;
  if (r.kind === 'declined') return `no image returned (${why})`;
  return `output blocked (${why})`;
}

/**
 * What a user reads on a slide Gemini would not draw, after the one sanitised retry: what happened and
 * what to change. `where` names the slide, e.g. "Slide 3 (photo variant 2)".
 */
export function refusalMessage(r: Refusal, where: string): string {
  const detail = r.detail ? ` Gemini said: "${r.detail.slice(0, 200)}".` : '';
  switch (r.kind) {
    case 'safety':
      return `${where}: Gemini refused the scene under its safety rules (${r.reason}). Reword this slide's scene in the plan (plain, everyday wording) and retry.${detail}`;
    case 'recitation':
      return `${where}: the picture came out too close to an existing image (${r.reason}). Describe a scene of your own rather than a known photo, artwork or brand, and retry.${detail}`;
    case 'prompt-blocked':
      return `${where}: Gemini blocked the request itself (blockReason ${r.reason}). Reword this slide's scene and text in the plan and retry.${detail}`;
    case 'declined':
      return `${where}: the model declined to draw this slide (${r.reason}). Simplify or reword the scene in the plan and retry.${detail}`;
  }
}
