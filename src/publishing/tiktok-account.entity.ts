import { Column, CreateDateColumn, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';

/** `reconnect`: TikTok refused the refresh token (expired or revoked); the person must connect again. */
export const ACCOUNT_STATUSES = ['active', 'reconnect', 'disconnected'] as const;
export type AccountStatus = (typeof ACCOUNT_STATUSES)[number];

/**
 * A connected TikTok account. The tokens are sealed with TOKEN_ENCRYPTION_KEY (token-cipher.ts) and never
 * leave this table in clear: no DTO has a field for them. A disconnected account keeps its row (its posts
 * refer to it) but loses its tokens.
 */
@Entity('tiktok_accounts')
export class TikTokAccount {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id: string;

  /** TikTok's id of the user for this app; one row per TikTok account. */
  @Column({ type: 'varchar', length: 128, unique: true })
  openId: string;

  @Column({ type: 'varchar', length: 200 })
  displayName: string;

  @Column({ type: 'varchar', length: 2048, nullable: true })
  avatarUrl: string | null;

  /** Comma-separated scopes the person granted. */
  @Column({ type: 'varchar', length: 300 })
  scopes: string;

  @Column({ type: 'varchar', length: 16, default: 'active' })
  status: AccountStatus;

  @Column({ type: 'text', nullable: true })
  accessTokenSealed: string | null;

  @Column({ type: 'text', nullable: true })
  refreshTokenSealed: string | null;

  @Column({ type: Date, nullable: true })
  accessExpiresAt: Date | null;

  /** When a worker refreshes the access token ahead of its expiry. */
  @Column({ type: Date, nullable: true })
  refreshAfter: Date | null;

  @Column({ type: Date, nullable: true })
  refreshExpiresAt: Date | null;

  @Column({ type: 'text', nullable: true })
  lastError: string | null;

  @CreateDateColumn()
  createdAt: Date;

  @UpdateDateColumn()
  updatedAt: Date;
}
