import * as http from 'node:http';
import { AddressInfo } from 'node:net';
import sharp from 'sharp';

/**
 * A loopback Gemini API (`POST /v1beta/models/<model>:generateContent`) speaking the real wire format, for
 * the real @google/genai SDK pointed at it with httpOptions.baseUrl. Text calls answer with a valid plan
 * built from the prompt's "P = …", "T = …" and "N source slides"; image calls with a real PNG of the asked
 * aspect. Faults are scripted: 429 per-minute / per-day (RetryInfo + QuotaFailure), 503, safety blocks,
 * malformed or invalid plans, undersized images, invalid keys.
 */

export type CallKind = 'text' | 'image';

export type GeminiFault =
  | { type: 'rate-minute'; retryDelay?: string }
  | { type: 'rate-day' }
  | { type: 'unavailable' }
  | { type: 'blocked'; how?: 'prompt' | 'finish' | 'no-image' }
  | { type: 'malformed' }
  | { type: 'invalid-plan' }
  | { type: 'bad-image' }
  | { type: 'json'; body: unknown };

export interface ScriptOptions {
  kind?: CallKind;
  key?: string;
  /** How many matching calls get this fault (default 1). */
  times?: number;
  /** Let this many matching calls through first (default 0). */
  after?: number;
}

export interface FakeGeminiCall {
  at: number;
  key: string;
  model: string;
  kind: CallKind;
  status: number;
  /** All text parts of the request, joined. */
  prompt: string;
  /** Inline images sent with the request. */
  images: number;
  /** Conversation turns (a repair call has three). */
  turns: number;
  aspectRatio?: string;
  fault?: GeminiFault['type'];
}

interface RequestBody {
  contents?: Array<{
    role?: string;
    parts?: Array<{ text?: string; inlineData?: { mimeType?: string; data?: string } }>;
  }>;
  generationConfig?: {
    responseModalities?: string[];
    imageConfig?: { aspectRatio?: string };
    responseMimeType?: string;
  };
}

const SIZES: Record<string, [number, number]> = { '3:4': [768, 1024], '9:16': [576, 1024], '1:1': [1024, 1024] };

export class FakeGemini {
  readonly calls: FakeGeminiCall[] = [];
  /** Keys answered with 400 API_KEY_INVALID. */
  readonly invalidKeys = new Set<string>();
  /** Keys whose daily quota is used up: every call gets the per-day 429. */
  readonly exhaustedKeys = new Set<string>();
  /** Optional enforcement of a per-key-per-kind limit (answers the per-minute 429 when exceeded). */
  enforce?: { limit: number; windowMs: number; retryDelay: string };
  private script: Array<{ fault: GeminiFault; kind?: CallKind; key?: string; left: number; skip: number }> = [];
  private server!: http.Server;
  baseUrl = '';

  static async start(): Promise<FakeGemini> {
    const fake = new FakeGemini();
    fake.server = http.createServer((req, res) => {
      fake.handle(req, res).catch((e: Error) => {
        res.writeHead(500, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: { code: 500, message: e.message, status: 'INTERNAL' } }));
      });
    });
    await new Promise<void>((resolve) => fake.server.listen(0, '127.0.0.1', resolve));
    fake.baseUrl = `http://127.0.0.1:${(fake.server.address() as AddressInfo).port}`;
    return fake;
  }

  /** The next `times` calls matching `kind`/`key` get `fault`. */
  fail(fault: GeminiFault, options: ScriptOptions = {}): void {
    this.script.push({
      fault,
      kind: options.kind,
      key: options.key,
      left: options.times ?? 1,
      skip: options.after ?? 0,
    });
  }

  reset(): void {
    this.calls.length = 0;
    this.script = [];
    this.invalidKeys.clear();
    this.exhaustedKeys.clear();
    this.enforce = undefined;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** Successful calls (status 200) of one kind. */
  ok(kind?: CallKind): FakeGeminiCall[] {
    return this.calls.filter((c) => c.status === 200 && (!kind || c.kind === kind));
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    // Arrival time, before the body is read: what a provider's quota counts.
    const at = Date.now();
    const url = new URL(req.url ?? '/', this.baseUrl);
    const m = /^\/v1beta\/models\/([^/:]+):generateContent$/.exec(url.pathname);
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    if (req.method !== 'POST' || !m)
      return send(res, 404, {
        error: { code: 404, message: `no route ${req.method} ${url.pathname}`, status: 'NOT_FOUND' },
      });
    const body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as RequestBody;
    const key = (req.headers['x-goog-api-key'] as string | undefined) ?? url.searchParams.get('key') ?? '';
    const model = m[1];
    const kind: CallKind =
      body.generationConfig?.responseModalities?.includes('IMAGE') || /image/.test(model) ? 'image' : 'text';
    const parts = (body.contents ?? []).flatMap((c) => c.parts ?? []);
    const call: FakeGeminiCall = {
      at,
      key,
      model,
      kind,
      status: 200,
      prompt: parts
        .map((p) => p.text ?? '')
        .filter(Boolean)
        .join('\n'),
      images: parts.filter((p) => p.inlineData?.data).length,
      turns: body.contents?.length ?? 0,
      aspectRatio: body.generationConfig?.imageConfig?.aspectRatio,
    };
    this.calls.push(call);
    const answer = (status: number, payload: unknown, fault?: GeminiFault['type']) => {
      call.status = status;
      call.fault = fault;
      send(res, status, payload);
    };

    if (!key) return answer(403, permissionDenied(), undefined);
    if (this.invalidKeys.has(key)) return answer(400, invalidKey(), undefined);
    if (this.exhaustedKeys.has(key)) return answer(429, quota('day', model, '3600s'), 'rate-day');
    if (this.enforce) {
      const recent = this.calls.filter(
        (c) =>
          c !== call && c.key === key && c.kind === kind && c.status === 200 && c.at > call.at - this.enforce!.windowMs,
      );
      if (recent.length >= this.enforce.limit)
        return answer(429, quota('minute', model, this.enforce.retryDelay), 'rate-minute');
    }
    const matching = this.script.find((s) => s.left > 0 && (!s.kind || s.kind === kind) && (!s.key || s.key === key));
    const scripted = matching && matching.skip > 0 ? (matching.skip--, undefined) : matching;
    if (scripted) scripted.left--;
    const fault = scripted?.fault;
    switch (fault?.type) {
      case 'rate-minute':
        return answer(429, quota('minute', model, fault.retryDelay ?? '37s'), fault.type);
      case 'rate-day':
        return answer(429, quota('day', model, '3600s'), fault.type);
      case 'unavailable':
        return answer(
          503,
          { error: { code: 503, message: 'The model is overloaded. Please try again later.', status: 'UNAVAILABLE' } },
          fault.type,
        );
      case 'blocked':
        return answer(200, blocked(fault.how ?? (kind === 'image' ? 'finish' : 'prompt'), kind), fault.type);
      case 'malformed':
        return answer(
          200,
          textResponse(JSON.stringify(planFromPrompt(call.prompt)).slice(0, 180), 'MAX_TOKENS'),
          fault.type,
        );
      case 'invalid-plan': {
        const plan = planFromPrompt(call.prompt);
        plan.slides = plan.slides.filter((s) => s.role !== 'product');
        return answer(200, textResponse(JSON.stringify(plan)), fault.type);
      }
      case 'json':
        return answer(200, textResponse(JSON.stringify(fault.body)), fault.type);
      case 'bad-image':
        return answer(200, await imageResponse('1:1', call.prompt, 128), fault.type);
    }
    if (kind === 'text') return answer(200, textResponse(JSON.stringify(planFromPrompt(call.prompt))));
    // Like the real model, asking the same prompt again paints another picture (the first take is stable).
    const take = this.calls.filter(
      (c) => c !== call && c.kind === 'image' && c.status === 200 && c.prompt === call.prompt,
    );
    return answer(200, await imageResponse(call.aspectRatio ?? '1:1', call.prompt, undefined, take.length));
  }
}

function send(res: http.ServerResponse, status: number, payload: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=UTF-8' });
  res.end(JSON.stringify(payload));
}

function quota(per: 'minute' | 'day', model: string, retryDelay: string) {
  const quotaId =
    per === 'minute'
      ? 'GenerateRequestsPerMinutePerProjectPerModel-FreeTier'
      : 'GenerateRequestsPerDayPerProjectPerModel-FreeTier';
  return {
    error: {
      code: 429,
      message: `You exceeded your current quota, please check your plan and billing details. Please retry in ${retryDelay}.`,
      status: 'RESOURCE_EXHAUSTED',
      details: [
        {
          '@type': 'type.googleapis.com/google.rpc.QuotaFailure',
          violations: [
            {
              quotaMetric: 'generativelanguage.googleapis.com/generate_content_free_tier_requests',
              quotaId,
              quotaDimensions: { location: 'global', model },
              quotaValue: per === 'minute' ? '10' : '100',
            },
          ],
        },
        {
          '@type': 'type.googleapis.com/google.rpc.Help',
          links: [
            {
              description: 'Learn more about Gemini API quotas',
              url: 'https://ai.google.dev/gemini-api/docs/rate-limits',
            },
          ],
        },
        { '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay },
      ],
    },
  };
}

function invalidKey() {
  const message = 'API key not valid. Please pass a valid API key.';
  return {
    error: {
      code: 400,
      message,
      status: 'INVALID_ARGUMENT',
      details: [
        {
          '@type': 'type.googleapis.com/google.rpc.ErrorInfo',
          reason: 'API_KEY_INVALID',
          domain: 'googleapis.com',
          metadata: { service: 'generativelanguage.googleapis.com' },
        },
        { '@type': 'type.googleapis.com/google.rpc.LocalizedMessage', locale: 'en-US', message },
      ],
    },
  };
}

function permissionDenied() {
  return { error: { code: 403, message: "Method doesn't allow unregistered callers.", status: 'PERMISSION_DENIED' } };
}

function blocked(how: 'prompt' | 'finish' | 'no-image', kind: CallKind) {
  const usageMetadata = { promptTokenCount: 1200, totalTokenCount: 1200 };
  if (how === 'prompt') {
    return { promptFeedback: { blockReason: 'PROHIBITED_CONTENT' }, usageMetadata, modelVersion: 'fake' };
  }
  if (how === 'finish') {
    return {
      candidates: [{ finishReason: kind === 'image' ? 'IMAGE_SAFETY' : 'SAFETY', index: 0 }],
      usageMetadata,
      modelVersion: 'fake',
    };
  }
  return {
    candidates: [
      {
        content: { role: 'model', parts: [{ text: "I can't help create that image." }] },
        finishReason: 'STOP',
        index: 0,
      },
    ],
    usageMetadata,
  };
}

function textResponse(text: string, finishReason = 'STOP') {
  return {
    candidates: [{ content: { role: 'model', parts: [{ text }] }, finishReason, index: 0 }],
    usageMetadata: { promptTokenCount: 2000, candidatesTokenCount: 800, totalTokenCount: 2800 },
    modelVersion: 'fake-text',
    responseId: `r${Math.random().toString(36).slice(2)}`,
  };
}

async function imageResponse(aspect: string, prompt: string, side?: number, take = 0) {
  const [w, h] = side ? [side, side] : (SIZES[aspect] ?? SIZES['1:1']);
  let hash = 0;
  for (const ch of take ? `${prompt}#${take}` : prompt) hash = (hash * 31 + ch.charCodeAt(0)) >>> 0;
  const png = await sharp({
    create: {
      width: w,
      height: h,
      channels: 3,
      background: { r: hash & 255, g: (hash >> 8) & 255, b: (hash >> 16) & 255 },
    },
  })
    .png()
    .toBuffer();
  return {
    candidates: [
      {
        content: { role: 'model', parts: [{ inlineData: { mimeType: 'image/png', data: png.toString('base64') } }] },
        finishReason: 'STOP',
        index: 0,
      },
    ],
    usageMetadata: { promptTokenCount: 600, candidatesTokenCount: 1290, totalTokenCount: 1890 },
    modelVersion: 'fake-image',
  };
}

interface FakePlanSlide {
  role: string;
  sourceIndex: number | null;
  scenes: string[];
  texts: string[];
}

/**
 * What Gemini answers under the plan response schema, for the P, T and slide count the prompt names: the
 * source slides + an appended product slide, one caption per text variant, no recurring subject.
 */
export function planFromPrompt(prompt: string) {
  const p = Number(/\bP\s*=\s*(\d+)/.exec(prompt)?.[1] ?? 1);
  const t = Number(/\bT\s*=\s*(\d+)/.exec(prompt)?.[1] ?? 1);
  const n = Number(/(\d+)\s+source slides/.exec(prompt)?.[1] ?? 3);
  const slide = (role: string, sourceIndex: number | null, i: number): FakePlanSlide => ({
    role,
    sourceIndex,
    scenes: Array.from(
      { length: p },
      (_, k) => `scene ${k + 1} of slide ${i + 1}: a bright kitchen counter, morning light`,
    ),
    texts: Array.from({ length: t }, (_, k) => `text ${k + 1} for slide ${i + 1}`),
  });
  const slides: FakePlanSlide[] = Array.from({ length: n }, (_, i) => slide(i === 0 ? 'hook' : 'body', i, i));
  slides.push(slide('product', null, n));
  return {
    aspect: '3:4',
    productPlacement: 'append',
    subject: null as null | { kind: string; description: string; slides: number[] },
    captions: Array.from({ length: t }, (_, k) => ({
      title: `Caption ${k + 1}`,
      description: `Description of variant ${k + 1}`,
      hashtags: ['#fyp', '#foryou', '#skincare'],
    })),
    slides,
  };
}
