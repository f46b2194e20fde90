#!/usr/bin/env node
// The integration specs again on PostgreSQL (each spec gets a fresh database made from TEST_DATABASE_URL).
// Without a reachable PostgreSQL the pass is skipped with a notice, unless REQUIRE_PG=1 (CI), where it fails.
const { spawnSync } = require('node:child_process');
const { Client } = require('pg');

const url = process.env.TEST_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test';

function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return e.code === 'EPERM';
  }
}

async function main() {
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
  } catch (e) {
    const msg = `PostgreSQL is not reachable at ${url} (${e.message}): the PostgreSQL pass of the integration specs was NOT run.`;
    if (process.env.REQUIRE_PG === '1') {
      console.error(msg);
      process.exit(1);
    }
    console.warn(`\n*** ${msg}\n*** Start PostgreSQL or set TEST_DATABASE_URL to run it.\n`);
    return;
  }
  // Databases left by earlier runs: named studio_test_<pid>_<tag> by test/helpers/test-config.ts, so only
  // those whose process is gone are dropped (a run beside this one keeps its own).
  const old = await client.query("SELECT datname FROM pg_database WHERE datname LIKE 'studio_test_%'");
  for (const { datname } of old.rows) {
    const pid = Number(/^studio_test_(\d+)_/.exec(datname)?.[1]);
    if (pid && alive(pid)) continue;
    await client.query(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`).catch(() => undefined);
  }
  await client.end();
  console.log(`\nPostgreSQL pass: integration specs against ${url}\n`);
  const res = spawnSync(
    'npx',
    [
      'jest',
      '--runInBand',
      '--json',
      '--outputFile=test/.artifacts/jest-pg.json',
      '--selectProjects',
      'integration',
      '--testPathIgnorePatterns',
      '/test/ui/',
      'video',
      'tiktok-source',
      'api-client-fresh',
      'scale-out',
      'source-text-acceptance',
    ],
    {
      stdio: 'inherit',
      env: { ...process.env, TEST_DATABASE_URL: url },
    },
  );
  process.exit(res.status ?? 1);
}

main();
