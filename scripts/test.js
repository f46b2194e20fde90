#!/usr/bin/env node
// `npm test`: lint (ESLint, Prettier, the layer rules), then every spec on SQLite, then the integration specs
// on PostgreSQL, then one closing line counting both passes. Every step runs even when an earlier one failed,
// so a failing pass still ends with the summary; the exit code is non-zero when any step failed.
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.join(__dirname, '..');
const artifacts = path.join(root, 'test', '.artifacts');
fs.mkdirSync(artifacts, { recursive: true });
for (const f of fs.readdirSync(artifacts)) if (/^jest-.*\.json$/.test(f)) fs.rmSync(path.join(artifacts, f));

const run = (label, cmd, args) => {
  console.log(`\n=== ${label}: ${cmd} ${args.join(' ')}\n`);
  const res = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', env: process.env });
  return { label, ok: res.status === 0 };
};

const steps = [
  run('lint', 'npm', ['run', 'lint']),
  run('SQLite pass', 'npx', ['jest', '--runInBand', '--json', '--outputFile=test/.artifacts/jest-sqlite.json']),
  run('PostgreSQL pass', 'node', ['scripts/test-pg.js']),
  run('summary', 'node', ['scripts/test-summary.js']),
];
const failed = steps.filter((s) => !s.ok).map((s) => s.label);
console.log(failed.length ? `failed: ${failed.join(', ')}` : 'all steps passed');
process.exit(failed.length ? 1 : 0);
