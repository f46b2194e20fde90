import { randomUUID } from 'node:crypto';
import { BadRequestException, ConflictException, Injectable, Logger, NotFoundException } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, In } from 'typeorm';
import { AppConfig } from '../config/config.schema';
import { InjectConfig } from '../config/config.module';
import { TransactionRunner } from '../database/transaction-runner';
import { PipelineRows } from '../pipeline/repositories';
import { captionFor } from './caption';
import { SendResultDto, SendToTikTokDto, SkippedVariationDto, TikTokPostDto } from './dto/publishing.dto';
import { MAX_PHOTOS, slideFiles } from './post-media';
import { PostSteps } from './post-steps';
import { PostsRepository } from './posts.repository';
import { PublishingQueue } from './publishing.queue';
import { TikTokAccount } from './tiktok-account.entity';
import { AccountUnavailableError, TikTokAccountsService } from './tiktok-accounts.service';
import { PostStatus, TikTokPost } from './tiktok-post.entity';
import { TikTokClient } from './tiktok/tiktok-client';
import { isTikTokError } from './tiktok/tiktok-errors';

/** Why a variation is not sent again, by the status of its existing post to that account. */
const SKIP: Partial<Record<PostStatus, string>> = {
  queued: 'already queued for this account',
  waiting: 'already queued for this account',
  initiating: 'being sent to this account',
  sending: 'being sent to this account',
  in_inbox: 'already in this account’s TikTok inbox',
  posted: 'already posted on this account',
  unknown: 'outcome unknown: check the TikTok inbox, then send it again with "also resend unknown"',
};

/** "Send to TikTok" for one variation, a link's or a batch's, and the per-variation states for the results page. */
@Injectable()
export class TikTokPostsService {
  private readonly logger = new Logger(TikTokPostsService.name);

  constructor(
    @InjectDataSource() private readonly ds: DataSource,
    @InjectConfig() private readonly config: AppConfig,
    private readonly tx: TransactionRunner,
    private readonly rows: PipelineRows,
    private readonly posts: PostsRepository,
    private readonly queue: PublishingQueue,
    private readonly accounts: TikTokAccountsService,
    private readonly client: TikTokClient,
    private readonly steps: PostSteps,
  ) {}

  async send(dto: SendToTikTokDto): Promise<SendResultDto> {
    const p = this.config.publishing;
    if (!p.enabled)
      throw new ConflictException(
        `Sending to TikTok is disabled: set ${p.missing.join(', ')} (README, "Sending drafts to TikTok")`,
      );
    const account = await this.accounts.get(dto.accountId);
    if (account.status !== 'active')
      throw new ConflictException(
        `TikTok account "${account.displayName}" needs reconnecting (${account.lastError ?? 'its sign-in expired'}): open Accounts and connect it again`,
      );
    const mode = dto.mode ?? 'draft';
    const privacyLevel = mode === 'direct' ? await this.checkPrivacy(account, dto.privacyLevel) : null;

    const batch = await this.rows.batches.find(dto.batchId);
    if (!batch) throw new NotFoundException(`batch ${dto.batchId} not found`);
    const links = await this.rows.links.ofBatch(batch.id);
    if (dto.linkId && !links.some((l) => l.id === dto.linkId))
      throw new NotFoundException(`linkId: link ${dto.linkId} is not in batch ${batch.id}`);
    const position = new Map(links.map((l) => [l.id, l.position]));
    const variations = (await this.rows.variations.ofBatch(batch.id))
      .filter((v) => (!dto.linkId || v.linkId === dto.linkId) && (!dto.variationIds || dto.variationIds.includes(v.id)))
      .sort((a, b) => (position.get(a.linkId) ?? 0) - (position.get(b.linkId) ?? 0));
    const unknownIds = (dto.variationIds ?? []).filter((id) => !variations.some((v) => v.id === id));
    if (unknownIds.length)
      throw new NotFoundException(
        `variationIds: ${unknownIds.join(', ')} not in batch ${batch.id}${dto.linkId ? ` link ${dto.linkId}` : ''}`,
      );
    const byLink = new Map(links.map((l) => [l.id, l]));

    const skipped: SkippedVariationDto[] = [];
    const armed: TikTokPost[] = [];
    await this.tx
      .run(async (em) => {
        armed.length = 0;
        skipped.length = 0;
        const existing = new Map(
          (
            await em
              .getRepository(TikTokPost)
              .find({ where: { accountId: account.id, variationId: In(variations.map((v) => v.id)) } })
          ).map((x) => [x.variationId, x]),
        );
        for (const v of variations) {
          const slides = slideFiles(v.files);
          if (v.status !== 'completed') {
            skipped.push({ variationId: v.id, reason: `not ready (${v.status})` });
            continue;
          }
          if (!slides.length || slides.length > MAX_PHOTOS || !v.outputFolderId) {
            skipped.push({
              variationId: v.id,
              reason: slides.length > MAX_PHOTOS ? `TikTok takes at most ${MAX_PHOTOS} photos` : 'no slides delivered',
            });
            continue;
          }
          const prior = existing.get(v.id);
          if (prior && SKIP[prior.status] && !(prior.status === 'unknown' && dto.resendUnknown)) {
            skipped.push({ variationId: v.id, reason: SKIP[prior.status]! });
            continue;
          }
          const caption = captionFor({ link: byLink.get(v.linkId) ?? { caption: null }, variation: v });
          const fields: Partial<TikTokPost> = {
            mode,
            privacyLevel,
            status: 'queued',
            waitReason: null,
            publishId: null,
            sendKey: null,
            retries: 0,
            title: caption.title,
            description: caption.description,
            imageCount: slides.length,
            errorCode: null,
            error: null,
            initiatedAt: null,
            finishedAt: null,
          };
          if (prior) {
            await em.update(TikTokPost, { id: prior.id }, { ...fields, attempt: prior.attempt + 1 });
            armed.push({ ...prior, ...fields, attempt: prior.attempt + 1 } as TikTokPost);
          } else {
            const row = {
              id: randomUUID(),
              accountId: account.id,
              batchId: batch.id,
              linkId: v.linkId,
              variationId: v.id,
              attempt: 1,
              jobSeq: 0,
              ...fields,
            } as TikTokPost;
            await em.insert(TikTokPost, row);
            armed.push(row);
          }
        }
      })
      .catch((e: Error) => {
        // Two requests for the same variations at once (another API process): the unique index let one win.
        if (/unique|duplicate/i.test(e.message))
          throw new ConflictException(
            'another request is sending these variations right now: reload to see their state',
          );
        throw e;
      });
    // A person sending again has presumably fixed the domain verification: try TikTok again.
    if (armed.length) await this.steps.redis.del(this.steps.key('url-unverified'));
    for (const post of armed) await this.queue.next(post, 0);
    if (armed.length)
      this.logger.log(
        `batch ${batch.id}: ${armed.length} variation(s) queued for TikTok account ${account.id} (${mode}), ${skipped.length} skipped`,
      );
    return { queued: armed.length, skipped, posts: await this.list(batch.id) };
  }

  async list(batchId: string): Promise<TikTokPostDto[]> {
    const rows = await this.posts.byBatch(batchId);
    const names = new Map(
      (
        await this.ds
          .getRepository(TikTokAccount)
          .find({ where: { id: In([...new Set(rows.map((r) => r.accountId))]) }, select: ['id', 'displayName'] })
      ).map((a) => [a.id, a.displayName]),
    );
    return rows.map((r) => ({
      id: r.id,
      accountId: r.accountId,
      accountName: names.get(r.accountId) ?? 'TikTok account',
      batchId: r.batchId,
      linkId: r.linkId,
      variationId: r.variationId,
      mode: r.mode,
      status: r.status,
      waitReason: r.waitReason,
      errorCode: r.errorCode,
      error: r.error,
      title: r.title,
      imageCount: r.imageCount,
      attempt: r.attempt,
      updatedAt: r.updatedAt,
      finishedAt: r.finishedAt,
    }));
  }

  /** Stops a post that has not gone out yet. */
  async cancel(id: string): Promise<TikTokPostDto> {
    const post = await this.posts.get(id);
    if (!post) throw new NotFoundException(`post ${id} not found`);
    if (
      !(await this.posts.transition(id, ['queued', 'waiting'], {
        status: 'cancelled',
        waitReason: null,
        finishedAt: new Date(),
      }))
    ) {
      throw new ConflictException(`post ${id} is ${post.status}: only queued or waiting posts can be cancelled`);
    }
    await this.queue.removeStep(id, post.jobSeq);
    return (await this.list(post.batchId)).find((p) => p.id === id)!;
  }

  /** Direct posts must use a privacy level the creator offers right now (creator_info, TikTok's UX rules). */
  private async checkPrivacy(account: TikTokAccount, level: string | undefined): Promise<string> {
    if (!this.config.publishing.tiktok.directPost) {
      throw new BadRequestException(
        'mode: direct posting is off (TIKTOK_DIRECT_POST=false; TikTok allows it to audited apps only): send drafts instead',
      );
    }
    let options: string[];
    try {
      const auth = await this.accounts.auth(account.id);
      options = (await this.client.creatorInfo(auth.accessToken)).privacyLevelOptions;
    } catch (e) {
      if (e instanceof AccountUnavailableError) throw new ConflictException(e.message);
      throw new ConflictException(
        `TikTok did not say which privacy levels this account may use (${isTikTokError(e) ? e.code : (e as Error).message}): try again`,
      );
    }
    if (!level || !options.includes(level))
      throw new BadRequestException(`privacyLevel: must be one of ${options.join(', ')} for this account`);
    return level;
  }
}
