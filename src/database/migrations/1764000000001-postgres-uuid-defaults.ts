import { MigrationInterface, QueryRunner } from 'typeorm';

const UUID_TABLES = ['products', 'batches', 'batch_links', 'batch_variations'];

/**
 * On PostgreSQL TypeORM leaves `@PrimaryGeneratedColumn('uuid')` to the database (it inserts DEFAULT),
 * so the varchar(36) ids need a default there; SQLite gets its uuids from TypeORM and needs nothing.
 * gen_random_uuid() is built in since PostgreSQL 13.
 */
export class PostgresUuidDefaults1764000000001 implements MigrationInterface {
  name = 'PostgresUuidDefaults1764000000001';

  async up(q: QueryRunner): Promise<void> {
    if (q.connection.options.type !== 'postgres') return;
    for (const t of UUID_TABLES) await q.query(`ALTER TABLE "${t}" ALTER COLUMN "id" SET DEFAULT gen_random_uuid()`);
  }

  async down(q: QueryRunner): Promise<void> {
    if (q.connection.options.type !== 'postgres') return;
    for (const t of UUID_TABLES) await q.query(`ALTER TABLE "${t}" ALTER COLUMN "id" DROP DEFAULT`);
  }
}
