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
  | { type: 'blocked'; how?: BlockHow }
  | { type: 'malformed' }
  | { type: 'invalid-plan' }
  | { type: 'bad-image' }
  | { type: 'json'; body: unknown };

/**
 * How an answer comes back without an image: a prompt block (`promptFeedback.blockReason`), an output
 * block by finishReason (`finish` = IMAGE_SAFETY), or a polite text-only answer (`no-image`).
 */
export type BlockHow =
  | 'prompt'
  | 'finish'
  | 'no-image'
  | 'IMAGE_SAFETY'
  | 'IMAGE_PROHIBITED_CONTENT'
  | 'IMAGE_RECITATION'
  | 'IMAGE_OTHER'
  | 'NO_IMAGE';

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
  /** `imageConfig.imageSize` as sent (1K, 2K, 4K), if any. */
  imageSize?: string;
  /** The inline images sent, base64, in order (to prove which reference went with which request). */
  imageData: string[];
  fault?: GeminiFault['type'];
  /** Set when the request came inside a batch job: the job's name and the request's key. */
  batch?: { name: string; key: string };
  /**
   * Earlier calls whose returned image came back inside this request (matched by its colour: every image
   * the fake makes is one flat colour from its prompt), e.g. the subject reference of a photo variant.
   */
  refersTo: number[];
}

interface RequestBody {
  model?: string;
  contents?: Array<{
    role?: string;
    parts?: Array<{ text?: string; inlineData?: { mimeType?: string; data?: string } }>;
  }>;
  generationConfig?: {
    responseModalities?: string[];
    imageConfig?: { aspectRatio?: string; imageSize?: string };
    responseMimeType?: string;
  };
}

/** What Gemini's image models return per `imageSize` and aspect; without an imageSize, the old 1K default. */
interface BatchCreateBody {
  batch?: {
    displayName?: string;
    inputConfig?: { requests?: { requests?: Array<{ request?: RequestBody; metadata?: { key?: string } }> } };
  };
}

export interface FakeBatchJob {
  name: string;
  model: string;
  key: string;
  displayName: string;
  state: 'BATCH_STATE_PENDING' | 'BATCH_STATE_RUNNING' | 'BATCH_STATE_SUCCEEDED' | 'BATCH_STATE_CANCELLED';
  createdAt: number;
  requests: Array<{ key: string; request: RequestBody }>;
  responses?: unknown[];
}

/** A batch job as the long-running operation Gemini answers with. */
function operation(job: FakeBatchJob) {
  const done = job.state === 'BATCH_STATE_SUCCEEDED' || job.state === 'BATCH_STATE_CANCELLED';
  const output = job.responses ? { inlinedResponses: { inlinedResponses: job.responses } } : undefined;
  return {
    name: job.name,
    metadata: {
      '@type': 'type.googleapis.com/google.ai.generativelanguage.v1main.GenerateContentBatch',
      model: `models/${job.model}`,
      displayName: job.displayName,
      name: job.name,
      state: job.state,
      createTime: new Date(job.createdAt).toISOString(),
      updateTime: new Date().toISOString(),
      batchStats: { requestCount: String(job.requests.length) },
      ...(output ? { output } : {}),
    },
    ...(done ? { done: true } : {}),
    ...(output
      ? {
          response: {
            '@type': 'type.googleapis.com/google.ai.generativelanguage.v1main.GenerateContentBatchOutput',
            ...output,
          },
        }
      : {}),
  };
}

const SIZES: Record<string, Record<string, [number, number]>> = {
  '': { '3:4': [768, 1024], '9:16': [768, 1344], '1:1': [1024, 1024] },
  '1K': { '3:4': [896, 1200], '9:16': [768, 1376], '1:1': [1024, 1024] },
  '2K': { '3:4': [1792, 2400], '9:16': [1536, 2752], '1:1': [2048, 2048] },
  '4K': { '3:4': [3584, 4800], '9:16': [3072, 5504], '1:1': [4096, 4096] },
};

export class FakeGemini {
  readonly calls: FakeGeminiCall[] = [];
  /** Keys answered with 400 API_KEY_INVALID. */
  readonly invalidKeys = new Set<string>();
  /** Keys whose daily quota is used up: every call gets the per-day 429. */
  readonly exhaustedKeys = new Set<string>();
  /** Optional enforcement of a per-key-per-kind limit (answers the per-minute 429 when exceeded). */
  enforce?: { limit: number; windowMs: number; retryDelay: string };
  /** Batch jobs by name, and every create/get/cancel on them. */
  readonly jobs = new Map<string, FakeBatchJob>();
  readonly batchLog: Array<{ op: 'create' | 'get' | 'cancel'; name: string; at: number; keys?: string[] }> = [];
  /** Keep jobs pending until `runPendingJobs()` (a job waiting out a worker's death). */
  holdBatches = false;
  /** A job runs on the first `get` this long after it was created. */
  batchRunAfterMs = 0;
  private jobCount = 0;
  /** The recurring subject the fake's plans name (null: none, as before). */
  planSubject: { kind: string; description: string; slides: number[] } | null = null;
  /** Flat colours of the images the fake returned, by index of the call that returned them. */
  private made = new Map<number, [number, number, number]>();
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
    this.planSubject = null;
    this.made.clear();
    this.jobs.clear();
    this.batchLog.length = 0;
    this.holdBatches = false;
    this.batchRunAfterMs = 0;
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
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const key = (req.headers['x-goog-api-key'] as string | undefined) ?? url.searchParams.get('key') ?? '';
    const batchRoute = /^\/v1beta\/(?:models\/([^/:]+):batchGenerateContent|batches\/([^/:]+)(:cancel)?)$/.exec(
      url.pathname,
    );
    if (batchRoute) return this.batchApi(req.method ?? '', batchRoute, chunks, key, res);
    const m = /^\/v1beta\/models\/([^/:]+):generateContent$/.exec(url.pathname);
    if (req.method !== 'POST' || !m)
      return send(res, 404, {
        error: { code: 404, message: `no route ${req.method} ${url.pathname}`, status: 'NOT_FOUND' },
      });
    const body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as RequestBody;
    const out = await this.respond(at, key, m[1], body);
    send(res, out.status, out.payload);
  }

  /** One generateContent: logs the call, applies the script, answers like Gemini. */
  private async respond(
    at: number,
    key: string,
    model: string,
    body: RequestBody,
    batch?: { name: string; key: string },
  ): Promise<{ status: number; payload: unknown }> {
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
      imageData: parts.flatMap((p) => (p.inlineData?.data ? [p.inlineData.data] : [])),
      imageSize: body.generationConfig?.imageConfig?.imageSize,
      turns: body.contents?.length ?? 0,
      aspectRatio: body.generationConfig?.imageConfig?.aspectRatio,
      batch,
      refersTo: [],
    };
    this.calls.push(call);
    call.refersTo = await this.refersTo(call.imageData);
    const answer = (status: number, payload: unknown, fault?: GeminiFault['type']) => {
      call.status = status;
      call.fault = fault;
      return { status, payload };
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
    if (kind === 'text') {
      const plan = planFromPrompt(call.prompt);
      plan.subject = this.planSubject;
      return answer(200, textResponse(JSON.stringify(plan)));
    }
    // Like the real model, asking the same prompt again paints another picture (the first take is stable).
    const take = this.calls.filter(
      (c) => c !== call && c.kind === 'image' && c.status === 200 && c.prompt === call.prompt,
    ).length;
    const image = await imageResponse(call.aspectRatio ?? '1:1', call.prompt, undefined, call.imageSize, take);
    this.made.set(this.calls.indexOf(call), colourOf(call.prompt, take));
    return answer(200, image);
  }

  /**
   * The Batch API as Google documents it for the Gemini API: `POST models/{model}:batchGenerateContent`
   * with `batch.inputConfig.requests.requests[] = {request, metadata: {key}}` answers a long-running
   * operation `{name: "batches/…", metadata: {state: "BATCH_STATE_PENDING", …}}`; `GET batches/{id}` reports
   * the state and, once done, `metadata.output.inlinedResponses.inlinedResponses[] = {response | error,
   * metadata}`; `POST batches/{id}:cancel` cancels. A job runs (its requests are answered, and logged as
   * calls with `batch` set) on the first `get` after `batchRunAfterMs`, unless `holdBatches` is set.
   */
  private async batchApi(
    method: string,
    route: RegExpExecArray,
    chunks: Buffer[],
    key: string,
    res: http.ServerResponse,
  ): Promise<void> {
    const at = Date.now();
    if (!key) return send(res, 403, permissionDenied());
    const [, model, id, cancel] = route;
    if (model && method === 'POST') {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as BatchCreateBody;
      const requests = body.batch?.inputConfig?.requests?.requests ?? [];
      if (!requests.length || requests.some((r) => !r.metadata?.key))
        return send(res, 400, {
          error: { code: 400, message: 'every inlined request needs metadata.key', status: 'INVALID_ARGUMENT' },
        });
      const job: FakeBatchJob = {
        name: `batches/fake${++this.jobCount}${Math.random().toString(36).slice(2, 8)}`,
        model,
        key,
        displayName: body.batch?.displayName ?? '',
        state: 'BATCH_STATE_PENDING',
        createdAt: at,
        requests: requests.map((r) => ({ key: r.metadata?.key as string, request: r.request ?? {} })),
      };
      this.jobs.set(job.name, job);
      this.batchLog.push({ op: 'create', name: job.name, at, keys: job.requests.map((r) => r.key) });
      return send(res, 200, operation(job));
    }
    const job = this.jobs.get(`batches/${id}`);
    if (!job) return send(res, 404, { error: { code: 404, message: `batches/${id} not found`, status: 'NOT_FOUND' } });
    if (cancel && method === 'POST') {
      this.batchLog.push({ op: 'cancel', name: job.name, at });
      if (job.state === 'BATCH_STATE_PENDING' || job.state === 'BATCH_STATE_RUNNING')
        job.state = 'BATCH_STATE_CANCELLED';
      return send(res, 200, {});
    }
    if (method !== 'GET') return send(res, 404, { error: { code: 404, message: 'no route', status: 'NOT_FOUND' } });
    this.batchLog.push({ op: 'get', name: job.name, at });
    if (job.state === 'BATCH_STATE_PENDING' && !this.holdBatches && at - job.createdAt >= this.batchRunAfterMs) {
      await this.runJob(job);
    }
    return send(res, 200, operation(job));
  }

  /** Answers every request of a job now (what Google does within 24 h). */
  async runJob(job: FakeBatchJob): Promise<void> {
    job.state = 'BATCH_STATE_RUNNING';
    const responses: unknown[] = [];
    for (const r of job.requests) {
      const out = await this.respond(Date.now(), job.key, job.model, r.request, { name: job.name, key: r.key });
      responses.push(
        out.status === 200
          ? { response: out.payload, metadata: { key: r.key } }
          : { error: (out.payload as { error: unknown }).error, metadata: { key: r.key } },
      );
    }
    job.responses = responses;
    job.state = 'BATCH_STATE_SUCCEEDED';
  }

  /** Runs every pending job now (with `holdBatches`). */
  async runPendingJobs(): Promise<void> {
    for (const job of this.jobs.values()) if (job.state === 'BATCH_STATE_PENDING') await this.runJob(job);
  }

  /** Which earlier calls' images these inline images are (mean colour within a JPEG's error of a flat one). */
  private async refersTo(images: string[]): Promise<number[]> {
    const out: number[] = [];
    for (const data of images) {
      const stats = await sharp(Buffer.from(data, 'base64'))
        .stats()
        .catch(() => undefined);
      if (!stats || stats.channels.some((c) => c.stdev > 4)) continue;
      const mean = stats.channels.slice(0, 3).map((c) => c.mean);
      for (const [index, rgb] of this.made) {
        if (rgb.every((v, k) => Math.abs(v - mean[k]) < 4)) out.push(index);
      }
    }
    return out;
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

function blocked(how: BlockHow, kind: CallKind) {
  const usageMetadata = { promptTokenCount: 1200, totalTokenCount: 1200 };
  if (how === 'prompt') {
    return { promptFeedback: { blockReason: 'PROHIBITED_CONTENT' }, usageMetadata, modelVersion: 'fake' };
  }
  if (how !== 'no-image') {
    const finishReason = how === 'finish' ? (kind === 'image' ? 'IMAGE_SAFETY' : 'SAFETY') : how;
    return {
      candidates: [
        {
          finishReason,
          ...(how === 'IMAGE_OTHER' ? { finishMessage: 'Unable to show the generated image.' } : {}),
          index: 0,
        },
      ],
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

async function imageResponse(aspect: string, prompt: string, side?: number, size = '', take = 0) {
  const table = SIZES[size] ?? SIZES[''];
  const [w, h] = side ? [side, side] : (table[aspect] ?? table['1:1']);
  const [r, g, b] = colourOf(prompt, take);
  const png = await sharp({ create: { width: w, height: h, channels: 3, background: { r, g, b } } })
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

/** The flat colour of the image made for a prompt. */
function colourOf(prompt: string, take = 0): [number, number, number] {
  let hash = 0;
  for (const ch of take ? `${prompt}#${take}` : prompt) hash = (hash * 31 + ch.charCodeAt(0)) >>> 0;
  return [hash & 255, (hash >> 8) & 255, (hash >> 16) & 255];
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
