import { Injectable, OnApplicationShutdown } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';

/**
 * Runs a unit of work in one database transaction.
 *
 * PostgreSQL: the pool gives each transaction its own connection. SQLite: TypeORM's driver has a single
 * connection, so a transaction there would swallow every other query issued meanwhile (and two would
 * collide: "cannot start a transaction within a transaction"). Transactions therefore get a second
 * connection of their own, one at a time in this process, opened with BEGIN IMMEDIATE so the write lock
 * is taken up front and other writers (other processes too) wait on the busy timeout instead of failing.
 * Inside, use insert/update/delete (not save(), which would try to open a transaction of its own).
 */
@Injectable()
export class TransactionRunner implements OnApplicationShutdown {
  private txSource?: Promise<DataSource>;
  private tail: Promise<unknown> = Promise.resolve();

  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  run<T>(work: (em: EntityManager) => Promise<T>): Promise<T> {
    if (this.ds.options.type !== 'sqlite') return this.ds.transaction(work);
    const next = this.tail.then(() => this.runSqlite(work));
    this.tail = next.catch(() => undefined);
    return next;
  }

  private async runSqlite<T>(work: (em: EntityManager) => Promise<T>): Promise<T> {
    this.txSource ??= new DataSource({ ...this.ds.options, migrationsRun: false, name: 'transactions' } as typeof this.ds.options).initialize();
    const qr = (await this.txSource).createQueryRunner();
    await qr.query('BEGIN IMMEDIATE');
    try {
      const result = await work(qr.manager);
      await qr.query('COMMIT');
      return result;
    } catch (e) {
      await qr.query('ROLLBACK').catch(() => undefined);
      throw e;
    }
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.txSource) await (await this.txSource).destroy().catch(() => undefined);
  }
}
