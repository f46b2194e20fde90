import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** An uploaded product photo (decoded, re-encoded, stored under a generated name) and its description. */
@Entity('products')
export class Product {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  /** The library's label; null until the user names it (the UI then shows the description's start). */
  @Column({ type: 'varchar', length: 200, nullable: true })
  name: string | null;

  @Column({ type: 'text' })
  description: string;

  /** File name under DATA_DIR/uploads: generated, never user-supplied. */
  @Column({ type: 'varchar', length: 128 })
  photoFile: string;

  @Column({ type: 'varchar', length: 32 })
  mimeType: string;

  @Column({ type: 'integer' })
  width: number;

  @Column({ type: 'integer' })
  height: number;

  @Column({ type: 'varchar', length: 64 })
  sha256: string;

  @CreateDateColumn()
  createdAt: Date;
}
