import { MigrationInterface, QueryRunner, TableColumn } from 'typeorm';

/** A batch's speed: "fast" (images made at once) or "economy" (through Gemini's Batch API, half price). */
export class BatchSpeed1765400000000 implements MigrationInterface {
  name = 'BatchSpeed1765400000000';

  async up(q: QueryRunner): Promise<void> {
    await q.addColumn(
      'batches',
      new TableColumn({ name: 'speed', type: 'varchar', length: '16', default: "'fast'", isNullable: false }),
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropColumn('batches', 'speed');
  }
}
