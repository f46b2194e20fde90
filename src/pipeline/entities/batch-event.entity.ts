import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/** The activity log shown in progress: one row per state change worth telling a user. */
@Entity('batch_events')
@Index(['batchId', 'id'])
export class BatchEvent {
  @PrimaryGeneratedColumn()
  id: number;

  @Column({ type: 'varchar', length: 36 })
  batchId: string;

  @Column({ type: 'varchar', length: 36, nullable: true })
  linkId: string | null;

  @Column({ type: 'varchar', length: 36, nullable: true })
  variationId: string | null;

  @Column({ type: 'varchar', length: 500 })
  event: string;

  @CreateDateColumn()
  at: Date;
}
