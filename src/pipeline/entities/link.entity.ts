import {
  Column,
  CreateDateColumn,
  Entity,
  Index,
  JoinColumn,
  ManyToOne,
  PrimaryGeneratedColumn,
  UpdateDateColumn,
} from 'typeorm';
import { Batch } from './batch.entity';
import { FailureStep } from '../../common/errors';
import { LinkStatus } from '../statuses';
import { SlideshowPlan, upgradePlan } from '../plan';
import type { FetchedSlideshow } from '../slideshow';

@Entity('batch_links')
@Index(['batchId', 'status'])
@Index(['batchId', 'position'], { unique: true })
export class BatchLink {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  /** No length here: a join column takes its type from the referenced id (uuid on PostgreSQL, which has none). */
  @Column({ type: 'varchar' })
  batchId: string;

  // One-way: a batch's links are read by query, so the batch entity needs no back-reference (and no import cycle).
  @ManyToOne(() => Batch, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'batchId' })
  batch?: Batch;

  /** 1-based order in the batch, used in folder names (`Link_<nn>_<postId>`). */
  @Column({ type: 'integer' })
  position: number;

  @Column({ type: 'varchar', length: 1024 })
  url: string;

  /** Post id when the URL carries it; short links get theirs when fetched. */
  @Column({ type: 'varchar', length: 64, nullable: true })
  postId: string | null;

  @Column({ type: 'varchar', length: 36 })
  productId: string;

  @Column({ type: 'varchar', length: 16, default: 'pending' })
  status: LinkStatus;

  @Column({ type: 'varchar', length: 16, nullable: true })
  errorStep: FailureStep | null;

  @Column({ type: 'text', nullable: true })
  error: string | null;

  /** False when a retry cannot help (private, deleted or region-locked post, a video). */
  @Column({ type: 'boolean', default: true })
  retryable: boolean;

  @Column({ type: 'text', nullable: true })
  caption: string | null;

  @Column({ type: 'integer', nullable: true })
  slideCount: number | null;

  /** What the source fetched (file paths under DATA_DIR, caption, audio): variations read it, never refetch. */
  @Column({ type: 'simple-json', nullable: true })
  slideshow: FetchedSlideshow | null;

  /**
   * The analysis result (possibly edited by the user); stored so a retry never pays for it again. Plans a
   * worker of the previous version wrote in the first format are upgraded as they are read.
   */
  @Column({
    type: 'simple-json',
    nullable: true,
    transformer: { from: (v: unknown) => upgradePlan(v) as SlideshowPlan | null, to: (v: unknown) => v },
  })
  plan: SlideshowPlan | null;

  /** P×T, fixed at creation. */
  @Column({ type: 'integer' })
  variationsTotal: number;

  @Column({ type: 'boolean', default: false })
  variationsCreated: boolean;

  /** When the user approved the plan of a review batch's link (null: not approved, or no review asked). */
  @Column({ type: Date, nullable: true })
  approvedAt: Date | null;

  @Column({ type: 'varchar', length: 512, nullable: true })
  outputFolderId: string | null;

  @Column({ type: 'varchar', length: 1024, nullable: true })
  outputUrl: string | null;

  @CreateDateColumn()
  createdAt: Date;

  @UpdateDateColumn()
  updatedAt: Date;

  @Column({ type: Date, nullable: true })
  finishedAt: Date | null;
}
