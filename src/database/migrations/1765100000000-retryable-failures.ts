import { MigrationInterface, QueryRunner, TableColumn } from 'typeorm';

/**
 * Failed links and variations say whether a retry can help: false for a permanent failure (private,
 * deleted or region-locked post, a video, a safety block). Rows that failed before this existed stay
 * retryable, as they were.
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
