/** Jest runs TypeScript ESM through SWC; middy 7 and aws-local-stepfunctions are ESM-only. */
export default {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  transform: {
    '^.+\\.ts$': [
      '@swc/jest',
      { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, module: { type: 'es6' } },
    ],
  },
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  testMatch: ['<rootDir>/test/**/*.test.ts'],
  globalSetup: '<rootDir>/test/helpers/global-setup.mjs',
  globalTeardown: '<rootDir>/test/helpers/global-teardown.mjs',
  setupFilesAfterEnv: [
    // One owner per region among the test files (fails a file that uses a region another file uses).
    '<rootDir>/test/helpers/region-claims.ts',
    // Byte arrays compared as bytes, not element by element.
    '<rootDir>/test/helpers/byte-equality.ts',
  ],
  testTimeout: 60000,
  maxWorkers: 2,
};
