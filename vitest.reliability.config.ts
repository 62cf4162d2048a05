import { defineConfig } from 'vitest/config';
import { shared } from './vitest.config.js';

/**
 * The reliability suite (`npm run test:reliability`): fault injection on every AWS call of the event and
 * dispatch paths, and storms of duplicate, shuffled and concurrent work. The engines, pool and environment
 * of `npm test` (vitest.config.ts); slower, so kept apart from it. CI runs both.
 */
export default defineConfig({
  test: {
    ...shared,
    globalSetup: ['tests/process-check.ts', 'tests/global-setup.ts'],
    include: ['tests/reliability/**/*.test.ts'],
    // The storms push thousands of requests through DynamoDB Local on a small, shared machine.
    testTimeout: 600_000,
    hookTimeout: 300_000,
  },
});
