import { CloudTrailClient } from '@aws-sdk/client-cloudtrail';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { type ClientOptions, clientSettings } from './aws-client-options.js';

export type { ClientOptions } from './aws-client-options.js';
export { eventBridgeClient } from './eventbridge-client.js';
export { sesClient, sesSendingClient } from './ses-clients.js';

export function dynamoDbClients(options: ClientOptions = {}) {
  const client = new DynamoDBClient(clientSettings(options));
  const document = DynamoDBDocumentClient.from(client, {
    marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false },
  });
  return { client, document };
}

export function sqsClient(options: ClientOptions = {}): SQSClient {
  return new SQSClient(clientSettings(options));
}

/**
 * S3 for the report archive. Virtual-hosted addresses in AWS; under another endpoint (a local stand-in, by
 * `AWS_ENDPOINT_URL_S3` as every SDK reads it, or `endpoint`), path-style: `http://127.0.0.1:4566/bucket/key`.
 */
export function s3Client(options: ClientOptions = {}): S3Client {
  const local = options.endpoint ?? process.env.AWS_ENDPOINT_URL_S3;
  return new S3Client({ ...clientSettings(options), ...(local ? { forcePathStyle: true } : {}) });
}

export function cloudTrailClient(options: ClientOptions = {}): CloudTrailClient {
  return new CloudTrailClient(clientSettings(options));
}
