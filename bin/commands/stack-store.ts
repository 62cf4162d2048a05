import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { dynamoDbClients } from '../../functions/adapters/aws-clients.js';
import { loadConfigFile } from '../../functions/adapters/config-file.js';
import { DynamoDbCustomerStore } from '../../functions/adapters/dynamodb/customer-store.js';
import * as z from '../../functions/domain/zod.js';
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

/** The table of the local runtime (npm start). */
const LOCAL_TABLE = 'lifecycle-local';

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
      tableName: LOCAL_TABLE,
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

/**
 * Who runs the command against AWS: the ARN of the caller's credentials (an IAM user, or a role's session),
 * from STS `GetCallerIdentity`, which needs no permission. `undefined` when STS does not answer.
 */
export async function callerArn(region: string | undefined): Promise<string | undefined> {
  const sts = new STSClient(region ? { region } : {});
  try {
    return (await sts.send(new GetCallerIdentityCommand({}))).Arn || undefined;
  } catch {
    return undefined;
  } finally {
    sts.destroy();
  }
}

/**
 * "Now" for what is computed from the store (stage, segments, days since the last order): a deployed
 * stack's is the wall clock; the local runtime's is its business clock, which `POST /_local/clock` moves,
 * asked of the runtime on PORT. That runtime must keep its data where the command reads (DYNAMODB_PORT),
 * or the clock would be another runtime's.
 */
export async function storeNow(values: { stack?: string | undefined; table?: string | undefined }): Promise<Date> {
  if (!isLocal(values)) return new Date();
  const port = portFromEnv('PORT', 3000);
  const dynamoDbPort = portFromEnv('DYNAMODB_PORT', 8000);
  let answer: unknown;
  try {
    const response = await fetch(`http://127.0.0.1:${port}/_local/clock`, { signal: AbortSignal.timeout(10_000) });
    answer = await response.json();
  } catch {
    throw new CliError(
      `the local runtime is not running (nothing answers on port ${port}, PORT): start it with npm start, or pass --stack`,
    );
  }
  const clock = LocalClockSchema.safeParse(answer);
  if (!clock.success) throw new CliError(`what answers on port ${port} (PORT) is not the local runtime's API`);
  const { dynamoDb, table } = clock.data.store;
  if (new URL(dynamoDb).port !== String(dynamoDbPort) || table !== LOCAL_TABLE) {
    throw new CliError(
      `the local runtime on port ${port} (PORT) keeps its data at ${dynamoDb}, not on port ${dynamoDbPort} (DYNAMODB_PORT): set both as for its npm start`,
    );
  }
  return new Date(clock.data.now);
}

/** What `GET /_local/clock` answers, as far as the commands need it. */
const LocalClockSchema = z.object({
  now: z.iso.datetime(),
  store: z.object({ dynamoDb: z.url(), table: z.string() }),
});
