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
import type { Visitor } from '../../domain/collect.js';
import type { Customer, LifecycleStage } from '../../domain/customer.js';
import type { CatalogueProduct, InventoryLevel, SourceName } from '../../domain/events.js';
import type { StoreModel } from '../../domain/intelligence/store-model.js';
import type { Enrollment } from '../../domain/journeys/enrollment.js';
import type { IssuedOffer } from '../../domain/offers.js';
import type { OrderRecord } from '../../domain/orders.js';
import {
  type CatalogueChange,
  deleteChange,
  type KeptInventoryLink,
  productKey,
  upsertChange,
} from '../../domain/product-catalogue.js';
import type { TemplateStatus, TemplateVersion } from '../../domain/template-history.js';
import type { TimelineEntry } from '../../domain/timeline.js';
import type { CollectStore } from '../../ports/collect-store.js';
import type {
  AnonymousOrderCommit,
  AudiencePage,
  CampaignEnrollment,
  CampaignState,
  CampaignStateWithoutProgress,
  CatalogueWrite,
  ClaimedRun,
  ClaimedTimer,
  CommitResult,
  CustomerLookup,
  CustomerStore,
  DataExport,
  DueRun,
  ErasurePlan,
  EventCommit,
  ExperimentDecision,
  ExperimentState,
  InterestPage,
  JourneyStats,
  KeptProductParts,
  ProductPartsWrite,
  ProductReplacement,
  RunProgress,
  ScanPage,
  SegmentProgress,
  StoredCustomer,
  StoredOrderPointer,
  SuppressionRecord,
} from '../../ports/customer-store.js';
import {
  AUDIENCE_PAGE_SIZE,
  audiencePartitions,
  audiencePositionOf,
  audienceResumeAfter,
  audienceShardOf,
  campaignListItem,
  campaignSegmentKeys,
  campaignStateOf,
  campaignStateWithoutProgressOf,
  customerIdOf,
  dataExportOf,
  dueItemKey,
  dueRunOf,
  dueRunsPerShard,
  everyDueShard,
  experimentStateOf,
  exportItems,
  type Item,
  type ItemKey,
  interestedCustomerOf,
  interestItem,
  inventoryLevelOf,
  inventoryLinkItem,
  inventoryLinkOf,
  issuedOfferOf,
  journeyStatsKey,
  journeyStatsOf,
  leaseEnd,
  oldestDueRuns,
  outboxEventOf,
  privacyRequestItem,
  productOf,
  productPartsOf,
  storeModelItem,
  storeModelOf,
  suppressionItem,
  templateStatusOf,
  templateVersionOf,
  timelineItems,
  timelineTags,
  timerKey,
  visitorItems,
  visitorOf,
} from './items.js';
import { keptThroughShopErasure, keyPrefix, keys, TABLE_DESIGN } from './table-design.js';
import {
  absentOrOwnedBy,
  anonymousOrderWrites,
  campaignRunWrites,
  campaignSegmentWrite,
  campaignStateWrite,
  catalogueWrite,
  claimableAt,
  drawFromPool,
  erasureSteps,
  eventCommitWrites,
  experimentDecisionWrite,
  experimentStartWrite,
  inventoryLevelWrite,
  issuedOfferWrite,
  type PlannedWrite,
  poolCodeWrites,
  poolDrawWrites,
  productPartsWrite,
  requestCountWrite,
  runProgressWrites,
  stillClaimed,
  storedCustomerOf,
  templateEditorWrites,
  templateVersionWrites,
  timelineAppendWrites,
  visitorLinkPartitions,
  type WriteCondition,
} from './write-plans.js';

/** The due-index partition of a customer's timers (see items.ts). */
export { shardOf } from './items.js';

type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

interface Condition {
  readonly ConditionExpression?: string;
  readonly ExpressionAttributeValues?: Record<string, unknown>;
}

export interface DynamoDbCustomerStoreOptions {
  readonly client: DynamoDBDocumentClient;
  readonly tableName: string;
  /** Number of partitions of the due index; must match what timers were written with. */
  readonly dueShards: number;
  /** Profiles per page of an audience read through the audience index. @default AUDIENCE_PAGE_SIZE */
  readonly audiencePageSize?: number | undefined;
}

/** {@link CustomerStore} on one DynamoDB table (see table-design.ts and docs/architecture.md). */
export class DynamoDbCustomerStore implements CustomerStore, CollectStore {
  private readonly client: DynamoDBDocumentClient;
  private readonly tableName: string;
  private readonly dueShards: number;
  private readonly audiencePageSize: number;

  constructor(options: DynamoDbCustomerStoreOptions) {
    this.client = options.client;
    this.tableName = options.tableName;
    this.dueShards = options.dueShards;
    this.audiencePageSize = options.audiencePageSize ?? AUDIENCE_PAGE_SIZE;
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
      ExpressionAttributeValues: { ':pk': keys.customer(customerId), ':from': keyPrefix.journey, ':to': keys.profile },
      ConsistentRead: true,
    });
    return storedCustomerOf(items as Item[]);
  }

  async commitEvent(commit: EventCommit): Promise<CommitResult> {
    return this.transact(eventCommitWrites(commit, this.dueShards).map((write) => this.transactItem(write)));
  }

  /** A planned write (write-plans.ts) as an item of a transaction. */
  private transactItem(write: PlannedWrite): TransactItem {
    const condition = conditionExpression(write.condition);
    if ('put' in write) return { Put: { TableName: this.tableName, Item: write.put, ...condition } };
    if ('delete' in write) return { Delete: { TableName: this.tableName, Key: write.delete, ...condition } };
    return {
      ConditionCheck: {
        TableName: this.tableName,
        Key: write.check,
        ConditionExpression: condition.ConditionExpression as string,
        ...(condition.ExpressionAttributeValues
          ? { ExpressionAttributeValues: condition.ExpressionAttributeValues }
          : {}),
      },
    };
  }

  /** Unconditional puts of `items` in a transaction. */
  private puts(items: readonly Item[]): TransactItem[] {
    return items.map((item) => ({ Put: { TableName: this.tableName, Item: item } }));
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

  private async deleteKeys(items: readonly ItemKey[]): Promise<void> {
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

  private async deleteIfOwned(key: ItemKey, customerId: string): Promise<void> {
    try {
      await this.client.send(
        new DeleteCommand({
          TableName: this.tableName,
          Key: key,
          ...(customerId === '' ? {} : conditionExpression(absentOrOwnedBy(customerId))),
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
        ExpressionAttributeValues: { ':pk': keys.customer(customerId), ':prefix': keyPrefix.timeline },
        ScanIndexForward: false,
        Limit: limit,
      }),
    );
    return (result.Items ?? []).map((item) => item.entry as TimelineEntry).reverse();
  }

  async appendTimeline(customerId: string, entries: readonly TimelineEntry[], tag: string): Promise<void> {
    if (entries.length === 0) return;
    try {
      await this.client.send(
        new TransactWriteCommand({
          TransactItems: timelineAppendWrites(customerId, entries, tag).map((write) => this.transactItem(write)),
        }),
      );
    } catch (error) {
      // The customer was erased meanwhile: nothing of them is written again.
      if (!(error instanceof TransactionCanceledException)) throw error;
    }
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
    return this.transact(anonymousOrderWrites(commit).map((write) => this.transactItem(write)));
  }

  async findSuppression(emailHash: string): Promise<SuppressionRecord | undefined> {
    const result = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: { pk: keys.suppression(emailHash), sk: keys.suppressionSk } }),
    );
    if (!result.Item) return undefined;
    return { emailHash, reason: result.Item.reason as string, at: result.Item.at as string };
  }

  async suppress(record: SuppressionRecord): Promise<void> {
    await this.client.send(new PutCommand({ TableName: this.tableName, Item: suppressionItem(record) }));
  }

  async eraseCustomer(plan: ErasurePlan): Promise<void> {
    const partition =
      plan.customerId === ''
        ? []
        : await this.queryAll({
            TableName: this.tableName,
            KeyConditionExpression: 'pk = :pk',
            ExpressionAttributeValues: { ':pk': keys.customer(plan.customerId) },
            ProjectionExpression: 'pk, sk, entity',
          });
    const visitorLinks: Item[] = [];
    for (const pk of visitorLinkPartitions(plan)) {
      const links = await this.queryAll({
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': pk },
        ProjectionExpression: 'pk, sk',
      });
      visitorLinks.push(...(links as Item[]));
    }
    for (const step of erasureSteps(plan, partition as Item[], visitorLinks)) {
      if ('put' in step) await this.client.send(new PutCommand({ TableName: this.tableName, Item: step.put }));
      else if ('deleteAll' in step) await this.deleteKeys(step.deleteAll);
      else await this.deleteIfOwned(step.deleteUnlessOwnedByOther, step.customerId);
    }
  }

  async saveExport(data: DataExport): Promise<void> {
    const items = exportItems(data);
    if (items.length === 1) {
      await this.client.send(new PutCommand({ TableName: this.tableName, Item: items[0] }));
    } else {
      await this.client.send(new TransactWriteCommand({ TransactItems: this.puts(items) }));
    }
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
    return item ? dataExportOf(requestKey, customerId, item) : undefined;
  }

  async privacyRequestDone(requestId: string): Promise<boolean> {
    const result = await this.client.send(
      new GetCommand({
        TableName: this.tableName,
        Key: { pk: keys.privacyRequest(requestId), sk: keys.privacyRequestSk },
        ProjectionExpression: 'pk',
      }),
    );
    return result.Item !== undefined;
  }

  async recordPrivacyRequest(requestId: string, at: string): Promise<void> {
    await this.client.send(new PutCommand({ TableName: this.tableName, Item: privacyRequestItem(requestId, at) }));
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
    const keysOnPage = (page.Items ?? []) as ItemKey[];
    await this.deleteKeys(keysOnPage.filter((item) => !keptThroughShopErasure(item.pk)));
    return page.LastEvaluatedKey ? JSON.stringify(page.LastEvaluatedKey) : undefined;
  }

  async dueRuns(now: Date, limit: number): Promise<DueRun[]> {
    const perShard = dueRunsPerShard(limit, this.dueShards);
    const shards = await Promise.all(
      everyDueShard(this.dueShards, async (dueShard) => {
        const result = await this.client.send(
          new QueryCommand({
            TableName: this.tableName,
            IndexName: TABLE_DESIGN.dueIndex.name,
            KeyConditionExpression: 'dueShard = :shard AND dueAt <= :now',
            ExpressionAttributeValues: { ':shard': dueShard, ':now': now.toISOString() },
            Limit: perShard,
          }),
        );
        return (result.Items ?? []).map((item) => dueRunOf({ pk: item.pk, sk: item.sk, dueAt: item.dueAt }));
      }),
    );
    return oldestDueRuns(shards, limit);
  }

  async claimRun(
    run: Extract<DueRun, { kind: 'journey' }>,
    claim: { readonly owner: string; readonly now: Date; readonly leaseMs: number },
  ): Promise<ClaimedRun | undefined> {
    const leaseUntil = leaseEnd(claim);
    try {
      const result = await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { pk: keys.customer(run.customerId), sk: keys.journey(run.journeyId) },
          UpdateExpression:
            'SET leaseOwner = :owner, leaseUntil = :until, attempts = if_not_exists(attempts, :zero) + :one, version = version + :one REMOVE enqueuedUntil',
          ...conditionalUpdate(claimableAt(claim.now, run.enqueuedUntil), {
            ':owner': claim.owner,
            ':until': leaseUntil,
            ':zero': 0,
            ':one': 1,
          }),
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
        dueAt: item.dueAt as string | undefined,
      };
    } catch (error) {
      if (isConditionalCheckFailure(error)) return undefined;
      throw error;
    }
  }

  async saveRunProgress(claim: ClaimedRun, progress: RunProgress): Promise<ClaimedRun | undefined> {
    const version = claim.version + 1;
    const writes = runProgressWrites(claim, progress, this.dueShards);
    const [run] = writes;
    try {
      // The run alone (a wait, a jump) is one conditional put: a transaction of one item would cost twice
      // the write units for nothing (docs/performance.md).
      if (writes.length === 1 && run && 'put' in run)
        await this.client.send(
          new PutCommand({ TableName: this.tableName, Item: run.put, ...conditionExpression(run.condition) }),
        );
      else
        await this.client.send(
          new TransactWriteCommand({ TransactItems: writes.map((write) => this.transactItem(write)) }),
        );
    } catch (error) {
      if (error instanceof TransactionCanceledException || isLostRace(error)) return undefined;
      throw error;
    }
    return {
      ...claim,
      enrollment: progress.enrollment,
      version,
      attempt: progress.keepLease ? 1 : 0,
      leaseUntil: progress.leaseUntil ?? claim.leaseUntil,
      dueAt: run && 'put' in run ? (run.put.dueAt as string | undefined) : undefined,
    };
  }

  async releaseRun(
    claim: ClaimedRun,
    retryAt: Date,
    timeline: readonly TimelineEntry[],
    options: { readonly mayHaveSent?: boolean } = {},
  ): Promise<void> {
    const dueAt = retryAt.toISOString();
    const items: TransactItem[] = [
      {
        Update: {
          TableName: this.tableName,
          Key: { pk: keys.customer(claim.customerId), sk: keys.journey(claim.enrollment.journeyId) },
          // An attempt that cannot have sent the email does not count; one that may have, does.
          UpdateExpression:
            'SET dueAt = :due, enrollment.dueAt = :due, enrollment.failures = :failures, attempts = attempts - :spent, version = version + :one REMOVE leaseOwner, leaseUntil',
          ...conditionalUpdate(stillClaimed(claim), {
            ':due': dueAt,
            ':failures': claim.enrollment.failures ?? 0,
            ':one': 1,
            ':spent': options.mayHaveSent ? 0 : 1,
          }),
        },
      },
      ...this.puts(
        timelineItems(claim.customerId, timeline, timelineTags.runRelease(claim.enrollment.runId, claim.version)),
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
    const leaseUntil = leaseEnd(claim);
    try {
      const result = await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: timerKey(run),
          UpdateExpression: 'SET leaseOwner = :owner, leaseUntil = :until REMOVE enqueuedUntil',
          ...conditionalUpdate(claimableAt(claim.now, run.enqueuedUntil), {
            ':owner': claim.owner,
            ':until': leaseUntil,
          }),
          ReturnValues: 'ALL_NEW',
        }),
      );
      return { run, owner: claim.owner, leaseUntil, event: outboxEventOf(result.Attributes) };
    } catch (error) {
      if (isConditionalCheckFailure(error)) return undefined;
      throw error;
    }
  }

  async markEnqueued(run: DueRun, mark: { readonly now: Date; readonly until: Date }): Promise<DueRun | undefined> {
    const until = mark.until.toISOString();
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: dueItemKey(run),
          // The version stays: a customer's own writes are not refused because the item went on the queue.
          UpdateExpression: 'SET dueAt = :marked, enqueuedUntil = :marked',
          ...conditionalUpdate(claimableAt(mark.now), { ':marked': until }),
        }),
      );
      return { ...run, enqueuedUntil: until };
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
    return result.Item ? storeModelOf(result.Item) : undefined;
  }

  async saveModel(model: StoreModel): Promise<void> {
    await this.client.send(new PutCommand({ TableName: this.tableName, Item: storeModelItem(model) }));
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
    const customers: { customer: Customer; version: number; unindexed?: boolean }[] = [];
    const orders: { customerId?: string; order: OrderRecord }[] = [];
    for (const item of page.Items ?? []) {
      if (item.entity === 'customer') {
        const customer = item.customer as Customer;
        const unindexed = item.audienceShard !== audienceShardOf(customer);
        customers.push({ customer, version: item.version as number, ...(unindexed ? { unindexed } : {}) });
      } else if (item.entity === 'order')
        orders.push({ customerId: customerIdOf(item.pk), order: item.order as OrderRecord });
      else if (item.order !== undefined && item.customerId === undefined)
        orders.push({ order: item.order as OrderRecord });
    }
    return {
      customers,
      orders,
      resumeAfter: page.LastEvaluatedKey ? JSON.stringify(page.LastEvaluatedKey) : undefined,
    };
  }

  async stampAudienceKey(customer: Customer, version: number): Promise<boolean> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { pk: keys.customer(customer.id), sk: keys.profile },
          UpdateExpression: 'SET audienceShard = :shard',
          ConditionExpression: 'version = :version',
          ExpressionAttributeValues: { ':shard': audienceShardOf(customer), ':version': version },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionalCheckFailure(error)) return false;
      throw error;
    }
  }

  async markAudienceIndexReady(): Promise<void> {
    await this.client.send(
      new PutCommand({
        TableName: this.tableName,
        Item: { pk: keys.audienceIndexReady, sk: keys.audienceIndexReadySk, entity: 'audience-index-ready' },
      }),
    );
  }

  async audienceIndexReady(): Promise<boolean> {
    const result = await this.client.send(
      new GetCommand({
        TableName: this.tableName,
        Key: { pk: keys.audienceIndexReady, sk: keys.audienceIndexReadySk },
        ConsistentRead: true,
      }),
    );
    return result.Item !== undefined;
  }

  async readAudience(
    stages: readonly LifecycleStage[] | undefined,
    segment: number,
    segments: number,
    resumeAfter: string | undefined,
  ): Promise<AudiencePage> {
    const partitions = audiencePartitions(stages, segment, segments);
    if (partitions.length === 0) return { customers: [], resumeAfter: undefined };
    const position = audiencePositionOf(resumeAfter, partitions.length);
    const shard = partitions[position.partition] as string;
    const page = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: TABLE_DESIGN.audienceIndex.name,
        KeyConditionExpression: 'audienceShard = :shard',
        ExpressionAttributeValues: { ':shard': shard },
        Limit: this.audiencePageSize,
        ExclusiveStartKey:
          position.after === undefined ? undefined : { audienceShard: shard, pk: position.after, sk: keys.profile },
      }),
    );
    const found = page.Items ?? [];
    const customers: { customer: Customer; version: number }[] = [];
    let wanted: Record<string, unknown>[] = found.map((item) => ({ pk: item.pk, sk: item.sk }));
    while (wanted.length > 0) {
      // Eventually consistent: half the units of a strongly consistent read; enrollment checks again as it writes.
      const result = await this.client.send(
        new BatchGetCommand({ RequestItems: { [this.tableName]: { Keys: wanted } } }),
      );
      for (const item of result.Responses?.[this.tableName] ?? []) {
        if (item.entity === 'customer')
          customers.push({ customer: item.customer as Customer, version: item.version as number });
      }
      wanted = (result.UnprocessedKeys?.[this.tableName]?.Keys ?? []) as Record<string, unknown>[];
    }
    const last = found.at(-1)?.pk as string | undefined;
    return {
      customers,
      resumeAfter: audienceResumeAfter(position, partitions.length, last, page.LastEvaluatedKey !== undefined),
    };
  }

  async campaignStates(campaignIds: readonly string[]): Promise<Map<string, CampaignState>> {
    const items = await this.consistentGet(campaignIds.map((id) => ({ pk: keys.campaign(id), sk: keys.campaignSk })));
    // The segments of the campaigns still enrolling, each an item of its own in the campaign's partition.
    const segments = await this.consistentGet(items.flatMap(campaignSegmentKeys));
    const segment = new Map(segments.map((item) => [`${item.pk}\n${item.sk}`, item]));
    const states = new Map<string, CampaignState>();
    for (const item of items) {
      const state = campaignStateOf(item, (sk) => segment.get(`${item.pk}\n${sk}`));
      states.set(state.campaignId, state);
    }
    return states;
  }

  async campaignStatuses(campaignIds: readonly string[]): Promise<Map<string, CampaignStateWithoutProgress>> {
    const items = await this.consistentGet(campaignIds.map((id) => ({ pk: keys.campaign(id), sk: keys.campaignSk })));
    const states = new Map<string, CampaignStateWithoutProgress>();
    for (const item of items) {
      const state = campaignStateWithoutProgressOf(item);
      states.set(state.campaignId, state);
    }
    return states;
  }

  /** The items of `wanted` that exist, read strongly consistent, 100 keys a request. */
  private async consistentGet(wanted: readonly { pk: string; sk: string }[]): Promise<Item[]> {
    const found: Item[] = [];
    for (let start = 0; start < wanted.length; start += 100) {
      let batch: Record<string, unknown>[] = wanted.slice(start, start + 100);
      while (batch.length > 0) {
        const result = await this.client.send(
          new BatchGetCommand({ RequestItems: { [this.tableName]: { Keys: batch, ConsistentRead: true } } }),
        );
        found.push(...((result.Responses?.[this.tableName] ?? []) as Item[]));
        batch = (result.UnprocessedKeys?.[this.tableName]?.Keys ?? []) as Record<string, unknown>[];
      }
    }
    return found;
  }

  async writeCampaignState(state: CampaignState): Promise<boolean> {
    return this.conditionalPut(campaignStateWrite(state));
  }

  async writeSegmentProgress(campaignId: string, segment: number, progress: SegmentProgress): Promise<boolean> {
    return this.conditionalPut(campaignSegmentWrite(campaignId, segment, progress));
  }

  /** A put on its condition: `false` when the condition failed (another writer came first). */
  private async conditionalPut(write: PlannedWrite): Promise<boolean> {
    if (!('put' in write)) throw new Error('a put was expected');
    try {
      await this.client.send(
        new PutCommand({ TableName: this.tableName, Item: write.put, ...conditionExpression(write.condition) }),
      );
      return true;
    } catch (error) {
      if (isLostRace(error)) return false;
      throw error;
    }
  }

  async enrollCampaignRun(
    customerId: string,
    enrollment: Enrollment,
    timeline: readonly TimelineEntry[],
  ): Promise<CampaignEnrollment> {
    const writes = campaignRunWrites(customerId, enrollment, timeline, this.dueShards);
    const result = await this.transact(writes.map((write) => this.transactItem(write)));
    return result === 'committed' ? 'enrolled' : result === 'duplicate' ? 'exists' : 'customer_missing';
  }

  async addToCampaignList(name: string, customerIds: readonly string[]): Promise<void> {
    for (let start = 0; start < customerIds.length; start += 25) {
      let requests = customerIds
        .slice(start, start + 25)
        .map((id) => ({ PutRequest: { Item: campaignListItem(name, id) } }));
      for (let attempt = 1; requests.length > 0; attempt++) {
        const result = await this.client.send(new BatchWriteCommand({ RequestItems: { [this.tableName]: requests } }));
        requests = (result.UnprocessedItems?.[this.tableName] ?? []) as typeof requests;
        if (requests.length > 0)
          await new Promise((resolve) => setTimeout(resolve, Math.min(50 * 2 ** attempt, 2_000)));
      }
    }
  }

  async campaignList(name: string): Promise<Set<string>> {
    const items = await this.queryAll({
      TableName: this.tableName,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': keys.campaignList(name) },
      ProjectionExpression: 'sk',
    });
    return new Set(items.map((item) => customerIdOf(item.sk as string)));
  }

  async addJourneyStats(updates: readonly JourneyStats[]): Promise<void> {
    await Promise.all(
      mergeStats(updates).map(async (update) => {
        const counters = Object.entries(update.counters).filter(([, value]) => value !== undefined && value !== 0);
        if (counters.length === 0) return;
        await this.client.send(
          new UpdateCommand({
            TableName: this.tableName,
            Key: journeyStatsKey(update),
            UpdateExpression: `SET entity = :entity ADD ${counters.map((_, i) => `#c${i} :c${i}`).join(', ')}`,
            ExpressionAttributeNames: Object.fromEntries(counters.map(([name], i) => [`#c${i}`, name])),
            ExpressionAttributeValues: {
              ':entity': 'journey-stats',
              ...Object.fromEntries(counters.map(([, value], i) => [`:c${i}`, value])),
            },
          }),
        );
      }),
    );
  }

  async journeyStats(journeyIds: readonly string[]): Promise<JourneyStats[]> {
    const all = await Promise.all(
      journeyIds.map(async (journeyId) => {
        const items = await this.queryAll({
          TableName: this.tableName,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': keys.journeyStats(journeyId) },
        });
        return items.map((item) => journeyStatsOf(journeyId, item));
      }),
    );
    return all.flat();
  }

  async experiment(journeyId: string, stepId: string): Promise<ExperimentState> {
    const items = await this.queryAll({
      TableName: this.tableName,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': keys.experiment(journeyId, stepId) },
      ConsistentRead: true,
    });
    return experimentStateOf(items);
  }

  async recordExperimentStart(journeyId: string, stepId: string, at: string): Promise<string> {
    await this.putOnce(experimentStartWrite(journeyId, stepId, at));
    return (await this.experiment(journeyId, stepId)).startedAt ?? at;
  }

  async recordExperimentDecision(decision: ExperimentDecision): Promise<ExperimentDecision> {
    await this.putOnce(experimentDecisionWrite(decision));
    return (await this.experiment(decision.journeyId, decision.stepId)).decision ?? decision;
  }

  /** A put on the condition of its plan; a lost race (the condition failed) is no error: the kept item stands. */
  private async putOnce(write: PlannedWrite): Promise<void> {
    if (!('put' in write)) throw new Error('expected a put');
    try {
      await this.client.send(
        new PutCommand({ TableName: this.tableName, Item: write.put, ...conditionExpression(write.condition) }),
      );
    } catch (error) {
      if (!isLostRace(error)) throw error;
    }
  }

  async findIssuedOffer(customerId: string, key: string): Promise<IssuedOffer | undefined> {
    const result = await this.client.send(
      new GetCommand({
        TableName: this.tableName,
        Key: { pk: keys.customer(customerId), sk: keys.issuedOffer(key) },
        ConsistentRead: true,
      }),
    );
    return issuedOfferOf(result.Item);
  }

  async issuedOffers(customerId: string): Promise<IssuedOffer[]> {
    const items = await this.queryAll({
      TableName: this.tableName,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :issued)',
      ExpressionAttributeValues: { ':pk': keys.customer(customerId), ':issued': keyPrefix.issuedOffer },
      ConsistentRead: true,
    });
    return items.flatMap((item) => issuedOfferOf(item) ?? []);
  }

  async recordIssuedOffer(offer: IssuedOffer): Promise<IssuedOffer> {
    const write = issuedOfferWrite(offer);
    if (!('put' in write)) throw new Error('An issued offer is a put');
    try {
      await this.client.send(
        new PutCommand({ TableName: this.tableName, Item: write.put, ...conditionExpression(write.condition) }),
      );
      return offer;
    } catch (error) {
      if (!isLostRace(error)) throw error;
      const kept = await this.findIssuedOffer(offer.customerId, offer.key);
      if (!kept) throw error;
      return kept;
    }
  }

  async addPoolCodes(offer: string, codes: readonly string[]): Promise<number> {
    let added = 0;
    for (const code of codes) {
      const result = await this.transact(poolCodeWrites(offer, code).map((write) => this.transactItem(write)));
      if (result === 'committed') added++;
    }
    return added;
  }

  async drawPoolCode(offer: string, key: string): Promise<string | undefined> {
    const pk = keys.offerPool(offer);
    return drawFromPool({
      claimed: async () => {
        const result = await this.client.send(
          new GetCommand({ TableName: this.tableName, Key: { pk, sk: keys.poolClaim(key) }, ConsistentRead: true }),
        );
        return result.Item?.code as string | undefined;
      },
      available: async (limit) => {
        const result = await this.client.send(
          new QueryCommand({
            TableName: this.tableName,
            KeyConditionExpression: 'pk = :pk AND begins_with(sk, :available)',
            ExpressionAttributeValues: { ':pk': pk, ':available': keyPrefix.poolAvailable },
            ConsistentRead: true,
            Limit: limit,
          }),
        );
        return (result.Items ?? []).map((item) => item.code as string);
      },
      draw: async (code) => {
        const writes = poolDrawWrites(offer, code, key);
        try {
          await this.client.send(
            new TransactWriteCommand({ TransactItems: writes.map((write) => this.transactItem(write)) }),
          );
          return undefined;
        } catch (error) {
          if (!(error instanceof TransactionCanceledException)) throw error;
          const reasons = error.CancellationReasons ?? [];
          const failed = reasons.findIndex((reason) => reason.Code === 'ConditionalCheckFailed');
          // Another transaction on the same items at the same moment: the code is as good as taken.
          return failed >= 0 ? failed : 0;
        }
      },
    });
  }

  async availablePoolCodes(offer: string): Promise<number> {
    let count = 0;
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :available)',
          ExpressionAttributeValues: { ':pk': keys.offerPool(offer), ':available': keyPrefix.poolAvailable },
          Select: 'COUNT',
          ExclusiveStartKey: startKey,
        }),
      );
      count += page.Count ?? 0;
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return count;
  }

  async upsertProduct(source: SourceName, product: CatalogueProduct): Promise<CatalogueWrite> {
    return (await this.replaceProduct(source, product)).write;
  }

  async replaceProduct(source: SourceName, product: CatalogueProduct): Promise<ProductReplacement> {
    const write = catalogueWrite(upsertChange(source, product));
    if (!('put' in write)) throw new Error('A catalogue change is a put');
    try {
      // ALL_OLD: the state this write replaced, read in the same conditional write.
      const result = await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: write.put,
          ...conditionExpression(write.condition),
          ReturnValues: 'ALL_OLD',
        }),
      );
      return { write: 'written', replaced: productOf(result.Attributes) };
    } catch (error) {
      if (isLostRace(error)) return { write: 'stale' };
      throw error;
    }
  }

  async recordInterest(source: SourceName, productId: string, customerId: string, until: Date): Promise<void> {
    await this.client.send(
      new PutCommand({
        TableName: this.tableName,
        Item: interestItem(productKey(source, productId), customerId, until),
      }),
    );
  }

  async interestedCustomers(
    source: SourceName,
    productId: string,
    options: { readonly now: Date; readonly limit: number; readonly resumeAfter?: string | undefined },
  ): Promise<InterestPage> {
    const pk = keys.interest(productKey(source, productId));
    const page = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': pk },
        Limit: options.limit,
        ...(options.resumeAfter === undefined ? {} : { ExclusiveStartKey: { pk, sk: options.resumeAfter } }),
      }),
    );
    const items = page.Items ?? [];
    return {
      customerIds: items.flatMap((item) => interestedCustomerOf(item, options.now) ?? []),
      resumeAfter: page.LastEvaluatedKey === undefined ? undefined : String(page.LastEvaluatedKey.sk),
    };
  }

  async deleteProduct(source: SourceName, productId: string, deletedAt: string): Promise<CatalogueWrite> {
    return this.changeProduct(deleteChange(source, productId, deletedAt));
  }

  async countRequest(counter: string, limit: number, expiresAt: Date): Promise<boolean> {
    const write = requestCountWrite(counter, limit, expiresAt);
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: write.key,
          UpdateExpression: 'SET requests = if_not_exists(requests, :zero) + :one, expiresAt = :expiresAt',
          ...conditionalUpdate(write.condition, { ':zero': 0, ':one': 1, ':expiresAt': write.expiresAt }),
        }),
      );
      return true;
    } catch (error) {
      if (isConditionalCheckFailure(error)) return false;
      throw error;
    }
  }

  async visitor(visitorKey: string): Promise<Visitor | undefined> {
    const result = await this.client.send(
      new GetCommand({
        TableName: this.tableName,
        Key: { pk: keys.visitor(visitorKey), sk: keys.visitorSk },
        ConsistentRead: true,
      }),
    );
    return visitorOf(result.Item);
  }

  async keepVisitor(visitorKey: string, visitor: Visitor, expiresAt: Date): Promise<void> {
    // The link first: a visitor who identified is never kept without the way an erasure finds them.
    for (const item of visitorItems(visitorKey, visitor, expiresAt)) {
      await this.client.send(new PutCommand({ TableName: this.tableName, Item: item }));
    }
  }

  private async changeProduct(change: CatalogueChange): Promise<CatalogueWrite> {
    const write = catalogueWrite(change);
    if (!('put' in write)) throw new Error('A catalogue change is a put');
    try {
      await this.client.send(
        new PutCommand({ TableName: this.tableName, Item: write.put, ...conditionExpression(write.condition) }),
      );
      return 'written';
    } catch (error) {
      // A change as new or newer is kept already (or a writer of one won the race): this one is late.
      if (isLostRace(error)) return 'stale';
      throw error;
    }
  }

  async findProductParts(source: SourceName, productId: string): Promise<KeptProductParts> {
    const result = await this.client.send(
      new GetCommand({
        TableName: this.tableName,
        Key: { pk: keys.product(productKey(source, productId)), sk: keys.productSk },
        ConsistentRead: true,
      }),
    );
    return productPartsOf(result.Item);
  }

  async writeProductParts(
    source: SourceName,
    productId: string,
    write: ProductPartsWrite,
  ): Promise<'written' | 'conflict'> {
    const planned = productPartsWrite(source, productId, write);
    if (!('put' in planned)) throw new Error('A catalogue change is a put');
    try {
      await this.client.send(
        new PutCommand({ TableName: this.tableName, Item: planned.put, ...conditionExpression(planned.condition) }),
      );
      return 'written';
    } catch (error) {
      if (isLostRace(error)) return 'conflict';
      throw error;
    }
  }

  async keepInventoryLinks(source: SourceName, links: readonly KeptInventoryLink[]): Promise<void> {
    // At most 100 (a product's variants kept), a few at a time.
    for (let start = 0; start < links.length; start += 25) {
      await Promise.all(
        links
          .slice(start, start + 25)
          .map((link) =>
            this.client.send(new PutCommand({ TableName: this.tableName, Item: inventoryLinkItem(source, link) })),
          ),
      );
    }
  }

  async findInventoryLink(source: SourceName, itemId: string): Promise<KeptInventoryLink | undefined> {
    const result = await this.client.send(
      new GetCommand({
        TableName: this.tableName,
        Key: { pk: keys.inventoryLink(productKey(source, itemId)), sk: keys.inventoryLinkSk },
      }),
    );
    return inventoryLinkOf(result.Item);
  }

  async keepInventoryLevel(source: SourceName, productId: string, level: InventoryLevel): Promise<CatalogueWrite> {
    const planned = inventoryLevelWrite(source, productId, level);
    if (!('put' in planned)) throw new Error('A stock change is a put');
    try {
      await this.client.send(
        new PutCommand({ TableName: this.tableName, Item: planned.put, ...conditionExpression(planned.condition) }),
      );
      return 'written';
    } catch (error) {
      if (isLostRace(error)) return 'stale';
      throw error;
    }
  }

  async findInventoryLevels(source: SourceName, productId: string, itemId: string): Promise<InventoryLevel[]> {
    const items = await this.queryAll({
      TableName: this.tableName,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: {
        ':pk': keys.product(productKey(source, productId)),
        ':prefix': keys.inventoryLevelsOf(itemId),
      },
      ConsistentRead: true,
    });
    return items.map(inventoryLevelOf);
  }

  async findProduct(source: SourceName, productId: string): Promise<CatalogueProduct | undefined> {
    const result = await this.client.send(
      new GetCommand({
        TableName: this.tableName,
        Key: { pk: keys.product(productKey(source, productId)), sk: keys.productSk },
      }),
    );
    return productOf(result.Item);
  }

  async findProducts(source: SourceName, productIds: readonly string[]): Promise<CatalogueProduct[]> {
    const wanted = [...new Set(productIds)];
    const found = new Map<string, CatalogueProduct>();
    // BatchGetItem reads at most 100 keys a call, and may leave some for another call.
    for (let start = 0; start < wanted.length; start += 100) {
      let keysLeft: Record<string, unknown>[] = wanted
        .slice(start, start + 100)
        .map((id) => ({ pk: keys.product(productKey(source, id)), sk: keys.productSk }));
      for (let attempt = 1; keysLeft.length > 0; attempt++) {
        const result = await this.client.send(
          new BatchGetCommand({ RequestItems: { [this.tableName]: { Keys: keysLeft } } }),
        );
        for (const item of result.Responses?.[this.tableName] ?? []) {
          const product = productOf(item);
          if (product) found.set(product.id, product);
        }
        keysLeft = (result.UnprocessedKeys?.[this.tableName]?.Keys ?? []) as Record<string, unknown>[];
        if (keysLeft.length > 0)
          await new Promise((resolve) => setTimeout(resolve, Math.min(50 * 2 ** attempt, 2_000)));
      }
    }
    return productIds.flatMap((id, index) => {
      const product = found.get(id);
      return product && productIds.indexOf(id) === index ? [product] : [];
    });
  }

  async templateStatus(template: string): Promise<TemplateStatus | undefined> {
    const result = await this.client.send(
      new GetCommand({
        TableName: this.tableName,
        Key: { pk: keys.template(template), sk: keys.templateCurrentSk },
        ConsistentRead: true,
      }),
    );
    return templateStatusOf(template, result.Item);
  }

  async templateVersions(template: string): Promise<TemplateVersion[]> {
    const items = await this.queryAll({
      TableName: this.tableName,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :version)',
      ExpressionAttributeValues: { ':pk': keys.template(template), ':version': keyPrefix.templateVersion },
      ConsistentRead: true,
    });
    return items.map(templateVersionOf).sort((a, b) => a.number - b.number);
  }

  keepTemplateVersion(version: TemplateVersion, previous: number | undefined): Promise<'kept' | 'conflict'> {
    return this.templateTransaction(templateVersionWrites(version, previous));
  }

  nameTemplateEditor(version: TemplateVersion): Promise<'kept' | 'conflict'> {
    return this.templateTransaction(templateEditorWrites(version));
  }

  private async templateTransaction(writes: PlannedWrite[]): Promise<'kept' | 'conflict'> {
    try {
      await this.client.send(
        new TransactWriteCommand({ TransactItems: writes.map((write) => this.transactItem(write)) }),
      );
      return 'kept';
    } catch (error) {
      if (error instanceof TransactionCanceledException) return 'conflict';
      throw error;
    }
  }

  async nextDueAt(): Promise<string | undefined> {
    const firsts = await Promise.all(
      everyDueShard(this.dueShards, async (dueShard) => {
        const result = await this.client.send(
          new QueryCommand({
            TableName: this.tableName,
            IndexName: TABLE_DESIGN.dueIndex.name,
            KeyConditionExpression: 'dueShard = :shard',
            ExpressionAttributeValues: { ':shard': dueShard },
            Limit: 1,
          }),
        );
        return result.Items?.[0]?.dueAt as string | undefined;
      }),
    );
    return firsts.filter((due): due is string => due !== undefined).sort()[0];
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

/** A planned write's condition (write-plans.ts) as a condition expression. */
export function conditionExpression(condition: WriteCondition | undefined): Condition {
  switch (condition?.kind) {
    case undefined:
      return {};
    case 'absent':
      return { ConditionExpression: 'attribute_not_exists(pk)' };
    case 'at-version':
      return { ConditionExpression: 'version = :v', ExpressionAttributeValues: { ':v': condition.version } };
    case 'absent-or-owned-by':
      return {
        ConditionExpression: 'attribute_not_exists(pk) OR customerId = :id',
        ExpressionAttributeValues: { ':id': condition.customerId },
      };
    case 'unclaimed-at-version':
      return {
        ConditionExpression: 'version = :v AND attribute_not_exists(customerId)',
        ExpressionAttributeValues: { ':v': condition.version },
      };
    case 'leased-at-version':
      return {
        ConditionExpression: 'leaseOwner = :owner AND version = :v AND leaseUntil > :at',
        ExpressionAttributeValues: { ':owner': condition.owner, ':v': condition.version, ':at': condition.at },
      };
    case 'claimed-at-version':
      return {
        ConditionExpression: 'leaseOwner = :owner AND version = :v',
        ExpressionAttributeValues: { ':owner': condition.owner, ':v': condition.version },
      };
    case 'due-unleased':
      return condition.enqueuedUntil
        ? {
            ConditionExpression:
              'attribute_exists(dueShard) AND (dueAt <= :now OR (dueAt = :enqueued AND enqueuedUntil = :enqueued)) AND (attribute_not_exists(leaseUntil) OR leaseUntil < :now)',
            ExpressionAttributeValues: { ':now': condition.at, ':enqueued': condition.enqueuedUntil },
          }
        : {
            ConditionExpression:
              'attribute_exists(dueShard) AND dueAt <= :now AND (attribute_not_exists(leaseUntil) OR leaseUntil < :now)',
            ExpressionAttributeValues: { ':now': condition.at },
          };
    case 'not-suppressed':
      return {
        ConditionExpression: 'attribute_not_exists(pk) OR reason = :erased',
        ExpressionAttributeValues: { ':erased': 'erased' },
      };
    case 'present':
      return { ConditionExpression: 'attribute_exists(pk)' };
    case 'absent-or-changed-before':
      return {
        ConditionExpression: 'attribute_not_exists(pk) OR changedAt < :at',
        ExpressionAttributeValues: { ':at': condition.at },
      };
    case 'absent-or-below':
      return {
        ConditionExpression: 'attribute_not_exists(pk) OR requests < :limit',
        ExpressionAttributeValues: { ':limit': condition.limit },
      };
  }
}

/** An update's values with its condition's: a name both use would make one silently the other's. */
function conditionalUpdate(
  condition: WriteCondition,
  values: Record<string, unknown>,
): Required<Pick<Condition, 'ConditionExpression'>> & { ExpressionAttributeValues: Record<string, unknown> } {
  const { ConditionExpression, ExpressionAttributeValues = {} } = conditionExpression(condition);
  const shared = Object.keys(values).filter((name) => name in ExpressionAttributeValues);
  if (shared.length > 0) throw new Error(`The update and its condition both name ${shared.join(', ')}`);
  return {
    ConditionExpression: ConditionExpression as string,
    ExpressionAttributeValues: { ...values, ...ExpressionAttributeValues },
  };
}

function isConditionalCheckFailure(error: unknown): boolean {
  return error instanceof Error && error.name === 'ConditionalCheckFailedException';
}

/** A single write that lost to another writer: its condition failed, or a transaction held the item. */
function isLostRace(error: unknown): boolean {
  return isConditionalCheckFailure(error) || (error instanceof Error && error.name === 'TransactionConflictException');
}

/**
 * The updates with one entry per counters item (journey total, or one step), their counters added: each
 * item is one UpdateItem, however many of the updates name it (an exit and a conversion of one journey).
 */
function mergeStats(updates: readonly JourneyStats[]): JourneyStats[] {
  const merged = new Map<
    string,
    { journeyId: string; stepId?: string; variantId?: string; counters: Record<string, number> }
  >();
  for (const update of updates) {
    const key = `${update.journeyId}\u0000${update.stepId ?? ''}\u0000${update.variantId ?? ''}`;
    const entry = merged.get(key) ?? {
      journeyId: update.journeyId,
      stepId: update.stepId,
      variantId: update.variantId,
      counters: {},
    };
    merged.set(key, entry);
    for (const [name, value] of Object.entries(update.counters)) {
      if (typeof value === 'number') entry.counters[name] = (entry.counters[name] ?? 0) + value;
    }
  }
  return [...merged.values()] as JourneyStats[];
}
