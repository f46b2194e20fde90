import { MigrationInterface, QueryRunner, Table, TableColumnOptions } from 'typeorm';

/**
 * Written with TypeORM's schema builder rather than raw SQL so that the one migration runs unchanged on
 * SQLite and PostgreSQL; the driver maps `Date`, `uuid` and `boolean` to its own types.
 */
export class InitialSchema1764000000000 implements MigrationInterface {
  name = 'InitialSchema1764000000000';

  async up(q: QueryRunner): Promise<void> {
    const date = q.connection.driver.normalizeType({ type: Date });
    const uuidPk: TableColumnOptions = { name: 'id', type: 'varchar', length: '36', isPrimary: true };
    const ts = (name: string, nullable = false): TableColumnOptions =>
      nullable ? { name, type: date, isNullable: true } : { name, type: date, default: 'CURRENT_TIMESTAMP' };
    const str = (name: string, length: number, nullable = true): TableColumnOptions => ({
      name,
      type: 'varchar',
      length: String(length),
      isNullable: nullable,
    });
    const text = (name: string, nullable = true): TableColumnOptions => ({ name, type: 'text', isNullable: nullable });
    const int = (name: string, nullable = false): TableColumnOptions => ({
      name,
      type: 'integer',
      isNullable: nullable,
    });
    const bool = (name: string): TableColumnOptions => ({ name, type: 'boolean', default: false });

    await q.createTable(
      new Table({
        name: 'products',
        columns: [
          uuidPk,
          text('description', false),
          str('photoFile', 128, false),
          str('mimeType', 32, false),
          int('width'),
          int('height'),
          str('sha256', 64, false),
          ts('createdAt'),
        ],
      }),
    );

    await q.createTable(
      new Table({
        name: 'batches',
        columns: [
          uuidPk,
          str('name', 200),
          { ...str('status', 32, false), default: "'queued'" },
          int('photoVariations'),
          int('textVariations'),
          bool('video'),
          int('linksTotal'),
          int('variationsTotal'),
          str('generator', 16, false),
          str('storage', 16, false),
          str('outputFolderId', 512),
          str('outputUrl', 1024),
          text('error'),
          ts('createdAt'),
          ts('updatedAt'),
          ts('startedAt', true),
          ts('finishedAt', true),
        ],
        indices: [{ columnNames: ['status'] }, { columnNames: ['createdAt'] }],
      }),
    );

    await q.createTable(
      new Table({
        name: 'batch_links',
        columns: [
          uuidPk,
          str('batchId', 36, false),
          int('position'),
          str('url', 1024, false),
          str('postId', 64),
          str('productId', 36, false),
          { ...str('status', 16, false), default: "'pending'" },
          str('errorStep', 16),
          text('error'),
          text('caption'),
          int('slideCount', true),
          text('slideshow'),
          text('plan'),
          int('variationsTotal'),
          bool('variationsCreated'),
          str('outputFolderId', 512),
          str('outputUrl', 1024),
          ts('createdAt'),
          ts('updatedAt'),
          ts('finishedAt', true),
        ],
        indices: [{ columnNames: ['batchId', 'status'] }, { columnNames: ['batchId', 'position'], isUnique: true }],
        foreignKeys: [
          {
            columnNames: ['batchId'],
            referencedTableName: 'batches',
            referencedColumnNames: ['id'],
            onDelete: 'CASCADE',
          },
        ],
      }),
    );

    await q.createTable(
      new Table({
        name: 'batch_variations',
        columns: [
          uuidPk,
          str('batchId', 36, false),
          str('linkId', 36, false),
          int('photoIndex'),
          int('textIndex'),
          { ...str('status', 16, false), default: "'pending'" },
          str('errorStep', 16),
          text('error'),
          text('files'),
          str('outputFolderId', 512),
          str('outputUrl', 1024),
          text('videoError'),
          ts('createdAt'),
          ts('updatedAt'),
          ts('startedAt', true),
          ts('finishedAt', true),
        ],
        indices: [
          { columnNames: ['linkId', 'photoIndex', 'textIndex'], isUnique: true },
          { columnNames: ['batchId', 'status'] },
          { columnNames: ['linkId', 'status'] },
        ],
        foreignKeys: [
          {
            columnNames: ['linkId'],
            referencedTableName: 'batch_links',
            referencedColumnNames: ['id'],
            onDelete: 'CASCADE',
          },
        ],
      }),
    );

    await q.createTable(
      new Table({
        name: 'batch_events',
        columns: [
          { name: 'id', type: 'integer', isPrimary: true, isGenerated: true, generationStrategy: 'increment' },
          str('batchId', 36, false),
          str('linkId', 36),
          str('variationId', 36),
          str('event', 500, false),
          ts('at'),
        ],
        indices: [{ columnNames: ['batchId', 'id'] }],
      }),
    );
  }

  async down(q: QueryRunner): Promise<void> {
    for (const t of ['batch_events', 'batch_variations', 'batch_links', 'batches', 'products']) await q.dropTable(t);
  }
}
