import { Column, CreateDateColumn, Entity, Index, PrimaryColumn, UpdateDateColumn } from 'typeorm';

/**
 * One variation sent to one account. `initiating` is written before the (non-idempotent) init call and
 * `sending` with TikTok's publish_id the moment it answers, so a worker that dies in between leaves a row
 * that says so (`unknown`) instead of a second draft. See publishing.processor.ts.
 */
export const POST_STATUSES = [
  'queued',
  'waiting',
  'initiating',
  'sending',
  'in_inbox',
  'posted',
  'failed',
  'unknown',
  'cancelled',
] as const;
export type PostStatus = (typeof POST_STATUSES)[number];
/** Work remains for a worker. */
export const POST_OPEN: readonly PostStatus[] = ['queued', 'waiting', 'initiating', 'sending'];
/** TikTok may hold a draft for these: they count against the inbox limit (in_inbox/unknown for a day at most). */
export const POST_PENDING: readonly PostStatus[] = ['initiating', 'sending', 'in_inbox', 'unknown'];
export type PostMode = 'draft' | 'direct';

@Entity('tiktok_posts')
@Index(['variationId', 'accountId'], { unique: true })
@Index(['accountId', 'status'])
@Index(['batchId'])
export class TikTokPost {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id: string;

  @Column({ type: 'varchar', length: 36 })
  accountId: string;

  @Column({ type: 'varchar', length: 36 })
  batchId: string;

  @Column({ type: 'varchar', length: 36 })
  linkId: string;

  @Column({ type: 'varchar', length: 36 })
  variationId: string;

  @Column({ type: 'varchar', length: 16, default: 'draft' })
  mode: PostMode;

  /** DIRECT_POST only: one of creator_info's privacy_level_options. */
  @Column({ type: 'varchar', length: 40, nullable: true })
  privacyLevel: string | null;

  @Column({ type: 'varchar', length: 16, default: 'queued' })
  status: PostStatus;

  /** Why a `waiting` post waits, in words for the UI. */
  @Column({ type: 'text', nullable: true })
  waitReason: string | null;

  @Column({ type: 'varchar', length: 128, nullable: true })
  publishId: string | null;

  /** Fresh for every init call: the one that answers may record its publish_id, and no other. */
  @Column({ type: 'varchar', length: 36, nullable: true })
  sendKey: string | null;

  /** How many times a person asked to send this variation to this account. */
  @Column({ type: 'integer', default: 1 })
  attempt: number;

  /** The step job (`tiktok-post:<id>:<jobSeq>`) that owns the row; older ones stop at once. */
  @Column({ type: 'integer', default: 0 })
  jobSeq: number;

  /** Transient failures in this attempt (network, 5xx); too many fail the post. */
  @Column({ type: 'integer', default: 0 })
  retries: number;

  @Column({ type: 'varchar', length: 200, default: '' })
  title: string;

  @Column({ type: 'text', default: '' })
  description: string;

  @Column({ type: 'integer', default: 0 })
  imageCount: number;

  @Column({ type: 'varchar', length: 64, nullable: true })
  errorCode: string | null;

  @Column({ type: 'text', nullable: true })
  error: string | null;

  @Column({ type: Date, nullable: true })
  initiatedAt: Date | null;

  @Column({ type: Date, nullable: true })
  finishedAt: Date | null;

  @CreateDateColumn()
  createdAt: Date;

  @UpdateDateColumn()
  updatedAt: Date;
}
