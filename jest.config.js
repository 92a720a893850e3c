// One config, three projects: unit specs next to the code, integration and e2e specs under test/.
const transform = {
  '^.+\\.ts$': ['@swc/jest', {
    jsc: {
      parser: { syntax: 'typescript', decorators: true },
      transform: { legacyDecorator: true, decoratorMetadata: true },
      target: 'es2022',
    },
  }],
};
const base = { transform, testEnvironment: 'node', moduleFileExtensions: ['ts', 'js', 'json'] };
module.exports = {
  reporters: ['default', '<rootDir>/test/utils/summary-reporter.js'],
  projects: [
    { ...base, displayName: 'unit', testMatch: ['<rootDir>/src/**/*.spec.ts'] },
    { ...base, displayName: 'integration', testMatch: ['<rootDir>/test/integration/**/*.int-spec.ts'], globalSetup: '<rootDir>/test/utils/global-setup.ts' },
    { ...base, displayName: 'e2e', testMatch: ['<rootDir>/test/e2e/**/*.e2e-spec.ts'], globalSetup: '<rootDir>/test/utils/global-setup.ts' },
    { ...base, displayName: 'client', testMatch: ['<rootDir>/test/client/**/*.client-spec.ts'], globalSetup: '<rootDir>/test/utils/global-setup.ts' },
  ],
};
