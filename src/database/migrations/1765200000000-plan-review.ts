import { MigrationInterface, QueryRunner, TableColumn } from 'typeorm';

/**
 * Review before paying: a batch asks for it (`batches.review`), a link records when its plan was approved
 * (`batch_links.approvedAt`). The new link status `awaiting_review` fits the existing varchar(16).
 */
export class PlanReview1765200000000 implements MigrationInterface {
  name = 'PlanReview1765200000000';

  async up(q: QueryRunner): Promise<void> {
    const date = q.connection.driver.normalizeType({ type: Date });
    await q.addColumn('batches', new TableColumn({ name: 'review', type: 'boolean', default: false }));
    await q.addColumn('batch_links', new TableColumn({ name: 'approvedAt', type: date, isNullable: true }));
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropColumn('batch_links', 'approvedAt');
    await q.dropColumn('batches', 'review');
  }
}
