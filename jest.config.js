/** Tests share one real Temporal dev server (started in globalSetup) and one PostgreSQL server. */
module.exports = {
  preset: 'ts-jest',
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  globalSetup: '<rootDir>/test/setup/global-setup.ts',
  globalTeardown: '<rootDir>/test/setup/global-teardown.ts',
  testTimeout: 120000,
  maxWorkers: 2,
  transform: { '^.+\\.ts$': ['ts-jest', { isolatedModules: true }] },
};
