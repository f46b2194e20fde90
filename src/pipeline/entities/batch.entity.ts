import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import { BatchStatus } from '../statuses';

/** How a batch's images are paid for and how soon they come back. */
export const BATCH_SPEEDS = ['fast', 'economy'] as const;
export type BatchSpeed = (typeof BATCH_SPEEDS)[number];

@Entity('batches')
export class Batch {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ type: 'varchar', length: 200, nullable: true })
  name: string | null;

  @Index()
  @Column({ type: 'varchar', length: 32, default: 'queued' })
  status: BatchStatus;

  @Column({ type: 'integer' })
  photoVariations: number;

  @Column({ type: 'integer' })
  textVariations: number;

  /** Also render each variation as an MP4. */
  @Column({ type: 'boolean', default: false })
  video: boolean;

  /** "economy": slide images go through Gemini's Batch API (half price, within 24 h); "fast": made at once. */
  @Column({ type: 'varchar', length: 16, default: 'fast' })
  speed: BatchSpeed;
  /** Each link stops after analysis (`awaiting_review`) until the user approves its plan. */
  @Column({ type: 'boolean', default: false })
  review: boolean;

  @Column({ type: 'integer' })
  linksTotal: number;

  @Column({ type: 'integer' })
  variationsTotal: number;

  @Column({ type: 'varchar', length: 16 })
  generator: string;

  @Column({ type: 'varchar', length: 16 })
  storage: string;

  @Column({ type: 'varchar', length: 512, nullable: true })
  outputFolderId: string | null;

  @Column({ type: 'varchar', length: 1024, nullable: true })
  outputUrl: string | null;

  @Column({ type: 'text', nullable: true })
  error: string | null;

  /** Indexed: the history page lists batches newest first. */
  @Index()
  @CreateDateColumn()
  createdAt: Date;

  @UpdateDateColumn()
  updatedAt: Date;

  @Column({ type: Date, nullable: true })
  startedAt: Date | null;

  @Column({ type: Date, nullable: true })
  finishedAt: Date | null;
}
