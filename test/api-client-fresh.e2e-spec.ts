import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { OPENAPI_JSON, SCHEMA_TS, currentOpenApiText } from '../scripts/gen-api';

/** The admin UI's typed client must match the API the app serves now. */
describe('generated API client (admin-ui/src/api)', () => {
  const stale = 'is stale: run `npm run gen:api` and commit admin-ui/src/api/';

  it('openapi.json equals the document the app generates', async () => {
    const committed = fs.existsSync(OPENAPI_JSON) ? fs.readFileSync(OPENAPI_JSON, 'utf8') : '';
    const now = await currentOpenApiText();
    if (committed !== now) throw new Error(`admin-ui/src/api/openapi.json ${stale}`);
  });

  it('schema.d.ts equals openapi-typescript output for openapi.json', async () => {
    const committed = fs.existsSync(SCHEMA_TS) ? fs.readFileSync(SCHEMA_TS, 'utf8') : '';
    // In a child process: openapi-typescript's ESM dependencies do not load under Jest.
    const root = path.join(__dirname, '..');
    const now = execFileSync(
      path.join(root, 'node_modules', '.bin', 'ts-node'),
      ['--transpile-only', 'scripts/gen-api.ts', '--print-types'],
      {
        cwd: root,
        encoding: 'utf8',
      },
    );
    if (committed !== now) throw new Error(`admin-ui/src/api/schema.d.ts ${stale}`);
  });
});
