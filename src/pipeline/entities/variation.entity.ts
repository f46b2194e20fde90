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
import { FailureStep } from '../../common/errors';
import type { PostCaption } from '../plan';
import { ItemStatus } from '../statuses';
import { BatchLink } from './link.entity';

export interface VariationFile {
  name: string;
  url: string;
  /** Slides only: a small WebP the results page shows (absent on slides made before thumbnails existed). */
  thumbnailUrl?: string;
}

/** One edit the user made after seeing a variation: what it had before, and what changed. */
export interface VariationEdit {
  at: string;
  kind: 'texts' | 'caption' | 'slide';
  /** The overlay texts before the edit (texts), or the caption before it (caption). */
  texts?: string[];
  caption?: PostCaption;
  /** 0-based plan slide whose image was made again (slide). */
  slide?: number;
}

@Entity('batch_variations')
@Index(['linkId', 'photoIndex', 'textIndex'], { unique: true })
@Index(['batchId', 'status'])
@Index(['linkId', 'status'])
export class BatchVariation {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  /** Denormalised so a batch's status counts are one indexed GROUP BY. */
  @Column({ type: 'varchar', length: 36 })
  batchId: string;

  /** No length here: a join column takes its type from the referenced id (uuid on PostgreSQL, which has none). */
  @Column({ type: 'varchar' })
  linkId: string;

  @ManyToOne(() => BatchLink, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'linkId' })
  link?: BatchLink;

  /** 1-based photo variant p. */
  @Column({ type: 'integer' })
  photoIndex: number;

  /** 1-based text variant t. */
  @Column({ type: 'integer' })
  textIndex: number;

  @Column({ type: 'varchar', length: 16, default: 'pending' })
  status: ItemStatus;

  @Column({ type: 'varchar', length: 16, nullable: true })
  errorStep: FailureStep | null;

  @Column({ type: 'text', nullable: true })
  error: string | null;

  /** False when a retry cannot help (private, deleted or region-locked post, a video). */
  @Column({ type: 'boolean', default: true })
  retryable: boolean;

  @Column({ type: 'simple-json', nullable: true })
  files: VariationFile[] | null;

  @Column({ type: 'varchar', length: 512, nullable: true })
  outputFolderId: string | null;

  @Column({ type: 'varchar', length: 1024, nullable: true })
  outputUrl: string | null;

  /** Overlay texts, one per plan slide, once the user edited them after seeing the result; null: the plan's. */
  @Column({ type: 'simple-json', nullable: true })
  texts: string[] | null;

  /** The post caption once the user edited it; null: the plan's caption of this text variant. */
  @Column({ type: 'simple-json', nullable: true })
  caption: PostCaption | null;

  /** Earlier texts and captions, oldest first. */
  @Column({ type: 'simple-json', nullable: true })
  edits: VariationEdit[] | null;

  /** Set when the MP4 could not be made: the slides still stand. */
  @Column({ type: 'text', nullable: true })
  videoError: string | null;

  /**
   * What the slides could not show as planned, for the person checking the results (emoji or a script the
   * overlay fonts lack, left out); the variation still completed.
   */
  @Column({ type: 'simple-json', nullable: true })
  warnings: string[] | null;

  @CreateDateColumn()
  createdAt: Date;

  @UpdateDateColumn()
  updatedAt: Date;

  @Column({ type: Date, nullable: true })
  startedAt: Date | null;

  @Column({ type: Date, nullable: true })
  finishedAt: Date | null;
}
