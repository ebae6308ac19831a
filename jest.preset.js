/**
 * Shared jest settings. Tests import workspace packages from their sources, so a
 * change in one package is seen by the tests of another without a rebuild.
 * Type checking is left to `tsc` (the build), which keeps the test run fast.
 */
const path = require('node:path');

/** @param {string} dir the package directory */
module.exports = (dir) => ({
  rootDir: dir,
  testEnvironment: 'node',
  testMatch: ['<rootDir>/src/**/*.test.ts', '<rootDir>/test/**/*.test.ts'],
  transform: {
    '^.+\\.ts$': ['ts-jest', { tsconfig: path.join(dir, 'tsconfig.json') }],
  },
  moduleNameMapper: {
    '^@switchboard/(core|server|client|lb|cli)$': path.join(__dirname, 'packages/$1/src/index.ts'),
  },
  testTimeout: 20000,
});
