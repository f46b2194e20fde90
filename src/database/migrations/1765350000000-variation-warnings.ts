import { MigrationInterface, QueryRunner, TableColumn } from 'typeorm';

/** batch_variations.warnings: what a completed variation's slides could not show (a JSON array of strings). */
export class VariationWarnings1765350000000 implements MigrationInterface {
  name = 'VariationWarnings1765350000000';

  async up(q: QueryRunner): Promise<void> {
    await q.addColumn('batch_variations', new TableColumn({ name: 'warnings', type: 'text', isNullable: true }));
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropColumn('batch_variations', 'warnings');
  }
}
