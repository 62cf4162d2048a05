import { createHash } from 'node:crypto';
import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  BatchWriteCommand,
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  type QueryCommandInput,
  ScanCommand,
  TransactWriteCommand,
  type TransactWriteCommandInput,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type { Customer } from '../../domain/customer.js';
import type { StoreModel } from '../../domain/intelligence/store-model.js';
import type { Enrollment } from '../../domain/journeys/enrollment.js';
import type { OrderRecord } from '../../domain/orders.js';
import type { TimelineEntry } from '../../domain/timeline.js';
import type {
  AnonymousOrderCommit,
  ClaimedRun,
  ClaimedTimer,
  CommitResult,
  CustomerLookup,
  CustomerStore,
  DataExport,
  DueRun,
  ErasurePlan,
  EventCommit,
  RunProgress,
  ScanPage,
  StoredCustomer,
  StoredEnrollment,
  StoredOrderPointer,
  SuppressionRecord,
} from '../../ports/customer-store.js';
import type { BusEvent } from '../../ports/event-publisher.js';
import { dynamoDbClients } from '../aws-clients.js';
import { ENV, requireEnv } from '../environment.js';
import { EVENT_RECEIPT_DAYS, EXPORT_DAYS, keys, OUTBOX_GRACE_MS, TABLE_DESIGN } from './table-design.js';

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

  async lookup(reference: {
    readonly email?: string | undefined;
    readonly alias?: string | undefined;
  }): Promise<CustomerLookup> {
    const wanted = [
      ...(reference.email ? [{ pk: keys.email(reference.email), sk: keys.emailSk }] : []),
      ...(reference.alias ? [{ pk: keys.alias(reference.alias), sk: keys.aliasSk }] : []),
    ];
    if (wanted.length === 0) return {};
    const result = await this.client.send(
      new BatchGetCommand({ RequestItems: { [this.tableName]: { Keys: wanted, ConsistentRead: true } } }),
    );
    const items = result.Responses?.[this.tableName] ?? [];
    const idOf = (pk: string) => items.find((item) => item.pk === pk)?.customerId as string | undefined;
    return {
      byEmail: reference.email ? idOf(keys.email(reference.email)) : undefined,
      byAlias: reference.alias ? idOf(keys.alias(reference.alias)) : undefined,
    };
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
    const orders = new Map<string, OrderRecord>();
    for (const item of items) {
      if (item.entity === 'journey-run') {
        const enrollment = item.enrollment as Enrollment;
        enrollments.set(enrollment.journeyId, { enrollment, version: item.version as number });
      } else if (item.entity === 'order') {
        const order = item.order as OrderRecord;
        orders.set(order.key, order);
      }
    }
    return { customer: profile.customer as Customer, version: profile.version as number, enrollments, orders };
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
    for (const alias of commit.claimAliases ?? []) {
      items.push({
        Put: {
          TableName: this.tableName,
          Item: { pk: keys.alias(alias), sk: keys.aliasSk, entity: 'alias', customerId },
          ConditionExpression: 'attribute_not_exists(pk) OR customerId = :id',
          ExpressionAttributeValues: { ':id': customerId },
        },
      });
    }
    for (const order of commit.orders ?? []) {
      items.push(
        { Put: { TableName: this.tableName, Item: { pk, sk: keys.order(order.key), entity: 'order', order } } },
        {
          // The pointer now only says whose order it is; anything kept on it before is in the order above.
          Put: {
            TableName: this.tableName,
            Item: {
              pk: keys.order(order.key),
              sk: keys.orderPointerSk,
              entity: 'order-pointer',
              customerId,
              version: 1,
            },
          },
        },
      );
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
    if (commit.reassessAt === null) {
      items.push({ Delete: { TableName: this.tableName, Key: { pk, sk: keys.reassess } } });
    } else if (commit.reassessAt !== undefined) {
      items.push({
        Put: {
          TableName: this.tableName,
          Item: {
            pk,
            sk: keys.reassess,
            entity: 'reassess',
            ...this.dueAttributes(customerId, commit.reassessAt),
            version: 1,
          },
        },
      });
    }
    for (const entry of commit.outbox ?? []) {
      const dueAt = new Date(new Date(commit.customer.updatedAt).getTime() + OUTBOX_GRACE_MS).toISOString();
      items.push({
        Put: {
          TableName: this.tableName,
          Item: {
            pk,
            sk: keys.outbox(entry.id),
            entity: 'outbox',
            // As JSON text: the event goes back on the bus exactly as it was made (times included).
            event: JSON.stringify({ ...entry.event, time: entry.event.time?.toISOString() }),
            ...this.dueAttributes(customerId, dueAt),
            version: 1,
          },
        },
      });
    }
    items.push(...this.timelineItems(customerId, commit.timeline, digest(commit.eventId)));
    return this.transact(items);
  }

  /** Runs a transaction whose first item is an event receipt: a failed receipt means a duplicate. */
  private async transact(items: TransactItem[]): Promise<CommitResult> {
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

  private async deleteKeys(items: readonly Record<string, unknown>[]): Promise<void> {
    for (let start = 0; start < items.length; start += 25) {
      let requests = items
        .slice(start, start + 25)
        .map((item) => ({ DeleteRequest: { Key: { pk: item.pk, sk: item.sk } } }));
      for (let attempt = 1; requests.length > 0; attempt++) {
        const result = await this.client.send(new BatchWriteCommand({ RequestItems: { [this.tableName]: requests } }));
        requests = (result.UnprocessedItems?.[this.tableName] ?? []) as typeof requests;
        if (requests.length > 0)
          await new Promise((resolve) => setTimeout(resolve, Math.min(50 * 2 ** attempt, 2_000)));
      }
    }
  }

  private async deleteIfOwned(key: { pk: string; sk: string }, customerId: string): Promise<void> {
    try {
      await this.client.send(
        new DeleteCommand({
          TableName: this.tableName,
          Key: key,
          ...(customerId === ''
            ? {}
            : {
                ConditionExpression: 'attribute_not_exists(pk) OR customerId = :id',
                ExpressionAttributeValues: { ':id': customerId },
              }),
        }),
      );
    } catch (error) {
      // The address or alias belongs to someone else now: theirs to keep.
      if (!isConditionalCheckFailure(error)) throw error;
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

  async findOrder(key: string): Promise<StoredOrderPointer | undefined> {
    const result = await this.client.send(
      new GetCommand({
        TableName: this.tableName,
        Key: { pk: keys.order(key), sk: keys.orderPointerSk },
        ConsistentRead: true,
      }),
    );
    if (!result.Item) return undefined;
    return {
      key,
      customerId: result.Item.customerId as string | undefined,
      order: result.Item.order as OrderRecord | undefined,
      version: (result.Item.version as number | undefined) ?? 0,
    };
  }

  async commitAnonymousOrder(commit: AnonymousOrderCommit): Promise<CommitResult> {
    const pk = keys.order(commit.order.key);
    const items: TransactItem[] = [
      {
        Put: {
          TableName: this.tableName,
          Item: {
            pk,
            sk: keys.eventReceipt(commit.eventId),
            entity: 'event-receipt',
            expiresAt: Math.floor(Date.now() / 1000) + EVENT_RECEIPT_DAYS * 86_400,
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      },
      {
        Put: {
          TableName: this.tableName,
          Item: {
            pk,
            sk: keys.orderPointerSk,
            entity: 'order-pointer',
            order: commit.order,
            version: (commit.expectedVersion ?? 0) + 1,
          },
          // A customer claimed the order meanwhile: retry, and the event goes to them.
          ...(commit.expectedVersion === undefined
            ? { ConditionExpression: 'attribute_not_exists(pk)' }
            : {
                ConditionExpression: 'version = :v AND attribute_not_exists(customerId)',
                ExpressionAttributeValues: { ':v': commit.expectedVersion },
              }),
        },
      },
    ];
    return this.transact(items);
  }

  async findSuppression(emailHash: string): Promise<SuppressionRecord | undefined> {
    const result = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: { pk: keys.suppression(emailHash), sk: keys.suppressionSk } }),
    );
    if (!result.Item) return undefined;
    return { emailHash, reason: result.Item.reason as string, at: result.Item.at as string };
  }

  async eraseCustomer(plan: ErasurePlan): Promise<void> {
    for (const suppression of plan.suppressions) {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            pk: keys.suppression(suppression.emailHash),
            sk: keys.suppressionSk,
            entity: 'suppression',
            ...suppression,
          },
        }),
      );
    }
    if (plan.customerId !== '') {
      const pk = keys.customer(plan.customerId);
      const items = await this.queryAll({
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': pk },
        ProjectionExpression: 'pk, sk, entity',
      });
      // Stop every message first, then keep the orders anonymously, then remove everything else.
      await this.deleteKeys(items.filter((item) => item.entity === 'journey-run'));
      for (const order of plan.anonymisedOrders) {
        await this.client.send(
          new PutCommand({
            TableName: this.tableName,
            Item: { pk: keys.order(order.key), sk: keys.orderPointerSk, entity: 'order-pointer', order, version: 1 },
          }),
        );
      }
      await this.deleteKeys(items.filter((item) => item.entity !== 'journey-run'));
      // Their data exports went with the partition; the pointers to them go too.
      await this.deleteKeys(
        items.filter((item) => item.entity === 'export').map((item) => ({ pk: item.sk, sk: keys.exportSk })),
      );
    }
    // The look-up items go last: a retry after a failure still finds what is left to erase.
    for (const email of plan.emails) {
      await this.deleteIfOwned({ pk: keys.email(email), sk: keys.emailSk }, plan.customerId);
    }
    for (const alias of plan.aliases) {
      await this.deleteIfOwned({ pk: keys.alias(alias), sk: keys.aliasSk }, plan.customerId);
    }
  }

  async saveExport(data: DataExport): Promise<void> {
    const expiresAt = Math.floor(new Date(data.createdAt).getTime() / 1000) + EXPORT_DAYS * 86_400;
    // A string, not a map: the document is returned exactly as it was made.
    const document = JSON.stringify(data.document);
    if (data.customerId === undefined) {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            pk: keys.export(data.requestKey),
            sk: keys.exportSk,
            entity: 'export',
            createdAt: data.createdAt,
            document,
            expiresAt,
          },
        }),
      );
      return;
    }
    // A customer's export lives in their partition, so that erasing them erases it; the pointer holds no
    // personal data.
    await this.client.send(
      new TransactWriteCommand({
        TransactItems: [
          {
            Put: {
              TableName: this.tableName,
              Item: {
                pk: keys.customer(data.customerId),
                sk: keys.export(data.requestKey),
                entity: 'export',
                createdAt: data.createdAt,
                document,
                expiresAt,
              },
            },
          },
          {
            Put: {
              TableName: this.tableName,
              Item: {
                pk: keys.export(data.requestKey),
                sk: keys.exportSk,
                entity: 'export-pointer',
                customerId: data.customerId,
                createdAt: data.createdAt,
                expiresAt,
              },
            },
          },
        ],
      }),
    );
  }

  async findExport(requestKey: string): Promise<DataExport | undefined> {
    const pointer = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: { pk: keys.export(requestKey), sk: keys.exportSk } }),
    );
    if (!pointer.Item) return undefined;
    const customerId = pointer.Item.customerId as string | undefined;
    const item =
      customerId === undefined
        ? pointer.Item
        : (
            await this.client.send(
              new GetCommand({
                TableName: this.tableName,
                Key: { pk: keys.customer(customerId), sk: keys.export(requestKey) },
              }),
            )
          ).Item;
    if (!item) return undefined;
    return {
      requestKey,
      customerId,
      createdAt: item.createdAt as string,
      document: JSON.parse(item.document as string),
    };
  }

  async eraseEverything(resumeAfter: string | undefined, pageSize: number): Promise<string | undefined> {
    const page = await this.client.send(
      new ScanCommand({
        TableName: this.tableName,
        Limit: pageSize,
        ProjectionExpression: 'pk, sk',
        ExclusiveStartKey: resumeAfter ? (JSON.parse(resumeAfter) as Record<string, unknown>) : undefined,
      }),
    );
    await this.deleteKeys((page.Items ?? []).filter((item) => !String(item.pk).startsWith('SUPPRESSION#')));
    return page.LastEvaluatedKey ? JSON.stringify(page.LastEvaluatedKey) : undefined;
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
    run: Extract<DueRun, { kind: 'journey' }>,
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

  async claimTimer(
    run: Exclude<DueRun, { kind: 'journey' }>,
    claim: { readonly owner: string; readonly now: Date; readonly leaseMs: number },
  ): Promise<ClaimedTimer | undefined> {
    const leaseUntil = new Date(claim.now.getTime() + claim.leaseMs).toISOString();
    const sk = run.kind === 'outbox' ? keys.outbox(run.outboxId) : keys.reassess;
    try {
      const result = await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { pk: keys.customer(run.customerId), sk },
          UpdateExpression: 'SET leaseOwner = :owner, leaseUntil = :until',
          ConditionExpression:
            'attribute_exists(dueShard) AND dueAt <= :now AND (attribute_not_exists(leaseUntil) OR leaseUntil < :now)',
          ExpressionAttributeValues: { ':owner': claim.owner, ':until': leaseUntil, ':now': claim.now.toISOString() },
          ReturnValues: 'ALL_NEW',
        }),
      );
      const stored = result.Attributes?.event as string | undefined;
      const parsed =
        stored === undefined ? undefined : (JSON.parse(stored) as Omit<BusEvent, 'time'> & { time?: string });
      const event = parsed && { ...parsed, time: parsed.time === undefined ? undefined : new Date(parsed.time) };
      return { run, owner: claim.owner, leaseUntil, event };
    } catch (error) {
      if (isConditionalCheckFailure(error)) return undefined;
      throw error;
    }
  }

  async deleteOutbox(customerId: string, ids: readonly string[]): Promise<void> {
    await this.deleteKeys(ids.map((id) => ({ pk: keys.customer(customerId), sk: keys.outbox(id) })));
  }

  async loadModel(): Promise<StoreModel | undefined> {
    const result = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: { pk: keys.store, sk: keys.model } }),
    );
    return result.Item ? (JSON.parse(result.Item.model as string) as StoreModel) : undefined;
  }

  async saveModel(model: StoreModel): Promise<void> {
    await this.client.send(
      new PutCommand({
        TableName: this.tableName,
        // JSON text: exactly what was computed, thresholds of any size included.
        Item: {
          pk: keys.store,
          sk: keys.model,
          entity: 'store-model',
          model: JSON.stringify(model),
          computedAt: model.computedAt,
        },
      }),
    );
  }

  async scanCustomers(segment: number, segments: number, resumeAfter: string | undefined): Promise<ScanPage> {
    const page = await this.client.send(
      new ScanCommand({
        TableName: this.tableName,
        Segment: segment,
        TotalSegments: segments,
        ExclusiveStartKey: resumeAfter ? (JSON.parse(resumeAfter) as Record<string, unknown>) : undefined,
        FilterExpression: 'entity IN (:customer, :order, :pointer)',
        ExpressionAttributeValues: { ':customer': 'customer', ':order': 'order', ':pointer': 'order-pointer' },
      }),
    );
    const customers: { customer: Customer; version: number }[] = [];
    const orders: { customerId?: string; order: OrderRecord }[] = [];
    for (const item of page.Items ?? []) {
      if (item.entity === 'customer')
        customers.push({ customer: item.customer as Customer, version: item.version as number });
      else if (item.entity === 'order')
        orders.push({ customerId: String(item.pk).slice('CUSTOMER#'.length), order: item.order as OrderRecord });
      else if (item.order !== undefined && item.customerId === undefined)
        orders.push({ order: item.order as OrderRecord });
    }
    return {
      customers,
      orders,
      resumeAfter: page.LastEvaluatedKey ? JSON.stringify(page.LastEvaluatedKey) : undefined,
    };
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
      Object.assign(item, this.dueAttributes(customerId, enrollment.dueAt));
    }
    return item;
  }

  private dueAttributes(customerId: string, dueAt: string): { dueShard: string; dueAt: string } {
    return { dueShard: keys.dueShard(shardOf(customerId, this.dueShards)), dueAt };
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
  const customerId = String(item.pk).slice('CUSTOMER#'.length);
  const sk = String(item.sk);
  const dueAt = String(item.dueAt);
  if (sk.startsWith('JOURNEY#')) return { kind: 'journey', customerId, journeyId: sk.slice('JOURNEY#'.length), dueAt };
  if (sk.startsWith('OUTBOX#')) return { kind: 'outbox', customerId, outboxId: sk.slice('OUTBOX#'.length), dueAt };
  return { kind: 'reassess', customerId, dueAt };
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
