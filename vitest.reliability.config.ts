import { defineConfig } from 'vitest/config';

/**
 * The reliability suite (`npm run test:reliability`): fault injection on every AWS call of the event and
 * dispatch paths, and storms of duplicate, shuffled and concurrent work. Same engines and environment as
 * `npm test` (vitest.config.ts); slower, so kept apart from it. CI runs both.
 */
export default defineConfig({
  test: {
    include: ['tests/reliability/**/*.test.ts'],
    // One DynamoDB Local and one local SES for the whole run; each test uses its own table.
    globalSetup: ['tests/global-setup.ts'],
    pool: 'forks',
    // The storms push thousands of requests through DynamoDB Local on a small, shared machine.
    testTimeout: 600_000,
    hookTimeout: 300_000,
    env: {
      POWERTOOLS_METRICS_DISABLED: 'true',
      POWERTOOLS_LOG_LEVEL: 'SILENT',
      LOG_LEVEL: 'SILENT',
      AWS_REGION: 'local',
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
    },
  },
});
