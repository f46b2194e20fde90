import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { Brackets, DataSource, In, LessThan } from 'typeorm';
import { POST_OPEN, PostStatus, TikTokPost } from './tiktok-post.entity';

/** Drafts delivered (or possibly delivered) this long ago no longer count: unposted drafts lapse within a day. */
export const PENDING_LIFETIME_MS = 24 * 3600_000;

/** The queries on tiktok_posts, in one place (STYLE 10b). */
@Injectable()
export class PostsRepository {
  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  get repo() {
    return this.ds.getRepository(TikTokPost);
  }

  get(id: string): Promise<TikTokPost | null> {
    return this.repo.findOneBy({ id });
  }

  /** Drafts TikTok holds or may hold for the account: in flight, or in the inbox and not seen posted yet. */
  countPending(accountId: string, now = new Date()): Promise<number> {
    return this.repo
      .createQueryBuilder('p')
      .where('p."accountId" = :accountId', { accountId })
      .andWhere(
        new Brackets((w) =>
          w
            .where('p.status IN (:...inFlight)', { inFlight: ['initiating', 'sending'] })
            .orWhere('(p.status IN (:...held) AND p."initiatedAt" > :since)', {
              held: ['in_inbox', 'unknown'],
              since: new Date(now.getTime() - PENDING_LIFETIME_MS),
            }),
        ),
      )
      .getCount();
  }

  /** The account's drafts in the inbox not yet seen posted, oldest first: what a status fetch may free. */
  inboxDrafts(accountId: string, limit: number, now = new Date()): Promise<TikTokPost[]> {
    return this.repo
      .createQueryBuilder('p')
      .where('p."accountId" = :accountId AND p.status = :s AND p."initiatedAt" > :since', {
        accountId,
        s: 'in_inbox',
        since: new Date(now.getTime() - PENDING_LIFETIME_MS),
      })
      .orderBy('p."initiatedAt"', 'ASC')
      .take(limit)
      .getMany();
  }

  /**
   * Moves a row on only if it is still in one of `from` (and, when given, still owned by `sendKey`): the affected
   * count says who won.
   */
  async transition(
    id: string,
    from: readonly PostStatus[],
    set: Partial<TikTokPost>,
    sendKey?: string | null,
  ): Promise<boolean> {
    const qb = this.repo
      .createQueryBuilder()
      .update(TikTokPost)
      .set(set)
      .where('id = :id', { id })
      .andWhere('status IN (:...from)', { from });
    if (sendKey !== undefined) qb.andWhere('"sendKey" = :sendKey', { sendKey });
    return ((await qb.execute()).affected ?? 0) > 0;
  }

  byBatch(batchId: string): Promise<TikTokPost[]> {
    return this.repo.find({ where: { batchId }, order: { createdAt: 'ASC' } });
  }

  /** Open rows untouched since `before`: candidates for the sweeper. */
  staleOpen(before: Date, limit = 200): Promise<TikTokPost[]> {
    return this.repo.find({
      where: { status: In([...POST_OPEN]), updatedAt: LessThan(before) },
      take: limit,
      order: { updatedAt: 'ASC' },
    });
  }

  /** Counts per account of pending drafts, for the accounts list. */
  async pendingByAccount(accountIds: string[]): Promise<Map<string, number>> {
    const out = new Map<string, number>();
    for (const id of accountIds) out.set(id, await this.countPending(id));
    return out;
  }
}
