import { MigrationInterface, QueryRunner, TableColumn } from 'typeorm';

/**
 * A variation's own overlay texts and caption once the user edits them after seeing the result (null: the
 * plan's), and the history of its earlier texts and captions.
 */
export class VariationEdits1765250000000 implements MigrationInterface {
  name = 'VariationEdits1765250000000';

  async up(q: QueryRunner): Promise<void> {
    await q.addColumns('batch_variations', [
      new TableColumn({ name: 'texts', type: 'text', isNullable: true }),
      new TableColumn({ name: 'caption', type: 'text', isNullable: true }),
      new TableColumn({ name: 'edits', type: 'text', isNullable: true }),
    ]);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropColumn('batch_variations', 'edits');
    await q.dropColumn('batch_variations', 'caption');
    await q.dropColumn('batch_variations', 'texts');
  }
}
