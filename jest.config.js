// Two tiers: unit specs beside the code (src/**/*.spec.ts: pure logic, no Redis, no database) and
// integration/browser specs in test/ (real Redis and a real database; their global setup checks Redis).
// SQLite statements waiting on a lock each hold a libuv thread; the default 4 can starve the pool.
process.env.UV_THREADPOOL_SIZE = process.env.UV_THREADPOOL_SIZE || '32';

const common = {
  testEnvironment: 'node',
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }] },
  moduleFileExtensions: ['ts', 'js', 'json'],
};

module.exports = {
  testTimeout: 120000,
  // Open Redis/Bull handles must never keep CI waiting after the last spec.
  forceExit: true,
  projects: [
    { ...common, displayName: 'unit', roots: ['<rootDir>/src'], testRegex: '.*\\.spec\\.ts$' },
    {
      ...common,
      displayName: 'integration',
      roots: ['<rootDir>/test'],
      testRegex: '.*\\.e2e-spec\\.ts$',
      globalSetup: '<rootDir>/test/global-setup.ts',
    },
  ],
};
