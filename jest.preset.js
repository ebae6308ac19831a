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
    // jose 6 is ESM only: Node >= 20.19 require()s it, but jest's module loader (below Node 24.9) cannot, so it gets CommonJS here.
    '^.+/node_modules/jose/.+\\.js$': ['ts-jest', { tsconfig: { allowJs: true, module: 'commonjs', target: 'ES2022' }, diagnostics: false }],
  },
  transformIgnorePatterns: ['/node_modules/(?!jose/)'],
  moduleNameMapper: {
    '^@switchboard/(core|server|client|lb|cli|testing)$': path.join(__dirname, 'packages/$1/src/index.ts'),
    '^@switchboard/app-(greeter|orders|interop)$': path.join(__dirname, 'apps/$1/src/index.ts'),
    '^@switchboard/test-support$': path.join(__dirname, 'testing/index.ts'),
  },
  testTimeout: 20000,
});
