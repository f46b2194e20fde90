import { Logger } from '@nestjs/common';
import type Redis from 'ioredis';

export interface RedisConnectionState {
  connected: boolean;
  /** When the current outage began (ISO time); absent while connected. */
  lostAt?: string;
  /** What the client last reported during the current outage. */
  error?: string;
}

/**
 * Watches the shared client: one warning when the connection is lost, one line when it is back, nothing
 * for each reconnect attempt in between (ioredis prints a stack trace per failed attempt when no one
 * listens to `error`). Health answers from `state()` without waiting on a dead connection.
 */
export class RedisConnection {
  private readonly logger = new Logger('Redis');
  private lostAt: number | null = null;
  private error?: string;
  private stopped = false;

  constructor(private readonly redis: Redis) {
    redis.on('error', (e: Error) => this.lost(e.message));
    redis.on('close', () => this.lost('connection closed'));
    redis.on('ready', () => this.back());
  }

  state(): RedisConnectionState {
    if (this.lostAt === null) return { connected: true };
    return { connected: false, lostAt: new Date(this.lostAt).toISOString(), error: this.error };
  }

  /** For health: the outage as recorded (at once, no command sent), or a PING's answer. */
  async check(): Promise<{ ping: string }> {
    const st = this.state();
    if (!st.connected) throw new Error(`connection lost since ${st.lostAt} (${st.error ?? 'no answer'})`);
    return { ping: await this.redis.ping() };
  }

  /** Before a deliberate quit at shutdown: its `close` is not an outage. */
  stop(): void {
    this.stopped = true;
  }

  private lost(reason: string): void {
    if (this.stopped) return;
    if (this.lostAt !== null) {
      if (reason !== 'connection closed') this.error = reason;
      return;
    }
    this.lostAt = Date.now();
    this.error = reason;
    this.logger.warn(`connection lost (${reason}); work that needs Redis waits until it is back`);
  }

  private back(): void {
    if (this.lostAt === null || this.stopped) return;
    const seconds = ((Date.now() - this.lostAt) / 1000).toFixed(1);
    this.lostAt = null;
    this.error = undefined;
    this.logger.log(`connection back after ${seconds} s`);
  }
}
