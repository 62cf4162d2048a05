import { keys, TABLE_DESIGN } from '../../../functions/adapters/dynamodb/table-design.js';
import type { RecordedRequest, ResourceRef } from './recorded-call.js';

type Request = Omit<RecordedRequest, 'function'>;
type Input = Record<string, unknown>;
/** An item or key: attribute values as the DynamoDB client has them, or plain values (document client). */
type AttributeMap = Record<string, { S?: string } | string | number | undefined>;

const PARTITION_KEY = TABLE_DESIGN.partitionKey;

/**
 * The IAM requests an AWS SDK call makes, as the service authorization reference describes them: a
 * DynamoDB transaction is one request per item with that item's own action, a SendEmail is one request per
 * resource it touches (identity, configuration set, template), PutEvents one per entry. Condition keys
 * are the ones AWS evaluates for the action: `dynamodb:LeadingKeys` from the partition keys the call
 * touches, `ses:FromAddress`, `events:source` and `events:detail-type`.
 */
export function iamRequests(
  service: string,
  operation: string,
  input: Input,
  environment: NodeJS.ProcessEnv,
): Request[] {
  const key = `${service}.${operation}`;
  const request = (action: string, resource: ResourceRef, context: Request['context'] = {}): Request => ({
    operation: key,
    action,
    resource,
    context,
  });
  switch (service) {
    case 'DynamoDB':
      return dynamoDbRequests(operation, input).map((r) => request(r.action, r.resource, r.context));
    case 'SESv2':
      return sesRequests(operation, input).map((r) => request(r.action, r.resource, r.context));
    case 'EventBridge':
      if (operation !== 'PutEvents') break;
      return ((input.Entries as Input[] | undefined) ?? []).map((entry) =>
        request(
          'events:PutEvents',
          { type: 'event-bus', bus: isDefaultBus(entry.EventBusName) ? 'default' : 'stack' },
          { 'events:source': [String(entry.Source)], 'events:detail-type': String(entry.DetailType) },
        ),
      );
    case 'S3':
      // The report archive's two calls (functions/adapters/report/s3-report-archive.ts), on the bucket of REPORT_BUCKET.
      if (operation !== 'PutObject' && operation !== 'GetObject') break;
      return [request(`s3:${operation}`, { type: 'bucket-object', variable: 'REPORT_BUCKET', key: String(input.Key) })];
    case 'SQS':
      // The planner's batches of due work (functions/adapters/sqs-due-work-queue.ts), on the queue of
      // DUE_WORK_QUEUE_URL; a batch is authorised as SendMessage.
      if (operation !== 'SendMessageBatch' && operation !== 'SendMessage') break;
      return [request('sqs:SendMessage', { type: 'queue', variable: 'DUE_WORK_QUEUE_URL' })];
    case 'CloudTrail':
      // Who edited a template (functions/adapters/cloudtrail-template-editors.ts): no resource type in IAM.
      if (operation !== 'LookupEvents') break;
      return [request('cloudtrail:LookupEvents', { type: 'none' })];
    case 'SecretsManager':
      if (operation !== 'GetSecretValue') break;
      return [request('secretsmanager:GetSecretValue', secretNamedBy(String(input.SecretId), environment))];
  }
  return [request(`${service.toLowerCase()}:${operation}`, { type: 'unknown', detail: key })];
}

function isDefaultBus(name: unknown): boolean {
  return name === undefined || name === 'default' || (typeof name === 'string' && name.endsWith(':event-bus/default'));
}

function dynamoDbRequests(operation: string, input: Input): Omit<Request, 'operation'>[] {
  const table = (index?: unknown): ResourceRef =>
    typeof index === 'string' ? { type: 'table', index } : { type: 'table' };
  const leading = (keys: readonly string[]) => ({ 'dynamodb:LeadingKeys': [...new Set(keys)].sort() });
  switch (operation) {
    case 'GetItem':
    case 'PutItem':
    case 'UpdateItem':
    case 'DeleteItem':
      return [
        {
          action: `dynamodb:${operation}`,
          resource: table(),
          context: leading([partitionOf((input.Key ?? input.Item) as AttributeMap)]),
        },
      ];
    case 'Query': {
      const value = queriedPartition(input);
      return [
        {
          action: 'dynamodb:Query',
          resource: table(input.IndexName),
          context: value === undefined ? {} : leading([value]),
        },
      ];
    }
    case 'Scan':
      return [{ action: 'dynamodb:Scan', resource: table(input.IndexName), context: {} }];
    case 'DescribeTable':
      return [{ action: 'dynamodb:DescribeTable', resource: table(), context: {} }];
    case 'BatchGetItem':
      return Object.values((input.RequestItems ?? {}) as Record<string, { Keys?: AttributeMap[] }>).map((items) => ({
        action: 'dynamodb:BatchGetItem',
        resource: table(),
        context: leading((items.Keys ?? []).map(partitionOf)),
      }));
    case 'BatchWriteItem':
      return Object.values(
        (input.RequestItems ?? {}) as Record<
          string,
          { PutRequest?: { Item: AttributeMap }; DeleteRequest?: { Key: AttributeMap } }[]
        >,
      ).map((writes) => ({
        action: 'dynamodb:BatchWriteItem',
        resource: table(),
        context: leading(writes.map((w) => partitionOf(w.PutRequest?.Item ?? w.DeleteRequest?.Key ?? {}))),
      }));
    case 'TransactWriteItems':
    case 'TransactGetItems': {
      // A transaction needs each item's own action; there is no IAM action for the transaction itself.
      const actions: Record<string, string> = {
        Put: 'dynamodb:PutItem',
        Update: 'dynamodb:UpdateItem',
        Delete: 'dynamodb:DeleteItem',
        ConditionCheck: 'dynamodb:ConditionCheckItem',
        Get: 'dynamodb:GetItem',
      };
      return ((input.TransactItems as Record<string, { Key?: AttributeMap; Item?: AttributeMap }>[]) ?? []).map(
        (item) => {
          const [kind, body] = Object.entries(item)[0] ?? ['Unknown', {}];
          return {
            action: actions[kind] ?? `dynamodb:${kind}`,
            resource: table(),
            context: leading([partitionOf((body.Key ?? body.Item ?? {}) as AttributeMap)]),
          };
        },
      );
    }
  }
  return [
    { action: `dynamodb:${operation}`, resource: { type: 'unknown', detail: `DynamoDB.${operation}` }, context: {} },
  ];
}

function partitionOf(item: AttributeMap): string {
  return partitionKind(stringValue(item[PARTITION_KEY]) ?? '(none)');
}

/**
 * A partition key by its kind: `CUSTOMER#cus_…` and `EMAIL#ada@…` become `CUSTOMER#x` and `EMAIL#x`, so the
 * record holds no address or id a test made up; the fixed partition `STORE` stays.
 */
function partitionKind(value: string): string {
  if (FIXED_PARTITIONS.has(value)) return value;
  const hash = value.indexOf('#');
  return hash < 0 ? value : `${value.slice(0, hash + 1)}x`;
}

const FIXED_PARTITIONS = new Set<string>([keys.store]);

function stringValue(value: AttributeMap[string]): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'object') return value.S;
  return undefined;
}

/** The partition a Query reads: the value compared with `=` to the key's partition attribute. */
function queriedPartition(input: Input): string | undefined {
  const expression = String(input.KeyConditionExpression ?? '');
  const names = (input.ExpressionAttributeNames ?? {}) as Record<string, string>;
  const values = (input.ExpressionAttributeValues ?? {}) as AttributeMap;
  const match = /^\s*\(?\s*([#\w]+)\s*=\s*(:\w+)/.exec(expression);
  if (!match) return undefined;
  const attribute = names[match[1] as string] ?? match[1];
  const value = stringValue(values[match[2] as string]);
  // LeadingKeys is the table's partition key; an index keyed otherwise is not limited by it.
  return attribute === PARTITION_KEY && value !== undefined ? partitionKind(value) : undefined;
}

function sesRequests(operation: string, input: Input): Omit<Request, 'operation'>[] {
  const apiVersion = { 'ses:ApiVersion': '2' };
  switch (operation) {
    case 'SendEmail': {
      const from = String(input.FromEmailAddress ?? '');
      const address = /<([^>]+)>/.exec(from)?.[1] ?? from;
      const context = { ...apiVersion, 'ses:FromAddress': address };
      const template = (input.Content as { Template?: { TemplateName?: string } } | undefined)?.Template?.TemplateName;
      return [
        { action: 'ses:SendEmail', resource: { type: 'ses-sender-identity' }, context },
        ...(input.ConfigurationSetName
          ? [{ action: 'ses:SendEmail', resource: { type: 'ses-configuration-set' } as const, context }]
          : []),
        ...(template
          ? [{ action: 'ses:SendEmail', resource: { type: 'ses-template', name: template } as const, context }]
          : []),
      ];
    }
    case 'GetAccount':
    case 'ListEmailTemplates':
      return [{ action: `ses:${operation}`, resource: { type: 'none' }, context: apiVersion }];
    case 'CreateEmailTemplate':
    case 'GetEmailTemplate':
    case 'UpdateEmailTemplate':
    case 'DeleteEmailTemplate':
      return [
        {
          action: `ses:${operation}`,
          resource: { type: 'ses-template', name: String(input.TemplateName) },
          context: apiVersion,
        },
      ];
  }
  return [{ action: `ses:${operation}`, resource: { type: 'unknown', detail: `SESv2.${operation}` }, context: {} }];
}

/** The environment variable (and key of its JSON object) that gave the function this secret's id. */
function secretNamedBy(secretId: string, environment: NodeJS.ProcessEnv): ResourceRef {
  for (const [variable, value] of Object.entries(environment)) {
    if (value === secretId) return { type: 'secret', variable };
    if (!value?.startsWith('{')) continue;
    try {
      for (const [key, inner] of Object.entries(JSON.parse(value) as Record<string, unknown>))
        if (inner === secretId) return { type: 'secret', variable, key };
    } catch {
      // not JSON: not a map of secrets
    }
  }
  return { type: 'unknown', detail: 'a secret no environment variable names' };
}
