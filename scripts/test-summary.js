#!/usr/bin/env node
// One closing line for both passes (SQLite, then PostgreSQL when it ran), from Jest's JSON results.
const fs = require('node:fs');
const path = require('node:path');

let passed = 0;
let failed = 0;
let skipped = 0;
const ran = [];
for (const [label, file] of [
  ['SQLite', 'jest-sqlite.json'],
  ['PostgreSQL', 'jest-pg.json'],
]) {
  const full = path.join(__dirname, '..', 'test', '.artifacts', file);
  if (!fs.existsSync(full)) continue;
  const r = JSON.parse(fs.readFileSync(full, 'utf8'));
  passed += r.numPassedTests;
  failed += r.numFailedTests;
  skipped += r.numPendingTests + r.numTodoTests;
  ran.push(`${label} ${r.numPassedTests}/${r.numTotalTests}`);
}
if (!ran.length) {
  console.error('no Jest results found in test/.artifacts: did the test run write them?');
  process.exit(1);
}
console.log(`\n(${ran.join(', ')})`);
console.log(`tests: ${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(failed ? 1 : 0);
