import { MigrationInterface, QueryRunner, TableColumn } from 'typeorm';

/** Saved products get a name the library lists them by (null: the UI shows the description's start). */
export class ProductNames1765100000001 implements MigrationInterface {
  name = 'ProductNames1765100000001';

  async up(q: QueryRunner): Promise<void> {
    await q.addColumn('products', new TableColumn({ name: 'name', type: 'varchar', length: '200', isNullable: true }));
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropColumn('products', 'name');
  }
}
