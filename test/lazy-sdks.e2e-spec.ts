import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import { buildForChildren } from './helpers/processes';

/**
 * The provider SDKs are loaded by the factory that chooses them, not by importing the modules: a process on
 * local storage and the offline generator never loads googleapis (~107 MB of RSS with its index of every
 * Google API) or @google/genai (~19 MB); one on Drive loads googleapis' Drive client only. Checked in a fresh
 * Node process on the compiled app (Jest's own module registry would hide what Node really loads).
 */
describe('provider SDKs load only when chosen', () => {
  let dist: string;
  beforeAll(() => {
    dist = buildForChildren();
  }, 300_000);

  /** Runs `body` in a fresh node with the compiled modules; returns the node_modules packages it loaded. */
  function loaded(body: string): { packages: string[]; files: string[]; out: string } {
    const src = path.join(dist, 'src');
    const script = `
      const { loadConfig } = require(${JSON.stringify(path.join(src, 'config', 'config.schema.js'))});
      require(${JSON.stringify(path.join(src, 'app.module.js'))});
      const { createStorage } = require(${JSON.stringify(path.join(src, 'drive', 'drive.module.js'))});
      const { createGenerator } = require(${JSON.stringify(path.join(src, 'generation', 'generation.module.js'))});
      const out = (() => { ${body} })();
      const files = Object.keys(require.cache).filter((f) => f.includes('node_modules'));
      console.log(JSON.stringify({ out: String(out), files }));`;
    const r = JSON.parse(
      execFileSync(process.execPath, ['-e', script], { env: { PATH: process.env.PATH ?? '' }, encoding: 'utf8' })
        .trim()
        .split('\n')
        .pop()!,
    ) as { out: string; files: string[] };
    const packages = [
      ...new Set(r.files.map((f) => /node_modules\/((@[^/]+\/)?[^/]+)/.exec(f)?.[1] ?? '').filter(Boolean)),
    ];
    return { packages, files: r.files, out: r.out };
  }

  it('loads neither googleapis nor @google/genai with local storage and the offline generator', () => {
    const { packages, out } = loaded(`
      const config = loadConfig({ DATA_DIR: require('os').tmpdir(), STORAGE: 'local', GENERATOR: 'local' });
      return createStorage(config).constructor.name + ' ' + createGenerator(config, {}, {}).constructor.name;`);
    expect(out).toBe('LocalStorage LocalGenerator');
    expect(packages).toContain('@nestjs/core'); // the whole module graph was imported
    expect(packages).not.toContain('googleapis');
    expect(packages).not.toContain('@google/genai');
  });

  it('loads the Drive client alone (not googleapis` index of every API) on Drive, and @google/genai for Gemini', () => {
    const { packages, files, out } = loaded(`
      const config = loadConfig({
        DATA_DIR: require('os').tmpdir(), STORAGE: 'drive', DRIVE_ACCESS_TOKEN: 't', DRIVE_PARENT_FOLDER_ID: 'p',
        GENERATOR: 'gemini', GEMINI_API_KEYS: 'AIzaSyTEST-key-000000000000000000001',
      });
      return createStorage(config).constructor.name + ' ' + createGenerator(config, {}, {}).constructor.name;`);
    expect(out).toBe('DriveStorage GeminiGenerator');
    expect(packages).toEqual(expect.arrayContaining(['googleapis', '@google/genai']));
    const apis = new Set(files.map((f) => /googleapis\/build\/src\/apis\/([^/]+)\//.exec(f)?.[1]).filter(Boolean));
    expect([...apis]).toEqual(['drive']);
    expect(files.some((f) => f.endsWith(path.join('googleapis', 'build', 'src', 'index.js')))).toBe(false);
  });
});
