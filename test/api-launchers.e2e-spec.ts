import * as fs from 'node:fs';
import * as path from 'node:path';
import { API_NODE_FLAGS, WORKER_NODE_FLAGS } from './helpers/processes';

const ROOT = path.join(__dirname, '..');
const read = (f: string) => fs.readFileSync(path.join(ROOT, f), 'utf8');

/**
 * The API process's heap cap (issue 18: API ≤ 200 MB) only holds where the process is started with it: every
 * launcher of an API-only process carries the same flags as the benchmarks and specs start it with.
 */
describe('API-only launchers', () => {
  const flags = API_NODE_FLAGS.join(' ');

  it('npm run start:api, systemd and supervisord start node with the heap flags', () => {
    const pkg = JSON.parse(read('package.json')) as { scripts: Record<string, string> };
    expect(pkg.scripts['start:api']).toContain(`WORKERS=false node ${flags} dist/src/main.js`);
    expect(read('deploy/systemd/slideshow-studio-api.service')).toContain(
      `ExecStart=/usr/bin/node ${flags} dist/src/main.js`,
    );
    const api = /\[program:studio-api\][^[]*/.exec(read('deploy/supervisord.conf'))?.[0] ?? '';
    expect(api).toContain(`WORKERS=false exec /usr/bin/node ${flags} dist/src/main.js`);
  });

  it('docker-compose runs the api service with them', () => {
    const compose = read('docker-compose.yml');
    const api = /\n {2}api:\n([\s\S]*?)\n {2}\w+:\n/.exec(compose)?.[1] ?? '';
    expect(api).toContain(
      `command: ${JSON.stringify(['node', ...API_NODE_FLAGS, 'dist/src/main.js']).replace(/,/g, ', ')}`,
    );
  });
});

/** The workers' smaller young generation (issue 18: worker ≤ 300 MB) likewise, in every worker launcher. */
describe('worker launchers', () => {
  const flags = WORKER_NODE_FLAGS.join(' ');

  it('npm run start:worker, systemd and supervisord start node with the worker flags', () => {
    const pkg = JSON.parse(read('package.json')) as { scripts: Record<string, string> };
    expect(pkg.scripts['start:worker']).toContain(`node ${flags} dist/src/worker.js`);
    expect(read('deploy/systemd/slideshow-studio-worker@.service')).toContain(
      `ExecStart=/usr/bin/node ${flags} dist/src/worker.js`,
    );
    const worker = /\[program:studio-worker\][^[]*/.exec(read('deploy/supervisord.conf'))?.[0] ?? '';
    expect(worker).toContain(`exec /usr/bin/node ${flags} dist/src/worker.js`);
  });

  it('docker-compose runs the worker service with them', () => {
    const compose = read('docker-compose.yml');
    const worker = /\n {2}worker:\n([\s\S]*?)(\n {2}\w+:\n|$)/.exec(compose)?.[1] ?? '';
    expect(worker).toContain(
      `command: ${JSON.stringify(['node', ...WORKER_NODE_FLAGS, 'dist/src/worker.js']).replace(/,/g, ', ')}`,
    );
  });
});
