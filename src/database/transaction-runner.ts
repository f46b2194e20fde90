import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';

/**
 * Runs a unit of work in one database transaction.
 *
 * PostgreSQL: the pool gives each transaction its own connection. SQLite: TypeORM's driver has a single
 * connection, and two transactions opened on it at once collide ("cannot start a transaction within a
 * transaction"), so transactions from this process run one at a time. A second SQLite connection for
 * transactions would deadlock instead: statements of the first connection waiting on the second one's
 * write lock occupy the libuv threads the second one needs to finish. Other processes sharing the file
 * wait on SQLite's busy timeout as usual.
 * Inside, use insert/update/delete (not save(), which opens a transaction of its own).
 */
@Injectable()
export class TransactionRunner {
  private tail: Promise<unknown> = Promise.resolve();

  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  run<T>(work: (em: EntityManager) => Promise<T>): Promise<T> {
    if (this.ds.options.type !== 'sqlite') return this.ds.transaction(work);
    const next = this.tail.then(() => this.immediate(work));
    this.tail = next.catch(() => undefined);
    return next;
  }

  /**
   * A SQLite transaction that takes the write lock at BEGIN (BEGIN IMMEDIATE). A deferred one that reads,
   * then writes after another process committed gets SQLITE_BUSY (stale snapshot), which TypeORM's
   * busyErrorRetry retries forever on that same snapshot: every worker process stalled. BEGIN IMMEDIATE
   * waits on the busy timeout instead, holding no snapshot.
   */
  private async immediate<T>(work: (em: EntityManager) => Promise<T>): Promise<T> {
    // TypeORM's SQLite driver hands out one shared runner and has no option for the BEGIN it sends, so
    // its query() is swapped only while the transaction starts and restored at once.
    const qr = this.ds.createQueryRunner();
    const original = qr.query;
    qr.query = ((sql: string, ...rest: unknown[]) =>
      (original as (...a: unknown[]) => Promise<unknown>).call(
        qr,
        sql === 'BEGIN TRANSACTION' ? 'BEGIN IMMEDIATE TRANSACTION' : sql,
        ...rest,
      )) as typeof qr.query;
    try {
      await qr.startTransaction();
    } finally {
      qr.query = original;
    }
    try {
      const result = await work(qr.manager);
      await qr.commitTransaction();
      return result;
    } catch (e) {
      if (qr.isTransactionActive) await qr.rollbackTransaction().catch(() => undefined);
      throw e;
    } finally {
      await qr.release();
    }
  }
}
