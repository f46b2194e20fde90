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
    const next = this.tail.then(() => this.ds.transaction(work));
    this.tail = next.catch(() => undefined);
    return next;
  }
}
