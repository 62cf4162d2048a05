import { randomUUID } from 'node:crypto';
import { resolve } from 'node:path';
import type { LifecycleConfig } from '../../functions/domain/config.js';
import { type LocalStack, type LocalStackOptions, startLocalStack } from '../../functions/local/local-stack.js';
import { engines } from './engines.js';

/**
 * The local runtime as the integration tests use it: on the DynamoDB Local and local SES the global setup
 * started, in a table of its own named after `name`, on a free port, with no background dispatcher and no
 * background template check (a test settles, checks the templates and moves the clock itself) and silent
 * logs unless `overrides.environment` says otherwise.
 */
export function startTestStack(
  name: string,
  config: LifecycleConfig,
  overrides: Partial<
    Pick<LocalStackOptions, 'tableName' | 'environment' | 'log' | 'templatesDirectory' | 'reportsDirectory'>
  > = {},
): Promise<LocalStack> {
  const { dynamoDbEndpoint, sesEndpoint } = engines();
  return startLocalStack({
    config,
    port: 0,
    sesPort: 0,
    dynamoDbPort: 0,
    templatesDirectory: overrides.templatesDirectory ?? resolve('templates'),
    external: { dynamoDbEndpoint, sesEndpoint },
    tableName: overrides.tableName ?? `${name}-${randomUUID().slice(0, 8)}`,
    dispatchIntervalMs: 0,
    templateCheckIntervalMs: 0,
    environment: { LOG_LEVEL: 'SILENT', ...overrides.environment },
    ...(overrides.log ? { log: overrides.log } : {}),
    ...(overrides.reportsDirectory ? { reportsDirectory: overrides.reportsDirectory } : {}),
  });
}
