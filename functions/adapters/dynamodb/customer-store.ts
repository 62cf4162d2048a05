import { createHash } from 'node:crypto';
import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import {
  type DynamoDBDocumentClient,
  GetCommand,
  QueryCommand,
  type QueryCommandInput,
  TransactWriteCommand,
  type TransactWriteCommandInput,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type { Customer } from '../../domain/customer.js';
import type { Enrollment } from '../../domain/journeys/enrollment.js';
import type { TimelineEntry } from '../../domain/timeline.js';
import type {
  ClaimedRun,
  CommitResult,
  CustomerStore,
  DueRun,
  EventCommit,
  RunProgress,
  StoredCustomer,
  StoredEnrollment,
} from '../../ports/customer-store.js';
import { dynamoDbClients } from '../aws-clients.js';
import { ENV, requireEnv } from '../environment.js';
import { EVENT_RECEIPT_DAYS, keys, TABLE_DESIGN } from './table-design.js';

type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

export interface DynamoDbCustomerStoreOptions {
  readonly client: DynamoDBDocumentClient;
  readonly tableName: string;
  /** Number of partitions of the due index; must match what timers were written with. */
  readonly dueShards: number;
}

/** {@link CustomerStore} on one DynamoDB table (see table-design.ts and docs/architecture.md). */
export class DynamoDbCustomerStore implements CustomerStore {
  private readonly client: DynamoDBDocumentClient;
  private readonly tableName: string;
  private readonly dueShards: number;

  constructor(options: DynamoDbCustomerStoreOptions) {
    this.client = options.client;
    this.tableName = options.tableName;
    this.dueShards = options.dueShards;
  }

  async findCustomerId(email: string): Promise<string | undefined> {
    const result = await this.client.send(
      new GetCommand({
        TableName: this.tableName,
        Key: { pk: keys.email(email), sk: keys.emailSk },
        ConsistentRead: true,
      }),
    );
    return typeof result.Item?.customerId === 'string' ? result.Item.customerId : undefined;
  }

  async load(customerId: string): Promise<StoredCustomer | undefined> {
    // JOURNEY# < PROFILE: one consistent query reads the profile and every journey run, nothing else.
    const items = await this.queryAll({
      TableName: this.tableName,
      KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
      ExpressionAttributeValues: { ':pk': keys.customer(customerId), ':from': 'JOURNEY#', ':to': keys.profile },
      ConsistentRead: true,
    });
    const profile = items.find((item) => item.sk === keys.profile);
    if (!profile) return undefined;
    const enrollments = new Map<string, StoredEnrollment>();
    for (const item of items) {
      if (item.sk === keys.profile) continue;
      const enrollment = item.enrollment as Enrollment;
      enrollments.set(enrollment.journeyId, { enrollment, version: item.version as number });
    }
    return { customer: profile.customer as Customer, version: profile.version as number, enrollments };
  }

  async commitEvent(commit: EventCommit): Promise<CommitResult> {
    const customerId = commit.customer.id;
    const pk = keys.customer(customerId);
    const now = new Date(commit.customer.updatedAt);
    const items: TransactItem[] = [
      {
        Put: {
          TableName: this.tableName,
          Item: {
            pk,
            sk: keys.eventReceipt(commit.eventId),
            entity: 'event-receipt',
            expiresAt: Math.floor(now.getTime() / 1000) + EVENT_RECEIPT_DAYS * 86_400,
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      },
      {
        Put: {
          TableName: this.tableName,
          Item: {
            pk,
            sk: keys.profile,
            entity: 'customer',
            customer: commit.customer,
            version: (commit.expectedVersion ?? 0) + 1,
          },
          ...(commit.expectedVersion === undefined
            ? { ConditionExpression: 'attribute_not_exists(pk)' }
            : { ConditionExpression: 'version = :v', ExpressionAttributeValues: { ':v': commit.expectedVersion } }),
        },
      },
    ];
    if (commit.claimEmail) {
      items.push({
        Put: {
          TableName: this.tableName,
          Item: { pk: keys.email(commit.claimEmail), sk: keys.emailSk, entity: 'email', customerId },
          ConditionExpression: 'attribute_not_exists(pk) OR customerId = :id',
          ExpressionAttributeValues: { ':id': customerId },
        },
      });
    }
    if (commit.releaseEmail) {
      items.push({
        Delete: {
          TableName: this.tableName,
          Key: { pk: keys.email(commit.releaseEmail), sk: keys.emailSk },
          ConditionExpression: 'attribute_not_exists(pk) OR customerId = :id',
          ExpressionAttributeValues: { ':id': customerId },
        },
      });
    }
    for (const { enrollment, expectedVersion } of commit.enrollments) {
      items.push({
        Put: {
          TableName: this.tableName,
          Item: this.enrollmentItem(customerId, enrollment, (expectedVersion ?? 0) + 1),
          ...(expectedVersion === undefined
            ? { ConditionExpression: 'attribute_not_exists(pk)' }
            : { ConditionExpression: 'version = :v', ExpressionAttributeValues: { ':v': expectedVersion } }),
        },
      });
    }
    items.push(...this.timelineItems(customerId, commit.timeline, digest(commit.eventId)));

    try {
      await this.client.send(new TransactWriteCommand({ TransactItems: items }));
      return 'committed';
    } catch (error) {
      if (error instanceof TransactionCanceledException) {
        const reasons = error.CancellationReasons ?? [];
        if (reasons[0]?.Code === 'ConditionalCheckFailed') return 'duplicate';
        if (
          reasons.some((reason) => reason.Code === 'ConditionalCheckFailed' || reason.Code === 'TransactionConflict')
        ) {
          return 'conflict';
        }
      }
      throw error;
    }
  }

  async timeline(customerId: string, options: { readonly limit?: number } = {}): Promise<TimelineEntry[]> {
    const limit = options.limit ?? 200;
    const result = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
        ExpressionAttributeValues: { ':pk': keys.customer(customerId), ':prefix': 'TIMELINE#' },
        ScanIndexForward: false,
        Limit: limit,
      }),
    );
    return (result.Items ?? []).map((item) => item.entry as TimelineEntry).reverse();
  }

  async dueRuns(now: Date, limit: number): Promise<DueRun[]> {
    const perShard = Math.max(1, Math.ceil(limit / this.dueShards));
    const shards = await Promise.all(
      Array.from({ length: this.dueShards }, async (_, shard) => {
        const result = await this.client.send(
          new QueryCommand({
            TableName: this.tableName,
            IndexName: TABLE_DESIGN.dueIndex.name,
            KeyConditionExpression: 'dueShard = :shard AND dueAt <= :now',
            ExpressionAttributeValues: { ':shard': keys.dueShard(shard), ':now': now.toISOString() },
            Limit: perShard,
          }),
        );
        return (result.Items ?? []).map(toDueRun);
      }),
    );
    return shards
      .flat()
      .sort((a, b) => a.dueAt.localeCompare(b.dueAt))
      .slice(0, limit);
  }

  async claimRun(
    run: DueRun,
    claim: { readonly owner: string; readonly now: Date; readonly leaseMs: number },
  ): Promise<ClaimedRun | undefined> {
    const leaseUntil = new Date(claim.now.getTime() + claim.leaseMs).toISOString();
    try {
      const result = await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { pk: keys.customer(run.customerId), sk: keys.journey(run.journeyId) },
          UpdateExpression:
            'SET leaseOwner = :owner, leaseUntil = :until, attempts = if_not_exists(attempts, :zero) + :one, version = version + :one',
          ConditionExpression:
            'attribute_exists(dueShard) AND dueAt <= :now AND (attribute_not_exists(leaseUntil) OR leaseUntil < :now)',
          ExpressionAttributeValues: {
            ':owner': claim.owner,
            ':until': leaseUntil,
            ':now': claim.now.toISOString(),
            ':zero': 0,
            ':one': 1,
          },
          ReturnValues: 'ALL_NEW',
        }),
      );
      const item = result.Attributes;
      if (!item) return undefined;
      return {
        customerId: run.customerId,
        enrollment: item.enrollment as Enrollment,
        version: item.version as number,
        owner: claim.owner,
        leaseUntil,
        attempt: item.attempts as number,
      };
    } catch (error) {
      if (isConditionalCheckFailure(error)) return undefined;
      throw error;
    }
  }

  async saveRunProgress(claim: ClaimedRun, progress: RunProgress): Promise<ClaimedRun | undefined> {
    const version = claim.version + 1;
    const item = this.enrollmentItem(claim.customerId, progress.enrollment, version);
    // The next step starts now under the same lease: count it as attempted, so that a crash during it
    // is seen by the next claim (see docs/architecture.md, "Sending at most twice").
    item.attempts = progress.keepLease ? 1 : 0;
    if (progress.keepLease) {
      item.leaseOwner = claim.owner;
      item.leaseUntil = claim.leaseUntil;
    }
    const items: TransactItem[] = [
      {
        Put: {
          TableName: this.tableName,
          Item: item,
          ConditionExpression: 'leaseOwner = :owner AND version = :v',
          ExpressionAttributeValues: { ':owner': claim.owner, ':v': claim.version },
        },
      },
      ...this.timelineItems(
        claim.customerId,
        progress.timeline,
        `${claim.enrollment.runId}.${claim.enrollment.stepIndex}.${claim.attempt}`,
      ),
    ];
    try {
      await this.client.send(new TransactWriteCommand({ TransactItems: items }));
    } catch (error) {
      if (error instanceof TransactionCanceledException) return undefined;
      throw error;
    }
    return { ...claim, enrollment: progress.enrollment, version, attempt: progress.keepLease ? 1 : 0 };
  }

  async releaseRun(claim: ClaimedRun, retryAt: Date, timeline: readonly TimelineEntry[]): Promise<void> {
    const dueAt = retryAt.toISOString();
    const items: TransactItem[] = [
      {
        Update: {
          TableName: this.tableName,
          Key: { pk: keys.customer(claim.customerId), sk: keys.journey(claim.enrollment.journeyId) },
          // The attempt did not reach the point where an email could have left: it does not count.
          UpdateExpression:
            'SET dueAt = :due, enrollment.dueAt = :due, enrollment.failures = :failures, attempts = attempts - :one, version = version + :one REMOVE leaseOwner, leaseUntil',
          ConditionExpression: 'leaseOwner = :owner AND version = :v',
          ExpressionAttributeValues: {
            ':due': dueAt,
            ':failures': claim.enrollment.failures ?? 0,
            ':one': 1,
            ':owner': claim.owner,
            ':v': claim.version,
          },
        },
      },
      ...this.timelineItems(
        claim.customerId,
        timeline,
        `${claim.enrollment.runId}.${claim.enrollment.stepIndex}.r${claim.attempt}`,
      ),
    ];
    try {
      await this.client.send(new TransactWriteCommand({ TransactItems: items }));
    } catch (error) {
      // Lost the lease meanwhile: whoever holds the run now decides what happens next.
      if (error instanceof TransactionCanceledException) return;
      throw error;
    }
  }

  async nextDueAt(): Promise<string | undefined> {
    const firsts = await Promise.all(
      Array.from({ length: this.dueShards }, async (_, shard) => {
        const result = await this.client.send(
          new QueryCommand({
            TableName: this.tableName,
            IndexName: TABLE_DESIGN.dueIndex.name,
            KeyConditionExpression: 'dueShard = :shard',
            ExpressionAttributeValues: { ':shard': keys.dueShard(shard) },
            Limit: 1,
          }),
        );
        return result.Items?.[0]?.dueAt as string | undefined;
      }),
    );
    return firsts.filter((due): due is string => due !== undefined).sort()[0];
  }

  private enrollmentItem(customerId: string, enrollment: Enrollment, version: number): Record<string, unknown> {
    const item: Record<string, unknown> = {
      pk: keys.customer(customerId),
      sk: keys.journey(enrollment.journeyId),
      entity: 'journey-run',
      enrollment,
      version,
    };
    if (enrollment.status === 'active' && enrollment.dueAt) {
      // Only runs waiting for a step carry the index attributes: the due index stays sparse.
      item.dueShard = keys.dueShard(shardOf(customerId, this.dueShards));
      item.dueAt = enrollment.dueAt;
    }
    return item;
  }

  private timelineItems(customerId: string, entries: readonly TimelineEntry[], tag: string): TransactItem[] {
    return entries.map((entry, index) => ({
      Put: {
        TableName: this.tableName,
        Item: {
          pk: keys.customer(customerId),
          sk: keys.timeline(entry.at, `${tag}.${index}`),
          entity: 'timeline',
          entry,
        },
      },
    }));
  }

  private async queryAll(input: QueryCommandInput): Promise<Record<string, unknown>[]> {
    const items: Record<string, unknown>[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.client.send(new QueryCommand({ ...input, ExclusiveStartKey: startKey }));
      items.push(...(page.Items ?? []));
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return items;
  }
}

/** The due-index partition of a customer's timers: stable, so a customer's runs share a shard. */
export function shardOf(customerId: string, shards: number): number {
  return createHash('sha256').update(customerId).digest().readUInt32BE(0) % shards;
}

function digest(text: string): string {
  return createHash('sha256').update(text).digest('base64url').slice(0, 16);
}

function toDueRun(item: Record<string, unknown>): DueRun {
  return {
    customerId: String(item.pk).slice('CUSTOMER#'.length),
    journeyId: String(item.sk).slice('JOURNEY#'.length),
    dueAt: String(item.dueAt),
  };
}

function isConditionalCheckFailure(error: unknown): boolean {
  return error instanceof Error && error.name === 'ConditionalCheckFailedException';
}

/** The store of a deployed function: the table named in TABLE_NAME, with the configured shards. */
export function customerStoreFromEnvironment(dueShards: number): DynamoDbCustomerStore {
  return new DynamoDbCustomerStore({
    client: dynamoDbClients().document,
    tableName: requireEnv(ENV.tableName),
    dueShards,
  });
}
