// Unit specs live beside the code (src/.../*.spec.ts); integration and browser specs in test/.
// SQLite statements waiting on a lock each hold a libuv thread; the default 4 can starve the pool.
process.env.UV_THREADPOOL_SIZE = process.env.UV_THREADPOOL_SIZE || '32';

module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/src', '<rootDir>/test'],
  testRegex: '.*\\.(spec|e2e-spec)\\.ts$',
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }] },
  moduleFileExtensions: ['ts', 'js', 'json'],
  testTimeout: 120000,
  // Open Redis/Bull handles must never keep CI waiting after the last spec.
  forceExit: true,
  globalSetup: '<rootDir>/test/global-setup.ts',
};
