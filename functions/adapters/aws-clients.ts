import { CloudTrailClient } from '@aws-sdk/client-cloudtrail';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { S3Client } from '@aws-sdk/client-s3';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import { SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

/** Endpoint and credentials overrides, for the local runtime and tests. Empty in Lambda. */
export interface ClientOptions {
  readonly endpoint?: string | undefined;
  readonly region?: string | undefined;
  readonly credentials?: { readonly accessKeyId: string; readonly secretAccessKey: string } | undefined;
  /** Extra per-client settings, such as a shorter timeout in tests. */
  readonly maxAttempts?: number | undefined;
}

function base(options: ClientOptions) {
  return {
    ...(options.endpoint ? { endpoint: options.endpoint } : {}),
    ...(options.region ? { region: options.region } : {}),
    ...(options.credentials ? { credentials: options.credentials } : {}),
    ...(options.maxAttempts ? { maxAttempts: options.maxAttempts } : {}),
  };
}

export function dynamoDbClients(options: ClientOptions = {}) {
  const client = new DynamoDBClient(base(options));
  const document = DynamoDBDocumentClient.from(client, {
    marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false },
  });
  return { client, document };
}

export function sesClient(options: ClientOptions = {}): SESv2Client {
  return new SESv2Client(base(options));
}

/**
 * The SES client the dispatcher sends with: the SDK does not retry. A SendEmail retried by the SDK after a
 * time-out or a 5xx may deliver the email a second time, unseen by the dispatcher, which counts attempts
 * ("Sending at most twice", docs/journeys.md); the dispatcher retries on its own, counting each call that
 * may have sent. Throttling, which the SDK would retry safely, is what the send-rate bucket prevents.
 */
export function sesSendingClient(options: ClientOptions = {}): SESv2Client {
  return sesClient({ ...options, maxAttempts: 1 });
}

export function sqsClient(options: ClientOptions = {}): SQSClient {
  return new SQSClient(base(options));
}

export function eventBridgeClient(options: ClientOptions = {}): EventBridgeClient {
  return new EventBridgeClient(base(options));
}

/**
 * S3 for the report archive. Virtual-hosted addresses in AWS; under another endpoint (a local stand-in, by
 * `AWS_ENDPOINT_URL_S3` as every SDK reads it, or `endpoint`), path-style: `http://127.0.0.1:4566/bucket/key`.
 */
export function s3Client(options: ClientOptions = {}): S3Client {
  const local = options.endpoint ?? process.env.AWS_ENDPOINT_URL_S3;
  return new S3Client({ ...base(options), ...(local ? { forcePathStyle: true } : {}) });
}

export function cloudTrailClient(options: ClientOptions = {}): CloudTrailClient {
  return new CloudTrailClient(base(options));
}
