import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Client } from 'pg';
import { AppConfig, loadConfig } from '../../src/config/config.schema';

/**
 * A configuration for one test: its own DATA_DIR (a fresh temp folder, so its own SQLite file) and its
 * own Bull key prefix, so specs never see each other's jobs. When `TEST_DATABASE_URL` is set (.ci/run's
 * PostgreSQL pass) each call gets a fresh PostgreSQL database made from it instead of the SQLite file.
 */
export async function testConfig(env: Record<string, string | undefined> = {}): Promise<AppConfig> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'studio-test-'));
  const tag = `${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
  return loadConfig({
    REDIS_URL: process.env.REDIS_URL,
    DATABASE_URL: process.env.TEST_DATABASE_URL
      ? await freshPostgresDatabase(process.env.TEST_DATABASE_URL, tag)
      : undefined,
    DATA_DIR: dataDir,
    QUEUE_PREFIX: `t${tag}`,
    JOB_BACKOFF_MS: '50',
    // The source-text reader (OCR + inpainting in a child, about a second a slide) is off in specs about other
    // things; its own specs and the acceptance on the real samples turn it on (TEXT_READER: 'true').
    TEXT_READER: 'false',
    ...env,
  });
}

/** The env a child process (worker, API) needs to share one test's database, Redis prefix and data. */
export function configEnv(config: AppConfig): Record<string, string> {
  return {
    DATA_DIR: config.dataDir,
    QUEUE_PREFIX: config.queuePrefix,
    REDIS_URL: config.redisUrl,
    TEXT_READER: String(config.textReader.enabled),
    DATABASE_URL: config.database.type === 'postgres' ? config.database.url : `sqlite://${config.database.path}`,
  };
}

async function freshPostgresDatabase(baseUrl: string, tag: string): Promise<string> {
  const name = `studio_test_${tag}`;
  const client = new Client({ connectionString: baseUrl });
  await client.connect();
  try {
    await client.query(`CREATE DATABASE "${name}"`);
  } finally {
    await client.end();
  }
  const u = new URL(baseUrl);
  u.pathname = `/${name}`;
  return u.toString();
}
