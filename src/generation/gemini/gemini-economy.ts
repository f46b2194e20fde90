import { Logger } from '@nestjs/common';
import { BatchJob, Content, GenerateContentConfig, GenerateContentResponse, GoogleGenAI } from '@google/genai';
import type Redis from 'ioredis';
import { AppConfig } from '../../config/config.schema';
import { TransientError } from '../../common/errors';
import { sleep } from '../../common/rate-limiter';
import { EconomyRound, GeneratorEvent, SlideImageInput } from '../generator.interface';
import { classifyGeminiError, findRefusal, Refusal } from './gemini-errors';
import { GeminiKeyPool, PooledKey } from './key-pool';

/** A request failing this often inside batch jobs (errors, not refusals) hands the variation to the queue's retry. */
const MAX_REQUEST_ERRORS = 3;
/** A day plus margin: Google's Batch API promises results within 24 h, then expires the job. */
const TERMINAL = new Set(['JOB_STATE_SUCCEEDED', 'JOB_STATE_FAILED', 'JOB_STATE_CANCELLED', 'JOB_STATE_EXPIRED']);

/** What a round has sent, in Redis: every worker resumes polling these jobs rather than sending them again. */
interface RoundState {
  jobs: Array<{ name: string; keyId: string; keys: string[]; counted?: boolean }>;
}

export interface EconomyDeps {
  config: AppConfig;
  redis: Redis;
  pool: GeminiKeyPool;
  client(keyId: string): GoogleGenAI;
  request(input: SlideImageInput, sanitised: boolean): Promise<{ contents: Content[]; config: GenerateContentConfig }>;
  /** Checks the image of a response (decodes, size, shape) and returns it. */
  accept(res: GenerateContentResponse, input: SlideImageInput): Promise<Buffer>;
  refused(r: Refusal, input: SlideImageInput): Error;
  emit(e: GeneratorEvent): void;
}

/**
 * Slide images through Gemini's Batch API (`batches.create` with inline requests keyed by slide, polled
 * with `batches.get`): half the price, results within a day. Each round is keyed (`jobKey`); the names of
 * the jobs it sent are stored in Redis the moment they exist, so a worker that dies mid-wait costs nothing:
 * the next one polls the same jobs. A refused request gets its one sanitised retry in the next job, a
 * failed one is sent again in the next job; a cancelled batch cancels its Gemini jobs.
 */
export class GeminiEconomy {
  private readonly logger = new Logger(GeminiEconomy.name);

  constructor(private readonly d: EconomyDeps) {}

  async run(inputs: SlideImageInput[], round: EconomyRound): Promise<Buffer[]> {
    const stateKey = `${this.d.config.queuePrefix}:gemini-batch:${round.jobKey}`;
    const byKey = new Map(inputs.map((i) => [requestKey(i), i]));
    const state: RoundState = JSON.parse((await this.d.redis.get(stateKey)) ?? '{"jobs":[]}') as RoundState;
    const save = () => this.d.redis.set(stateKey, JSON.stringify(state), 'EX', 3 * 86_400);
    if (state.jobs.length) this.logger.log(`${round.jobKey}: resuming ${state.jobs.length} batch job(s)`);
    try {
      for (;;) {
        const results = new Map<string, Buffer>();
        const refusals = new Map<string, Refusal[]>();
        const errors = new Map<string, number>();
        for (const job of state.jobs) {
          const done = await this.waitFor(job, round);
          const answered = new Set<string>();
          for (const r of done.dest?.inlinedResponses ?? []) {
            const key = String((r.metadata as { key?: string } | undefined)?.key ?? '');
            const input = byKey.get(key);
            if (!input) continue;
            answered.add(key);
            const refusal = r.response ? findRefusal(r.response, 'image') : undefined;
            if (!job.counted && r.response) this.emitCall(job.keyId, refusal ? 'refused' : 'ok');
            if (r.error || !r.response) errors.set(key, (errors.get(key) ?? 0) + 1);
            else if (refusal) refusals.set(key, [...(refusals.get(key) ?? []), refusal]);
            else {
              const image = await this.d.accept(r.response, input).catch(() => undefined);
              if (image) results.set(key, image);
              else errors.set(key, (errors.get(key) ?? 0) + 1);
            }
          }
          for (const key of job.keys) if (!answered.has(key)) errors.set(key, (errors.get(key) ?? 0) + 1);
          if (!job.counted) {
            job.counted = true;
            await save();
          }
        }
        const missing = inputs.filter((i) => !results.has(requestKey(i)));
        if (!missing.length) {
          await this.d.redis.del(stateKey);
          return inputs.map((i) => results.get(requestKey(i)) as Buffer);
        }
        for (const i of missing) {
          const refused = refusals.get(requestKey(i)) ?? [];
          if (refused.length >= 2) throw this.d.refused(refused[refused.length - 1], i);
          if ((errors.get(requestKey(i)) ?? 0) >= MAX_REQUEST_ERRORS)
            throw new TransientError(
              'generation',
              `Gemini batch jobs failed ${MAX_REQUEST_ERRORS} times for ${requestKey(i)}`,
            );
        }
        await round.checkpoint();
        for (let k = 0; k < missing.length; k += this.d.config.gemini.batchMaxRequests) {
          const chunk = missing.slice(k, k + this.d.config.gemini.batchMaxRequests);
          state.jobs.push(await this.create(chunk, round.jobKey, (i) => refusals.has(requestKey(i))));
          await save();
        }
      }
    } catch (e) {
      if ((e as Error).name === 'CancelledError') {
        await this.cancelAll(state);
        await this.d.redis.del(stateKey);
      }
      throw e;
    }
  }

  private async create(
    inputs: SlideImageInput[],
    jobKey: string,
    sanitised: (i: SlideImageInput) => boolean,
  ): Promise<RoundState['jobs'][number]> {
    const src = await Promise.all(
      inputs.map(async (i) => ({ ...(await this.d.request(i, sanitised(i))), metadata: { key: requestKey(i) } })),
    );
    const key: PooledKey = await this.d.pool.acquire('image');
    try {
      const job = await this.d
        .client(key.id)
        .batches.create({ model: this.d.config.gemini.imageModel, src, config: { displayName: jobKey } });
      this.logger.log(`${jobKey}: batch job ${job.name} sent with ${inputs.length} image request(s)`);
      return { name: job.name as string, keyId: key.id, keys: inputs.map(requestKey) };
    } catch (e) {
      const failure = classifyGeminiError(e);
      throw new TransientError(
        'generation',
        `Gemini batch job not created: ${failure.message}`,
        'retryAfterMs' in failure ? failure.retryAfterMs : undefined,
        'GEMINI_UNAVAILABLE',
      );
    }
  }

  /** Polls one job until it ends, running the checkpoint between polls. */
  private async waitFor(job: RoundState['jobs'][number], round: EconomyRound): Promise<BatchJob> {
    for (;;) {
      let state: BatchJob;
      try {
        state = await this.d.client(job.keyId).batches.get({ name: job.name });
      } catch (e) {
        throw new TransientError(
          'generation',
          `Gemini batch job ${job.name} not readable: ${classifyGeminiError(e).message}`,
        );
      }
      if (TERMINAL.has(String(state.state))) return state;
      await round.checkpoint();
      await sleep(this.d.config.gemini.batchPollMs);
    }
  }

  private async cancelAll(state: RoundState): Promise<void> {
    for (const job of state.jobs) {
      try {
        const client = this.d.client(job.keyId);
        const now = await client.batches.get({ name: job.name });
        if (TERMINAL.has(String(now.state))) continue;
        await client.batches.cancel({ name: job.name });
        this.logger.log(`batch job ${job.name} cancelled`);
      } catch (e) {
        this.logger.warn(`batch job ${job.name} could not be cancelled: ${(e as Error).message}`);
      }
    }
  }

  private emitCall(keyId: string, outcome: 'ok' | 'refused'): void {
    const key = this.d.pool.keys.find((k) => k.id === keyId);
    this.d.emit({ type: 'call', key: key?.masked ?? '…', kind: 'image', outcome, economy: true });
  }
}

/** A request's key inside a job: which slide of which variant it makes. */
export function requestKey(i: SlideImageInput): string {
  return `s${i.slideIndex}-p${i.photoIndex}${i.textIndex !== undefined ? `-t${i.textIndex}` : ''}`;
}
