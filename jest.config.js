/**
 * Two jest projects, told apart by the file name alone:
 * - unit: `test/**\/*.unit.test.ts`. The test runs in jest's process and starts nothing (no Temporal, no
 *   PostgreSQL, no child process, no web build), so this project has no global setup: `npm run test:unit`
 *   answers in seconds.
 * - integration: every other `test/**\/*.test.ts`. Tests share one real Temporal dev server and one
 *   PostgreSQL server, started in globalSetup, and the workflow bundle made there.
 * `jest` with no `--selectProjects` runs both (`npm test`); jest runs a project's globalSetup only when one of
 * its files is selected, so `npx jest test/x.unit.test.ts` starts no server either.
 */
const shared = {
  preset: 'ts-jest',
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  // Sets an environment variable only: every API answer a test receives is checked against the OpenAPI document.
  setupFiles: ['<rootDir>/test/setup/check-responses.ts'],
  transform: { '^.+\\.ts$': ['ts-jest', {}] },
};

module.exports = {
  projects: [
    { ...shared, displayName: 'unit', testMatch: ['**/*.unit.test.ts'] },
    {
      ...shared,
      displayName: 'integration',
      // A negated glob rather than testPathIgnorePatterns, which `npm test`'s own --testPathIgnorePatterns replaces.
      testMatch: ['**/*.test.ts', '!**/*.unit.test.ts'],
      globalSetup: '<rootDir>/test/setup/global-setup.ts',
      globalTeardown: '<rootDir>/test/setup/global-teardown.ts',
    },
  ],
  testTimeout: 120000,
  maxWorkers: 2,
  reporters: ['default', '<rootDir>/test/setup/summary-reporter.js'],
};
