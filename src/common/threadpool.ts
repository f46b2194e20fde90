/**
 * Imported first by main.ts and worker.ts. SQLite statements that wait on a lock each hold a libuv
 * thread, and sharp, fs and dns share the same pool: the default 4 threads can starve it (a transaction
 * waiting for a thread that a lock-waiter holds). libuv creates the pool on first use, so setting the
 * size here, before anything has used it, takes effect.
 */
process.env.UV_THREADPOOL_SIZE = process.env.UV_THREADPOOL_SIZE || '32';
