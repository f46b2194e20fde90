import { MigrationInterface, QueryRunner, Table, TableColumnOptions } from 'typeorm';

/** Connected TikTok accounts and the posts sent to them (src/publishing); schema builder, both drivers. */
export class TikTokPublishing1764600000000 implements MigrationInterface {
  name = 'TikTokPublishing1764600000000';

  async up(q: QueryRunner): Promise<void> {
    const date = q.connection.driver.normalizeType({ type: Date });
    const ts = (name: string, nullable = false): TableColumnOptions =>
      nullable ? { name, type: date, isNullable: true } : { name, type: date, default: 'CURRENT_TIMESTAMP' };
    const str = (name: string, length: number, nullable = true): TableColumnOptions => ({
      name,
      type: 'varchar',
      length: String(length),
      isNullable: nullable,
    });
    const text = (name: string, nullable = true): TableColumnOptions => ({ name, type: 'text', isNullable: nullable });
    const int = (name: string, def: number): TableColumnOptions => ({ name, type: 'integer', default: def });
    const id: TableColumnOptions = { name: 'id', type: 'varchar', length: '36', isPrimary: true };

    await q.createTable(
      new Table({
        name: 'tiktok_accounts',
        columns: [
          id,
          { ...str('openId', 128, false), isUnique: true },
          str('displayName', 200, false),
          str('avatarUrl', 2048),
          str('scopes', 300, false),
          { ...str('status', 16, false), default: "'active'" },
          text('accessTokenSealed'),
          text('refreshTokenSealed'),
          ts('accessExpiresAt', true),
          ts('refreshAfter', true),
          ts('refreshExpiresAt', true),
          text('lastError'),
          ts('createdAt'),
          ts('updatedAt'),
        ],
      }),
    );

    await q.createTable(
      new Table({
        name: 'tiktok_posts',
        columns: [
          id,
          str('accountId', 36, false),
          str('batchId', 36, false),
          str('linkId', 36, false),
          str('variationId', 36, false),
          { ...str('mode', 16, false), default: "'draft'" },
          str('privacyLevel', 40),
          { ...str('status', 16, false), default: "'queued'" },
          text('waitReason'),
          str('publishId', 128),
          str('sendKey', 36),
          int('attempt', 1),
          int('jobSeq', 0),
          int('retries', 0),
          { ...str('title', 200, false), default: "''" },
          { ...text('description', false), default: "''" },
          int('imageCount', 0),
          str('errorCode', 64),
          text('error'),
          ts('initiatedAt', true),
          ts('finishedAt', true),
          ts('createdAt'),
          ts('updatedAt'),
        ],
        indices: [
          { columnNames: ['variationId', 'accountId'], isUnique: true },
          { columnNames: ['accountId', 'status'] },
          { columnNames: ['batchId'] },
        ],
        foreignKeys: [
          { columnNames: ['accountId'], referencedTableName: 'tiktok_accounts', referencedColumnNames: ['id'] },
          // A deleted batch takes its posts along (batches → links → variations cascade already).
          {
            columnNames: ['variationId'],
            referencedTableName: 'batch_variations',
            referencedColumnNames: ['id'],
            onDelete: 'CASCADE',
          },
        ],
      }),
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropTable('tiktok_posts');
    await q.dropTable('tiktok_accounts');
  }
}
