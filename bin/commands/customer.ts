import { parseArgs } from 'node:util';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { dynamoDbClients } from '../../functions/adapters/aws-clients.js';
import { loadConfig } from '../../functions/adapters/config.js';
import { DynamoDbCustomerStore } from '../../functions/adapters/dynamodb/customer-store.js';
import { customerView } from '../../functions/domain/services/customer-view.js';
import { CliError, portFromEnv } from './cli-error.js';

export const CUSTOMER_HELP = `Usage: lifecycle customer show EMAIL [--stack NAME | --table NAME] [--region REGION]

Prints a customer's document (profile, consent, stage, metrics, segments, journeys and timeline) as JSON.

Without --stack or --table it asks the local runtime (npm start) on PORT (3000). With them it reads the
deployed stack's table with your AWS credentials.

Options:
  --stack NAME     read the table name from this CloudFormation stack's outputs
  --table NAME     the DynamoDB table (also LIFECYCLE_TABLE)
  --region REGION  AWS region (default: your AWS configuration)
  -h, --help       show this help`;

export async function customer(argv: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: {
      stack: { type: 'string' },
      table: { type: 'string' },
      region: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
    allowPositionals: true,
  });
  if (values.help) {
    console.log(CUSTOMER_HELP);
    return;
  }
  const [action, email] = positionals;
  if (action !== 'show' || !email) throw new CliError('usage: lifecycle customer show EMAIL (see --help)');

  const table = values.table ?? process.env.LIFECYCLE_TABLE;
  if (!values.stack && !table) {
    const url = `http://127.0.0.1:${portFromEnv('PORT', 3000)}/_local/customers/${encodeURIComponent(email)}`;
    let response: Response;
    try {
      response = await fetch(url);
    } catch {
      throw new CliError(`the local runtime does not answer at ${url}: start it with npm start, or pass --stack`);
    }
    if (response.status === 404) throw new CliError('no customer with this email address');
    if (!response.ok) throw new CliError(`the local runtime answered ${response.status}`);
    console.log(JSON.stringify(await response.json(), null, 2));
    return;
  }

  const region = values.region;
  const tableName = table ?? (await tableFromStack(values.stack as string, region));
  const config = loadConfig();
  const store = new DynamoDbCustomerStore({
    client: dynamoDbClients(region ? { region } : {}).document,
    tableName,
    dueShards: config.dispatcher.dueShards,
  });
  const view = await customerView(store, email);
  if (!view) throw new CliError('no customer with this email address');
  console.log(JSON.stringify(view, null, 2));
}

async function tableFromStack(stackName: string, region: string | undefined): Promise<string> {
  const client = new CloudFormationClient(region ? { region } : {});
  const { Stacks } = await client.send(new DescribeStacksCommand({ StackName: stackName }));
  const output = Stacks?.[0]?.Outputs?.find((o) => o.OutputKey === 'TableName');
  if (!output?.OutputValue)
    throw new CliError(`stack ${stackName} has no TableName output: is it this product's stack?`);
  return output.OutputValue;
}
