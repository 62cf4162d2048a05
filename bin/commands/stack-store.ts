import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { dynamoDbClients } from '../../functions/adapters/aws-clients.js';
import { loadConfigFile } from '../../functions/adapters/config-file.js';
import { DynamoDbCustomerStore } from '../../functions/adapters/dynamodb/customer-store.js';
import { LOCAL_CREDENTIALS } from '../../functions/local/credentials.js';
import { CliError, portFromEnv } from './cli-error.js';

/** Options every command that reads customers takes. */
export const STORE_OPTIONS = {
  stack: { type: 'string' },
  table: { type: 'string' },
  region: { type: 'string' },
} as const;

export const STORE_HELP = `  --stack NAME     a deployed stack: read its table name from the stack's outputs
  --table NAME     a deployed table by name (also LIFECYCLE_TABLE)
  --region REGION  AWS region (default: your AWS configuration)
Without --stack or --table: the local runtime's DynamoDB (npm start) on DYNAMODB_PORT (8000).`;

/** Whether the options name no deployed stack or table: the local runtime's store is meant. */
export function isLocal(values: { stack?: string | undefined; table?: string | undefined }): boolean {
  return !values.stack && !values.table && !process.env.LIFECYCLE_TABLE;
}

/**
 * The customer store of a deployed stack (with your AWS credentials) or of the local runtime. The same
 * adapter as the functions use, so documents read the same everywhere.
 */
export async function storeFromOptions(values: {
  stack?: string;
  table?: string;
  region?: string;
}): Promise<DynamoDbCustomerStore> {
  const config = await loadConfigFile();
  const table = values.table ?? process.env.LIFECYCLE_TABLE;
  if (isLocal(values)) {
    const endpoint = `http://127.0.0.1:${portFromEnv('DYNAMODB_PORT', 8000)}`;
    return new DynamoDbCustomerStore({
      client: dynamoDbClients({
        endpoint,
        region: 'local',
        credentials: LOCAL_CREDENTIALS,
        maxAttempts: 1,
      }).document,
      tableName: 'lifecycle-local',
      dueShards: config.dispatcher.dueShards,
    });
  }
  const region = values.region;
  const tableName = table ?? (await tableFromStack(values.stack as string, region));
  return new DynamoDbCustomerStore({
    client: dynamoDbClients(region ? { region } : {}).document,
    tableName,
    dueShards: config.dispatcher.dueShards,
  });
}

async function tableFromStack(stackName: string, region: string | undefined): Promise<string> {
  const client = new CloudFormationClient(region ? { region } : {});
  const { Stacks } = await client.send(new DescribeStacksCommand({ StackName: stackName }));
  const output = Stacks?.[0]?.Outputs?.find((o) => o.OutputKey === 'TableName');
  if (!output?.OutputValue)
    throw new CliError(`stack ${stackName} has no TableName output: is it this product's stack?`);
  return output.OutputValue;
}

/** Turns a connection failure to the local DynamoDB into a one-line hint. */
export async function withStore<T>(work: () => Promise<T>, local: boolean): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (
      local &&
      error instanceof Error &&
      /ECONNREFUSED|connect/i.test(`${error.message} ${(error as { code?: string }).code ?? ''}`)
    ) {
      throw new CliError('the local runtime is not running: start it with npm start, or pass --stack');
    }
    throw error;
  }
}
