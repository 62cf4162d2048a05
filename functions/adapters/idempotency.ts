import { IdempotencyConfig } from '@aws-lambda-powertools/idempotency';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { TABLE_DESIGN, WEBHOOK_IDEMPOTENCY_PARTITION } from './dynamodb/table-design.js';

/** Deliveries of the same storefront event within this window are recognised as duplicates. */
export const WEBHOOK_IDEMPOTENCY_SECONDS = 7 * 24 * 3600;

/**
 * Powertools idempotency records kept in the customer table under one partition per function (the webhook
 * function's by default, `POST /collect`'s its own). The sort key is a hash of the event id, so DynamoDB
 * can split the partition if it ever gets hot.
 */
export function webhookIdempotency(
  client: DynamoDBClient,
  tableName: string,
  partition = WEBHOOK_IDEMPOTENCY_PARTITION,
) {
  return {
    persistenceStore: new DynamoDBPersistenceLayer({
      tableName,
      awsSdkV3Client: client,
      keyAttr: TABLE_DESIGN.partitionKey,
      sortKeyAttr: TABLE_DESIGN.sortKey,
      staticPkValue: partition,
      expiryAttr: TABLE_DESIGN.ttlAttribute,
    }),
    config: new IdempotencyConfig({
      eventKeyJmesPath: 'id',
      expiresAfterSeconds: WEBHOOK_IDEMPOTENCY_SECONDS,
      throwOnNoIdempotencyKey: true,
    }),
  };
}
