import { randomUUID } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { configDefaults, defineConfig, type ViteUserConfig } from 'vitest/config';
import { AWS_CALLS_DIRECTORY_VARIABLE } from './tests/aws/support/recorded-call.js';
import { TEST_RUN_VARIABLE } from './tests/helpers/test-run.js';

/** Where this run's test processes write the AWS calls the functions made (tests/aws/support/record-aws-calls.ts). */
const awsCallsDirectory = join(tmpdir(), `lifecycle-aws-calls-${process.pid}`);

/** What every suite shares: the pool and the environment of the processes. */
export const shared = {
  pool: 'forks',
  testTimeout: 30_000,
  hookTimeout: 120_000,
  env: {
    POWERTOOLS_METRICS_DISABLED: 'true',
    POWERTOOLS_LOG_LEVEL: 'SILENT',
    LOG_LEVEL: 'SILENT',
    AWS_REGION: 'local',
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    [AWS_CALLS_DIRECTORY_VARIABLE]: awsCallsDirectory,
    [TEST_RUN_VARIABLE]: randomUUID(),
  },
} satisfies NonNullable<ViteUserConfig['test']>;

/** The checks that read what the rest of the suite recorded: they run after it. */
const AFTER_THE_SUITE = ['tests/aws/permissions.test.ts'];

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          ...shared,
          name: 'suite',
          // One DynamoDB Local and one local SES for the whole run; each test file uses its own table.
          globalSetup: ['tests/process-check.ts', 'tests/global-setup.ts'],
          include: ['tests/**/*.test.ts'],
          // The reliability suite is slower and runs on its own: npm run test:reliability.
          exclude: [...configDefaults.exclude, 'tests/reliability/**', ...AFTER_THE_SUITE],
          setupFiles: ['tests/aws/support/record-aws-calls.ts'],
          sequence: { groupOrder: 0 },
        },
      },
      {
        test: {
          ...shared,
          name: 'aws-permissions',
          include: AFTER_THE_SUITE,
          globalSetup: ['tests/aws/support/calls-directory.ts'],
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
