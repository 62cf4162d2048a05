import { randomUUID } from 'node:crypto';
import { inject } from 'vitest';
import { dynamoDbClients, sesClient } from '../../functions/adapters/aws-clients.js';
import { ensureTable } from '../../functions/adapters/dynamodb/create-table.js';
import { DynamoDbCustomerStore } from '../../functions/adapters/dynamodb/customer-store.js';
import { LOCAL_CREDENTIALS } from '../../functions/local/credentials.js';

/** Clients for the DynamoDB Local and local SES started by the global setup. */
export function engines() {
  const dynamoDbEndpoint = inject('dynamoDbEndpoint');
  const sesEndpoint = inject('sesEndpoint');
  return {
    dynamoDbEndpoint,
    sesEndpoint,
    dynamodb: dynamoDbClients({ endpoint: dynamoDbEndpoint, region: 'local', credentials: LOCAL_CREDENTIALS }),
    ses: sesClient({ endpoint: sesEndpoint, region: 'local', credentials: LOCAL_CREDENTIALS }),
  };
}

/** A new, empty table of the product's design, so that each test file is isolated. */
export async function freshTable(prefix = 'test'): Promise<string> {
  const name = `${prefix}-${randomUUID().slice(0, 8)}`;
  await ensureTable(engines().dynamodb.client, name);
  return name;
}

export async function freshStore(
  dueShards = 4,
  options: { readonly audiencePageSize?: number } = {},
): Promise<{ store: DynamoDbCustomerStore; tableName: string }> {
  const tableName = await freshTable();
  const client = engines().dynamodb.document;
  return { store: new DynamoDbCustomerStore({ client, tableName, dueShards, ...options }), tableName };
}

/** An address no other test uses, so that the shared SES inbox can be filtered by recipient. */
export function uniqueEmail(name = 'customer'): string {
  return `${name}.${randomUUID().slice(0, 8)}@example.com`;
}
