import { MigrationInterface, QueryRunner, TableColumn } from 'typeorm';

/**
 * Failed links and variations say whether a retry can help: false when the post itself cannot be used
 * (private, deleted or region-locked, a video). Rows that failed before this existed stay retryable.
 */
export class RetryableFailures1765100000000 implements MigrationInterface {
  name = 'RetryableFailures1765100000000';

  async up(q: QueryRunner): Promise<void> {
    for (const table of ['batch_links', 'batch_variations'])
      await q.addColumn(table, new TableColumn({ name: 'retryable', type: 'boolean', default: true }));
  }

  async down(q: QueryRunner): Promise<void> {
    for (const table of ['batch_links', 'batch_variations']) await q.dropColumn(table, 'retryable');
  }
}
