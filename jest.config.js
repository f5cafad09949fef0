/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>'],
  testMatch: ['**/*.test.ts'],
  testPathIgnorePatterns: ['/node_modules/', '/data/'],
  // Type checking is `npm run typecheck`; the tests only transpile, which keeps them fast.
  transform: { '^.+\\.ts$': ['ts-jest', { isolatedModules: true, diagnostics: false }] },
  reporters: ['default', '<rootDir>/tests/support/summary-reporter.js'],
  testTimeout: 30000,
};
