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
// The items of the single-table design and their keys (no AWS SDK): the same items under the same keys as in
// DynamoDB, so that they sort and page the same way.
import {
  AUDIENCE_PAGE_SIZE,
  audiencePartitions,
  audiencePositionOf,
  audienceResumeAfter,
  audienceShardOf,
  campaignListItem,
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
  hash32,
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
import { keptThroughShopErasure, keyPrefix, keys } from './table-design.js';
// The commits and the erasure, planned once for both stores.
import * as plans from './write-plans.js';

export interface EmulatedTableOptions {
  /**
   * Partitions of the due index, as configured for DynamoDB (`dispatcher.dueShards`): `dueRuns` reads
   * `limit / dueShards` runs per partition exactly as the DynamoDB adapter does, so the dispatcher sees the
   * same batches.
   */
  readonly dueShards: number;
  /**
   * Items read per `scanCustomers` page. DynamoDB pages by size (1 MB); the number is not part of the
   * contract, only that every page says where to resume. @default 1000
   */
  readonly scanPageSize?: number;
  /** Profiles per page of an audience read through the audience index. @default AUDIENCE_PAGE_SIZE */
  readonly audiencePageSize?: number | undefined;
  /**
   * Scan pages, `load` and `claimRun` hand out the stored items themselves, frozen, instead of copies: for
   * a store whose every reader only reads (the simulator's, where the daily model job scans the whole
   * table every simulated day and every event and send loads its customer, and copying them was a large
   * share of a simulated year). Mutating what was handed out is a TypeError and never changes what is
   * stored. DynamoDB hands out copies, and so does the default.
   * @default false
   */
  readonly readOnlyReads?: boolean;
  /**
   * Whose timelines are kept: a timeline entry is stored only when this holds for its customer's profile
   * (as the same write leaves it). For a store whose timelines are read for a few customers at most (the
   * simulator's, where they were most of what a simulated year kept in memory). An entry that is also an
   * event's receipt is always stored: it is what makes the event a duplicate when it comes again.
   * @default every customer's
   */
  readonly keepsTimelineOf?: ((customer: Customer) => boolean) | undefined;
}

/**
 * {@link CustomerStore} on an emulation of the DynamoDB table, in memory, for the simulator and the tests:
 * the observable behaviour of the DynamoDB adapter (customer-store.ts) without DynamoDB, fast enough to
 * replay a year of journeys for thousands of customers in seconds. It lives beside that adapter because it
 * is the same adapter over another engine, not a store of its own design.
 *
 * It keeps the same items under the same keys as the single-table design (table-design.ts) and
 * translates every adapter call into the same writes with the same conditions (the commits, the claims,
 * a claim holder's writes and the erasure are planned once for both, in write-plans.ts, and the only
 * reading of a condition here is {@link predicate}), so that receipts and `duplicate`, versions and
 * `conflict`, leases and attempts, the sparse due index and erasure behave as they do deployed. Behaviour
 * tests run against both (tests/integration/customer-store-contract.test.ts), and the conditions are read
 * as DynamoDB Local reads them (tests/integration/write-conditions.test.ts).
 *
 * Like DynamoDB it holds its own copy of everything: values are copied in with DynamoDB's marshalling
 * rules (`undefined` dropped, non-finite and unsafe numbers and class instances such as `Date` rejected)
 * and copied out again, so a caller can never change stored state by mutating what it passed or got. What
 * it holds is frozen as well, so that a store made with `readOnlyReads` (the simulator's) can hand out what
 * it scans and loads without a copy.
 * Transactions are checked as DynamoDB checks them (at most 100 items, one operation per item, no empty
 * index key), with a `ValidationException` error.
 *
 * What is deliberately not reproduced:
 * - Time to live: nothing expires in memory. DynamoDB deletes event receipts after 90 days (a replay older
 *   than that is no longer a duplicate there) and exports after 30. Receipts and exports still carry
 *   `expiresAt`, computed as the adapter does, so that an invalid time fails here as it fails there.
 * - Races: each call runs to completion before another starts (nothing is awaited inside), so concurrent
 *   transactions never fail with `TransactionConflict`, and `eraseCustomer` is atomic rather than a series
 *   of writes. Reads are always consistent (DynamoDB's scans, timeline and due index are eventually so).
 * - Limits on item size (400 KB), nesting depth and key length.
 * - Decimal arithmetic: journey counters add as JavaScript numbers (exact for whole numbers, which is all
 *   the engine adds; DynamoDB would add fractions exactly in decimal).
 * - Orders that DynamoDB leaves unspecified: due runs with the same due time in one shard come in key order
 *   here, and scans visit partitions in an order of their own with pages of `scanPageSize` items.
 */
export class EmulatedTableCustomerStore implements CustomerStore, CollectStore {
  private readonly table: Table;
  private readonly dueShards: number;
  private readonly scanPageSize: number;
  private readonly audiencePageSize: number;
  /**
   * Hands out what scan and audience pages, `load` and `claimRun` found: a copy, or with `readOnlyReads`
   * the frozen stored value itself.
   */
  private readonly handedOut: <T>(value: unknown) => T;

  constructor(options: EmulatedTableOptions) {
    if (!Number.isInteger(options.dueShards) || options.dueShards < 1) {
      throw new RangeError(`dueShards must be a positive integer, not ${options.dueShards}`);
    }
    const scanPageSize = options.scanPageSize ?? 1000;
    if (!Number.isInteger(scanPageSize) || scanPageSize < 1) {
      throw new RangeError(`scanPageSize must be a positive integer, not ${scanPageSize}`);
    }
    this.dueShards = options.dueShards;
    this.scanPageSize = scanPageSize;
    this.audiencePageSize = options.audiencePageSize ?? AUDIENCE_PAGE_SIZE;
    this.handedOut = options.readOnlyReads ? shared : copy;
    this.table = new Table(options.keepsTimelineOf);
  }

  async findCustomerId(email: string): Promise<string | undefined> {
    const item = this.table.get(keys.email(email), keys.emailSk);
    return typeof item?.customerId === 'string' ? item.customerId : undefined;
  }

  async lookup(reference: {
    readonly email?: string | undefined;
    readonly alias?: string | undefined;
  }): Promise<CustomerLookup> {
    if (!reference.email && !reference.alias) return {};
    const idOf = (pk: string, sk: string) => this.table.get(pk, sk)?.customerId as string | undefined;
    return {
      byEmail: reference.email ? idOf(keys.email(reference.email), keys.emailSk) : undefined,
      byAlias: reference.alias ? idOf(keys.alias(reference.alias), keys.aliasSk) : undefined,
    };
  }

  async load(customerId: string): Promise<StoredCustomer | undefined> {
    // The same key range as the DynamoDB query (JOURNEY# … PROFILE, both included): the profile, runs and
    // orders of this customer only, in key order, without walking their timeline or receipts.
    const items = this.table.between(keys.customer(customerId), keyPrefix.journey, keys.profile);
    return items.at(-1)?.sk === keys.profile ? plans.storedCustomerOf(this.handedOut<Item[]>(items)) : undefined;
  }

  async commitEvent(commit: EventCommit): Promise<CommitResult> {
    return commitResult(this.table.transact(plans.eventCommitWrites(commit, this.dueShards).map(asWrite)));
  }

  async timeline(customerId: string, options: { readonly limit?: number } = {}): Promise<TimelineEntry[]> {
    const limit = options.limit ?? 200;
    // The DynamoDB query refuses a limit below one; so does this.
    if (!(limit >= 1)) throw validationError('Limit must be greater than or equal to 1');
    const items = this.table.withPrefix(keys.customer(customerId), keyPrefix.timeline);
    return items.slice(Math.max(0, items.length - limit)).map((item) => copy<TimelineEntry>(item.entry));
  }

  async appendTimeline(customerId: string, entries: readonly TimelineEntry[], tag: string): Promise<void> {
    if (entries.length === 0) return;
    // The customer was erased meanwhile: nothing of them is written again.
    this.table.transact(plans.timelineAppendWrites(customerId, entries, tag).map(asWrite));
  }

  async findOrder(key: string): Promise<StoredOrderPointer | undefined> {
    const item = this.table.get(keys.order(key), keys.orderPointerSk);
    if (!item) return undefined;
    return {
      key,
      customerId: item.customerId as string | undefined,
      order: copy<OrderRecord | undefined>(item.order),
      version: (item.version as number | undefined) ?? 0,
    };
  }

  async commitAnonymousOrder(commit: AnonymousOrderCommit): Promise<CommitResult> {
    return commitResult(this.table.transact(plans.anonymousOrderWrites(commit).map(asWrite)));
  }

  async findSuppression(emailHash: string): Promise<SuppressionRecord | undefined> {
    const item = this.table.get(keys.suppression(emailHash), keys.suppressionSk);
    if (!item) return undefined;
    return { emailHash, reason: item.reason as string, at: item.at as string };
  }

  async suppress(record: SuppressionRecord): Promise<void> {
    this.table.putCopy(suppressionItem(record));
  }

  async eraseCustomer(plan: ErasurePlan): Promise<void> {
    // The steps of the DynamoDB adapter, in the same order (write-plans.ts): the order is what makes a retry
    // after a failure safe.
    const partition = plan.customerId === '' ? [] : this.table.partitionItems(keys.customer(plan.customerId));
    const visitorLinks = plans.visitorLinkPartitions(plan).flatMap((pk) => this.table.partitionItems(pk));
    for (const step of plans.erasureSteps(plan, partition, visitorLinks)) {
      if ('put' in step) this.table.putCopy(step.put);
      else if ('deleteAll' in step) this.deleteKeys(step.deleteAll);
      else this.deleteIfOwned(step.deleteUnlessOwnedByOther, step.customerId);
    }
  }

  async saveExport(data: DataExport): Promise<void> {
    const items = exportItems(data);
    if (items.length === 1) this.table.putCopy(items[0]);
    else this.table.transact(puts(items));
  }

  async findExport(requestKey: string): Promise<DataExport | undefined> {
    const pointer = this.table.get(keys.export(requestKey), keys.exportSk);
    if (!pointer) return undefined;
    const customerId = pointer.customerId as string | undefined;
    const item =
      customerId === undefined ? pointer : this.table.get(keys.customer(customerId), keys.export(requestKey));
    return item ? dataExportOf(requestKey, customerId, item) : undefined;
  }

  async privacyRequestDone(requestId: string): Promise<boolean> {
    return this.table.get(keys.privacyRequest(requestId), keys.privacyRequestSk) !== undefined;
  }

  async recordPrivacyRequest(requestId: string, at: string): Promise<void> {
    this.table.putCopy(privacyRequestItem(requestId, at));
  }

  async eraseEverything(resumeAfter: string | undefined, pageSize: number): Promise<string | undefined> {
    if (!(pageSize >= 1)) throw validationError('Limit must be greater than or equal to 1');
    const start = resumeAfter ? (JSON.parse(resumeAfter) as ScanPosition & { sk: string }) : undefined;
    const partitions = this.table.partitionList();
    let index = start ? lowerBound(partitions, (entry) => entry.seq < start.seq) : 0;
    // A page is `pageSize` items read, suppressions included, like a DynamoDB scan with a limit.
    const page: (ItemKey & { seq: number })[] = [];
    for (; index < partitions.length && page.length < pageSize; index++) {
      const { seq, pk, partition } = partitions[index] as PartitionEntry;
      let at = start && seq === start.seq ? keyIndex(partition, start.sk, true) : 0;
      for (; at < partition.sks.length && page.length < pageSize; at++) {
        page.push({ seq, pk, sk: partition.sks[at] as string });
      }
    }
    this.deleteKeys(page.filter((key) => !keptThroughShopErasure(key.pk)));
    // As DynamoDB does, a full page says where to resume even when nothing is left after it: the next
    // page is then empty and ends the erasure.
    const last = page[page.length - 1];
    return page.length === pageSize && last ? JSON.stringify({ seq: last.seq, sk: last.sk }) : undefined;
  }

  async dueRuns(now: Date, limit: number): Promise<DueRun[]> {
    const until = now.toISOString();
    // Oldest first within each shard, `limit / shards` per shard, then merged: what the adapter's
    // per-shard queries return, so that a batch holds the same runs.
    const perShard = dueRunsPerShard(limit, this.dueShards);
    const shards = everyDueShard(this.dueShards, (dueShard) => {
      const runs: DueRun[] = [];
      for (const entry of this.table.dueIn(dueShard)) {
        if (runs.length >= perShard || compareKeys(entry.dueAt, until) > 0) break;
        runs.push(dueRunOf(entry));
      }
      return runs;
    });
    return oldestDueRuns(shards, limit);
  }

  async claimRun(
    run: Extract<DueRun, { kind: 'journey' }>,
    claim: { readonly owner: string; readonly now: Date; readonly leaseMs: number },
  ): Promise<ClaimedRun | undefined> {
    const leaseUntil = leaseEnd(claim);
    const item = this.table.get(keys.customer(run.customerId), keys.journey(run.journeyId));
    if (!item || !predicate(plans.claimableAt(claim.now, run.enqueuedUntil))(item)) return undefined;
    const { enqueuedUntil: _mark, ...unmarked } = item;
    const claimed: Item = {
      ...unmarked,
      leaseOwner: claim.owner,
      leaseUntil,
      attempts: numberAttribute(item.attempts ?? 0) + 1,
      version: numberAttribute(item.version) + 1,
    };
    this.table.put(claimed);
    return {
      customerId: run.customerId,
      enrollment: this.handedOut<Enrollment>(claimed.enrollment),
      version: claimed.version as number,
      owner: claim.owner,
      leaseUntil,
      attempt: claimed.attempts as number,
      dueAt: claimed.dueAt as string | undefined,
    };
  }

  async saveRunProgress(claim: ClaimedRun, progress: RunProgress): Promise<ClaimedRun | undefined> {
    const version = claim.version + 1;
    const writes = plans.runProgressWrites(claim, progress, this.dueShards);
    const failed = this.table.transact(writes.map(asWrite));
    if (failed !== undefined) return undefined;
    const [run] = writes;
    return {
      ...claim,
      // Plain data (the write above refused anything else), so a plain copy: structuredClone costs more.
      enrollment: copy<Enrollment>(progress.enrollment),
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
    const failures = claim.enrollment.failures ?? 0;
    const stillClaimed = predicate(plans.stillClaimed(claim));
    // Lost the lease meanwhile: whoever holds the run now decides what happens next (nothing is written).
    this.table.transact([
      {
        update: { pk: keys.customer(claim.customerId), sk: keys.journey(claim.enrollment.journeyId) },
        // The plan's condition; and, not a condition but the update's arithmetic, `attempts - 1` on an item
        // without attempts cancels the DynamoDB transaction too.
        condition: (current) => stillClaimed(current) && typeof current?.attempts === 'number',
        // An attempt that cannot have sent the email does not count; one that may have, does.
        apply: ({ leaseOwner: _owner, leaseUntil: _until, ...current }) => ({
          ...current,
          dueAt,
          enrollment: { ...(current.enrollment as Record<string, unknown>), dueAt, failures },
          attempts: (current.attempts as number) - (options.mayHaveSent ? 0 : 1),
          version: (current.version as number) + 1,
        }),
      },
      ...puts(
        timelineItems(claim.customerId, timeline, timelineTags.runRelease(claim.enrollment.runId, claim.version)),
      ),
    ]);
  }

  async claimTimer(
    run: Exclude<DueRun, { kind: 'journey' }>,
    claim: { readonly owner: string; readonly now: Date; readonly leaseMs: number },
  ): Promise<ClaimedTimer | undefined> {
    const leaseUntil = leaseEnd(claim);
    const key = timerKey(run);
    const item = this.table.get(key.pk, key.sk);
    if (!item || !predicate(plans.claimableAt(claim.now, run.enqueuedUntil))(item)) return undefined;
    const { enqueuedUntil: _mark, ...unmarked } = item;
    this.table.put({ ...unmarked, leaseOwner: claim.owner, leaseUntil });
    return { run: structuredClone(run), owner: claim.owner, leaseUntil, event: outboxEventOf(item) };
  }

  async markEnqueued(run: DueRun, mark: { readonly now: Date; readonly until: Date }): Promise<DueRun | undefined> {
    const key = dueItemKey(run);
    const item = this.table.get(key.pk, key.sk);
    if (!item || !predicate(plans.claimableAt(mark.now))(item)) return undefined;
    const until = mark.until.toISOString();
    this.table.put({ ...item, dueAt: until, enqueuedUntil: until });
    return { ...run, enqueuedUntil: until };
  }

  async deleteOutbox(customerId: string, ids: readonly string[]): Promise<void> {
    this.deleteKeys(ids.map((id) => ({ pk: keys.customer(customerId), sk: keys.outbox(id) })));
  }

  async loadModel(): Promise<StoreModel | undefined> {
    const item = this.table.get(keys.store, keys.model);
    return item ? storeModelOf(item) : undefined;
  }

  async saveModel(model: StoreModel): Promise<void> {
    // JSON text, as in DynamoDB: exactly what was computed, and a new copy on every load.
    this.table.putCopy(storeModelItem(model));
  }

  async scanCustomers(segment: number, segments: number, resumeAfter: string | undefined): Promise<ScanPage> {
    if (!Number.isInteger(segments) || segments < 1 || segments > 1_000_000) {
      throw validationError('TotalSegments must be between 1 and 1000000');
    }
    if (!Number.isInteger(segment) || segment < 0 || segment >= segments) {
      throw validationError('Segment must be at least 0 and less than TotalSegments');
    }
    // As in a DynamoDB parallel scan, the segment of a partition is a range of the hash of its key: each
    // customer (and each order pointer) is in exactly one segment, whatever the number of segments. The
    // segment's partitions, in scan order, are listed apart, so a scan does not walk the others'.
    const partitions = this.table.partitionsInSegment(segment, segments);
    let index = 0;
    if (resumeAfter !== undefined) {
      const after = (JSON.parse(resumeAfter) as ScanPosition).seq;
      index = lowerBound(partitions, (entry) => entry.seq <= after);
    }
    const customers: { customer: Customer; version: number; unindexed?: boolean }[] = [];
    const orders: { customerId?: string; order: OrderRecord }[] = [];
    let read = 0;
    let last: PartitionEntry | undefined;
    for (; index < partitions.length && read < this.scanPageSize; index++) {
      const entry = partitions[index] as PartitionEntry;
      last = entry;
      const { pk, partition } = entry;
      if (pk.startsWith(keyPrefix.customer)) {
        // Orders (ORDER#…) and the profile (PROFILE) are one key range of the partition.
        const end = keyIndex(partition, keys.profile, true);
        let customerId: string | undefined;
        for (let at = keyIndex(partition, keyPrefix.order); at < end; at++) {
          const item = partition.items.get(partition.sks[at] as string) as Item;
          read++;
          if (item.entity === 'customer') {
            const customer = this.handedOut<Customer>(item.customer);
            const version = item.version as number;
            customers.push(unindexedProfile(item) ? { customer, version, unindexed: true } : { customer, version });
          } else if (item.entity === 'order') {
            customerId ??= customerIdOf(pk);
            orders.push({ customerId, order: this.handedOut<OrderRecord>(item.order) });
          }
        }
      } else if (pk.startsWith(keyPrefix.order)) {
        const item = partition.items.get(keys.orderPointerSk);
        if (!item) continue;
        read++;
        if (item.order !== undefined && item.customerId === undefined) {
          orders.push({ order: this.handedOut<OrderRecord>(item.order) });
        }
      }
    }
    // Pages end between partitions; the last one read is where the next page starts. A full page says so
    // when any partition, of any segment, comes after it (the next page may then be empty), as it did when
    // each segment's scan walked the whole list.
    const more = last !== undefined && read >= this.scanPageSize && this.table.listedAfter(last);
    return { customers, orders, resumeAfter: more ? JSON.stringify({ seq: last?.seq }) : undefined };
  }

  async stampAudienceKey(customer: Customer, version: number): Promise<boolean> {
    const item = this.table.get(keys.customer(customer.id), keys.profile);
    if (item === undefined || item.version !== version) return false;
    this.table.put({ ...item, audienceShard: audienceShardOf(customer) });
    return true;
  }

  async markAudienceIndexReady(): Promise<void> {
    this.table.putCopy({ pk: keys.audienceIndexReady, sk: keys.audienceIndexReadySk, entity: 'audience-index-ready' });
  }

  async audienceIndexReady(): Promise<boolean> {
    return this.table.get(keys.audienceIndexReady, keys.audienceIndexReadySk) !== undefined;
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
    // The index partition, in key order: the profiles that carry its key, past where the last page ended.
    const found = this.table
      .partitionList()
      .filter((entry) => entry.pk.startsWith(keyPrefix.customer))
      .map((entry) => entry.partition.items.get(keys.profile))
      .filter((item): item is Item => item?.audienceShard === shard)
      .filter((item) => position.after === undefined || compareKeys(item.pk, position.after) > 0)
      .sort((a, b) => compareKeys(a.pk, b.pk));
    const page = found.slice(0, this.audiencePageSize);
    return {
      customers: page.map((item) => ({
        customer: this.handedOut<Customer>(item.customer),
        version: item.version as number,
      })),
      resumeAfter: audienceResumeAfter(
        position,
        partitions.length,
        page.at(-1)?.pk,
        found.length > this.audiencePageSize,
      ),
    };
  }

  async campaignStates(campaignIds: readonly string[]): Promise<Map<string, CampaignState>> {
    const states = new Map<string, CampaignState>();
    for (const id of campaignIds) {
      const item = this.table.get(keys.campaign(id), keys.campaignSk);
      if (item)
        states.set(id, copy<CampaignState>(campaignStateOf(item, (sk) => this.table.get(item.pk as string, sk))));
    }
    return states;
  }

  async campaignStatuses(campaignIds: readonly string[]): Promise<Map<string, CampaignStateWithoutProgress>> {
    const states = new Map<string, CampaignStateWithoutProgress>();
    for (const id of campaignIds) {
      const item = this.table.get(keys.campaign(id), keys.campaignSk);
      if (item) states.set(id, copy<CampaignStateWithoutProgress>(campaignStateWithoutProgressOf(item)));
    }
    return states;
  }

  async writeCampaignState(state: CampaignState): Promise<boolean> {
    return this.table.transact([asWrite(plans.campaignStateWrite(state))]) === undefined;
  }

  async writeSegmentProgress(campaignId: string, segment: number, progress: SegmentProgress): Promise<boolean> {
    return this.table.transact([asWrite(plans.campaignSegmentWrite(campaignId, segment, progress))]) === undefined;
  }

  async enrollCampaignRun(
    customerId: string,
    enrollment: Enrollment,
    timeline: readonly TimelineEntry[],
  ): Promise<CampaignEnrollment> {
    const failed = this.table.transact(
      plans.campaignRunWrites(customerId, enrollment, timeline, this.dueShards).map(asWrite),
    );
    return failed === undefined ? 'enrolled' : failed === 0 ? 'exists' : 'customer_missing';
  }

  async addToCampaignList(name: string, customerIds: readonly string[]): Promise<void> {
    for (const id of customerIds) this.table.putCopy(campaignListItem(name, id));
  }

  async campaignList(name: string): Promise<Set<string>> {
    return new Set(this.table.partitionItems(keys.campaignList(name)).map((item) => customerIdOf(item.sk)));
  }

  async addJourneyStats(updates: readonly JourneyStats[]): Promise<void> {
    for (const update of updates) {
      const counters = Object.entries(update.counters).filter(([, value]) => value !== undefined && value !== 0);
      if (counters.length === 0) continue;
      const { pk, sk } = journeyStatsKey(update);
      // SET entity ADD counter …: a missing counter starts at zero.
      const next: Item = { ...(this.table.get(pk, sk) ?? { pk, sk }), entity: 'journey-stats' };
      for (const [name, value] of counters) {
        next[name] = numberAttribute(next[name] ?? 0) + (storable(value) as number);
      }
      this.table.put(next);
    }
  }

  async journeyStats(journeyIds: readonly string[]): Promise<JourneyStats[]> {
    return journeyIds.flatMap((journeyId) =>
      this.table.partitionItems(keys.journeyStats(journeyId)).map((item): JourneyStats => {
        const stats = journeyStatsOf(journeyId, item);
        return { ...stats, counters: copy<JourneyStats['counters']>(stats.counters) };
      }),
    );
  }

  async experiment(journeyId: string, stepId: string): Promise<ExperimentState> {
    return copy<ExperimentState>(experimentStateOf(this.table.partitionItems(keys.experiment(journeyId, stepId))));
  }

  async recordExperimentStart(journeyId: string, stepId: string, at: string): Promise<string> {
    this.table.transact([asWrite(plans.experimentStartWrite(journeyId, stepId, at))]);
    return (await this.experiment(journeyId, stepId)).startedAt ?? at;
  }

  async recordExperimentDecision(decision: ExperimentDecision): Promise<ExperimentDecision> {
    this.table.transact([asWrite(plans.experimentDecisionWrite(decision))]);
    return (await this.experiment(decision.journeyId, decision.stepId)).decision ?? decision;
  }

  async findIssuedOffer(customerId: string, key: string): Promise<IssuedOffer | undefined> {
    return copy<IssuedOffer | undefined>(
      issuedOfferOf(this.table.get(keys.customer(customerId), keys.issuedOffer(key))),
    );
  }

  async issuedOffers(customerId: string): Promise<IssuedOffer[]> {
    return this.table
      .withPrefix(keys.customer(customerId), keyPrefix.issuedOffer)
      .map((item) => copy<IssuedOffer>(issuedOfferOf(item)));
  }

  async recordIssuedOffer(offer: IssuedOffer): Promise<IssuedOffer> {
    if (this.table.transact([asWrite(plans.issuedOfferWrite(offer))]) === undefined) return copy<IssuedOffer>(offer);
    return (await this.findIssuedOffer(offer.customerId, offer.key)) as IssuedOffer;
  }

  async addPoolCodes(offer: string, codes: readonly string[]): Promise<number> {
    let added = 0;
    for (const code of codes) {
      if (this.table.transact(plans.poolCodeWrites(offer, code).map(asWrite)) === undefined) added++;
    }
    return added;
  }

  async drawPoolCode(offer: string, key: string): Promise<string | undefined> {
    const pk = keys.offerPool(offer);
    return plans.drawFromPool({
      claimed: async () => this.table.get(pk, keys.poolClaim(key))?.code as string | undefined,
      available: async (limit) =>
        this.table
          .withPrefix(pk, keyPrefix.poolAvailable)
          .slice(0, limit)
          .map((item) => item.code as string),
      draw: async (code) => this.table.transact(plans.poolDrawWrites(offer, code, key).map(asWrite)),
    });
  }

  async availablePoolCodes(offer: string): Promise<number> {
    return this.table.withPrefix(keys.offerPool(offer), keyPrefix.poolAvailable).length;
  }

  async upsertProduct(source: SourceName, product: CatalogueProduct): Promise<CatalogueWrite> {
    return (await this.replaceProduct(source, product)).write;
  }

  async replaceProduct(source: SourceName, product: CatalogueProduct): Promise<ProductReplacement> {
    const change = upsertChange(source, product);
    // Read and written in one synchronous step: nothing comes between, as in DynamoDB's ALL_OLD.
    const before = this.table.get(keys.product(productKey(source, product.id)), keys.productSk);
    if (this.changeProduct(change) === 'stale') return { write: 'stale' };
    return { write: 'written', replaced: copy<CatalogueProduct | undefined>(productOf(before)) };
  }

  async recordInterest(source: SourceName, productId: string, customerId: string, until: Date): Promise<void> {
    this.table.transact([{ put: interestItem(productKey(source, productId), customerId, until) }]);
  }

  async interestedCustomers(
    source: SourceName,
    productId: string,
    options: { readonly now: Date; readonly limit: number; readonly resumeAfter?: string | undefined },
  ): Promise<InterestPage> {
    const items = this.table.partitionItems(keys.interest(productKey(source, productId)));
    const { resumeAfter } = options;
    const start =
      resumeAfter === undefined ? 0 : items.findIndex((item) => compareKeys(String(item.sk), resumeAfter) > 0);
    const page = start < 0 ? [] : items.slice(start, start + options.limit);
    const more = start >= 0 && start + options.limit < items.length;
    return {
      customerIds: page.flatMap((item) => interestedCustomerOf(item, options.now) ?? []),
      resumeAfter: more ? String(page[page.length - 1]?.sk) : undefined,
    };
  }

  async deleteProduct(source: SourceName, productId: string, deletedAt: string): Promise<CatalogueWrite> {
    return this.changeProduct(deleteChange(source, productId, deletedAt));
  }

  async countRequest(counter: string, limit: number, expiresAt: Date): Promise<boolean> {
    const write = plans.requestCountWrite(counter, limit, expiresAt);
    const current = this.table.get(write.key.pk, write.key.sk);
    const counted = {
      ...write.key,
      requests: (typeof current?.requests === 'number' ? current.requests : 0) + 1,
      expiresAt: write.expiresAt,
    };
    return this.table.transact([{ put: counted, condition: predicate(write.condition) }]) === undefined;
  }

  async visitor(visitorKey: string): Promise<Visitor | undefined> {
    return copy<Visitor | undefined>(visitorOf(this.table.get(keys.visitor(visitorKey), keys.visitorSk)));
  }

  async keepVisitor(visitorKey: string, visitor: Visitor, expiresAt: Date): Promise<void> {
    for (const item of visitorItems(visitorKey, visitor, expiresAt)) this.table.putCopy(item);
  }

  private changeProduct(change: CatalogueChange): CatalogueWrite {
    return this.table.transact([asWrite(plans.catalogueWrite(change))]) === undefined ? 'written' : 'stale';
  }

  async findProductParts(source: SourceName, productId: string): Promise<KeptProductParts> {
    return copy<KeptProductParts>(
      productPartsOf(this.table.get(keys.product(productKey(source, productId)), keys.productSk)),
    );
  }

  async writeProductParts(
    source: SourceName,
    productId: string,
    write: ProductPartsWrite,
  ): Promise<'written' | 'conflict'> {
    return this.table.transact([asWrite(plans.productPartsWrite(source, productId, write))]) === undefined
      ? 'written'
      : 'conflict';
  }

  async keepInventoryLinks(source: SourceName, links: readonly KeptInventoryLink[]): Promise<void> {
    for (const link of links) this.table.put(inventoryLinkItem(source, storable(link) as KeptInventoryLink));
  }

  async findInventoryLink(source: SourceName, itemId: string): Promise<KeptInventoryLink | undefined> {
    return copy<KeptInventoryLink | undefined>(
      inventoryLinkOf(this.table.get(keys.inventoryLink(productKey(source, itemId)), keys.inventoryLinkSk)),
    );
  }

  async keepInventoryLevel(source: SourceName, productId: string, level: InventoryLevel): Promise<CatalogueWrite> {
    return this.table.transact([asWrite(plans.inventoryLevelWrite(source, productId, level))]) === undefined
      ? 'written'
      : 'stale';
  }

  async findInventoryLevels(source: SourceName, productId: string, itemId: string): Promise<InventoryLevel[]> {
    return this.table
      .withPrefix(keys.product(productKey(source, productId)), keys.inventoryLevelsOf(itemId))
      .map((item) => copy<InventoryLevel>(inventoryLevelOf(item)));
  }

  async findProduct(source: SourceName, productId: string): Promise<CatalogueProduct | undefined> {
    return copy<CatalogueProduct | undefined>(
      productOf(this.table.get(keys.product(productKey(source, productId)), keys.productSk)),
    );
  }

  async findProducts(source: SourceName, productIds: readonly string[]): Promise<CatalogueProduct[]> {
    return productIds.flatMap((id, index) => {
      const product =
        productIds.indexOf(id) === index
          ? productOf(this.table.get(keys.product(productKey(source, id)), keys.productSk))
          : undefined;
      return product ? [copy<CatalogueProduct>(product)] : [];
    });
  }

  async templateStatus(template: string): Promise<TemplateStatus | undefined> {
    return templateStatusOf(template, this.table.get(keys.template(template), keys.templateCurrentSk));
  }

  async templateVersions(template: string): Promise<TemplateVersion[]> {
    return this.table
      .withPrefix(keys.template(template), keyPrefix.templateVersion)
      .map((item) => templateVersionOf(copy<Item>(item)))
      .sort((a, b) => a.number - b.number);
  }

  async keepTemplateVersion(version: TemplateVersion, previous: number | undefined): Promise<'kept' | 'conflict'> {
    return this.table.transact(plans.templateVersionWrites(version, previous).map(asWrite)) === undefined
      ? 'kept'
      : 'conflict';
  }

  async nameTemplateEditor(version: TemplateVersion): Promise<'kept' | 'conflict'> {
    return this.table.transact(plans.templateEditorWrites(version).map(asWrite)) === undefined ? 'kept' : 'conflict';
  }

  async nextDueAt(): Promise<string | undefined> {
    const firsts = everyDueShard(this.dueShards, (dueShard) => this.table.firstDueIn(dueShard));
    return firsts
      .map((entry) => entry?.dueAt)
      .filter((due): due is string => due !== undefined)
      .sort()[0];
  }

  /** BatchWriteItem's rule: no key twice in one batch of 25. */
  private deleteKeys(items: readonly ItemKey[]): void {
    for (let start = 0; start < items.length; start += 25) {
      const batch = items.slice(start, start + 25);
      if (new Set(batch.map(itemId)).size < batch.length) {
        throw validationError('Provided list of item keys contains duplicates');
      }
      for (const key of batch) this.table.delete(key);
    }
  }

  /** The address or alias belongs to someone else now: theirs to keep. */
  private deleteIfOwned(key: ItemKey, customerId: string): void {
    if (customerId === '' || predicate(plans.absentOrOwnedBy(customerId))(this.table.get(key.pk, key.sk))) {
      this.table.delete(key);
    }
  }
}

/** Puts of `items` in a transaction, unconditional. */
function puts(items: readonly Item[]): Write[] {
  return items.map((item) => ({ put: item }));
}

function commitResult(failed: number | undefined): CommitResult {
  // The receipt is always the first write: when its condition fails, the event was already committed.
  if (failed === undefined) return 'committed';
  return failed === 0 ? 'duplicate' : 'conflict';
}

// ---------------------------------------------------------------------------------------------------
// The table: items by partition and sort key, a sparse due index, and a scan order of the partitions.
// ---------------------------------------------------------------------------------------------------

type Condition = (current: Item | undefined) => boolean;

/** One write of a transaction, with the condition the item as it is now must meet. */
type Write =
  | { readonly put: Item; readonly condition?: Condition }
  | { readonly delete: ItemKey; readonly condition?: Condition }
  | { readonly update: ItemKey; readonly condition: Condition; readonly apply: (current: Item) => Item }
  | { readonly check: ItemKey; readonly condition: Condition };

/** A planned write (write-plans.ts) as a write of this table. */
function asWrite(write: plans.PlannedWrite): Write {
  const condition = write.condition === undefined ? undefined : predicate(write.condition);
  if ('put' in write) return condition ? { put: write.put, condition } : { put: write.put };
  if ('delete' in write) return condition ? { delete: write.delete, condition } : { delete: write.delete };
  return { check: write.check, condition: predicate(write.condition) };
}

/**
 * A planned write's condition as a predicate on the item under its key, as DynamoDB evaluates it: the one
 * place the emulated table reads a condition (tests/integration/write-conditions.test.ts holds it to
 * DynamoDB's reading).
 */
export function predicate(condition: plans.WriteCondition): Condition {
  switch (condition.kind) {
    case 'absent':
      return (current) => current === undefined;
    case 'at-version':
      return (current) => current !== undefined && current.version === condition.version;
    case 'absent-or-owned-by':
      return (current) => current === undefined || current.customerId === condition.customerId;
    case 'unclaimed-at-version':
      return (current) =>
        current !== undefined && current.version === condition.version && current.customerId === undefined;
    case 'leased-at-version':
      return (current) =>
        current !== undefined &&
        current.leaseOwner === condition.owner &&
        current.version === condition.version &&
        typeof current.leaseUntil === 'string' &&
        compareKeys(current.leaseUntil, condition.at) > 0;
    case 'claimed-at-version':
      return (current) =>
        current !== undefined && current.leaseOwner === condition.owner && current.version === condition.version;
    case 'due-unleased':
      return (current) =>
        current !== undefined &&
        current.dueShard !== undefined &&
        typeof current.dueAt === 'string' &&
        (compareKeys(current.dueAt, condition.at) <= 0 ||
          (condition.enqueuedUntil !== undefined &&
            current.dueAt === condition.enqueuedUntil &&
            current.enqueuedUntil === condition.enqueuedUntil)) &&
        (current.leaseUntil === undefined ||
          (typeof current.leaseUntil === 'string' && compareKeys(current.leaseUntil, condition.at) < 0));
    case 'not-suppressed':
      return (current) => current === undefined || current.reason === 'erased';
    case 'present':
      return (current) => current !== undefined;
    case 'absent-or-changed-before':
      return (current) =>
        current === undefined ||
        (typeof current.changedAt === 'string' && compareKeys(current.changedAt, condition.at) < 0);
    case 'absent-or-below':
      return (current) =>
        current === undefined || (typeof current.requests === 'number' && current.requests < condition.limit);
  }
}

interface Partition {
  /** Sort keys in DynamoDB order. */
  readonly sks: string[];
  readonly items: Map<string, Item>;
  /** Whether a sort key written to it holds a UTF-16 unit from U+D800 (see {@link compareKeys}). */
  wide: boolean;
}

interface DueEntry {
  readonly dueAt: string;
  readonly pk: string;
  readonly sk: string;
  /** Whether one of its keys holds a UTF-16 unit from U+D800: only then can {@link compareKeys} differ from `<`. */
  readonly wide: boolean;
}

/** Where a scan resumes: after the partition listed with this sequence number. */
interface ScanPosition {
  readonly seq: number;
}

interface PartitionEntry extends ScanPosition {
  readonly pk: string;
  /** Of the partition key: decides the parallel-scan segment. */
  readonly hash: number;
  /** Empty once deleted, until the entry is dropped or the key is written again. */
  partition: Partition;
}

/**
 * Items by partition key, each partition's sort keys kept in order (queries by key range are binary
 * searches), and the due index as one sorted array per shard, updated on every write of an item that
 * enters, moves in or leaves it: finding due runs never looks at customers that have nothing due.
 */
class Table {
  private readonly partitions = new Map<string, Partition>();
  private readonly due = new Map<string, DueList>();
  private readonly list = new PartitionList();

  /** `keepsTimelineOf`: see {@link EmulatedTableOptions}. */
  constructor(private readonly keepsTimelineOf?: ((customer: Customer) => boolean) | undefined) {}

  get(pk: string, sk: string): Item | undefined {
    return this.partitions.get(pk)?.items.get(sk);
  }

  /**
   * Stores `item`: it must be this table's own copy, whose values came out of {@link storable} (frozen). The
   * item itself is frozen here, so that what is stored can be handed out without a copy.
   */
  put(item: Item): void {
    checkIndexKeys(item);
    Object.freeze(item);
    let partition = this.partitions.get(item.pk);
    if (!partition) {
      partition = { sks: [], items: new Map(), wide: false };
      this.partitions.set(item.pk, partition);
      this.list.add(item.pk, partition);
    }
    const previous = partition.items.get(item.sk);
    if (!previous) {
      partition.sks.splice(keyIndex(partition, item.sk), 0, item.sk);
      if (!partition.wide && HIGH_CODE_UNIT.test(item.sk)) partition.wide = true;
    }
    partition.items.set(item.sk, item);
    this.reindex(previous, item);
  }

  /** Stores a copy of `item`, made with DynamoDB's marshalling rules. */
  putCopy(item: Item): void {
    this.put(storable(item) as Item);
  }

  delete(key: ItemKey): void {
    const partition = this.partitions.get(key.pk);
    const previous = partition?.items.get(key.sk);
    if (!partition || !previous) return;
    partition.items.delete(key.sk);
    partition.sks.splice(keyIndex(partition, key.sk), 1);
    this.reindex(previous, undefined);
    if (partition.items.size === 0) {
      this.partitions.delete(key.pk);
      this.list.removed();
    }
  }

  partitionItems(pk: string): Item[] {
    const partition = this.partitions.get(pk);
    return partition ? partition.sks.map((sk) => partition.items.get(sk) as Item) : [];
  }

  /** Items of a partition with `from <= sk <= to`, in order. */
  between(pk: string, from: string, to: string): Item[] {
    const partition = this.partitions.get(pk);
    return partition ? itemsBetween(partition, from, to) : [];
  }

  /** Items of a partition whose sort key begins with `prefix`, in order. */
  withPrefix(pk: string, prefix: string): Item[] {
    const partition = this.partitions.get(pk);
    if (!partition) return [];
    // Every key that begins with `prefix` sorts before the prefix with its last character incremented
    // (the prefixes here end in '#').
    const end = `${prefix.slice(0, -1)}${String.fromCharCode(prefix.charCodeAt(prefix.length - 1) + 1)}`;
    return itemsAt(partition, keyIndex(partition, prefix), keyIndex(partition, end));
  }

  /** The due index entries of one shard, by due time. */
  dueIn(shard: string): Iterable<DueEntry> {
    return this.due.get(shard) ?? [];
  }

  /** The first entry of {@link dueIn}. */
  firstDueIn(shard: string): DueEntry | undefined {
    return this.due.get(shard)?.first();
  }

  /** Every partition in scan order; entries of partitions emptied since may remain. */
  partitionList(): readonly PartitionEntry[] {
    return this.list.entries;
  }

  /** The entries of {@link partitionList} in one parallel-scan segment, in scan order. */
  partitionsInSegment(segment: number, segments: number): readonly PartitionEntry[] {
    return this.list.inSegment(segment, segments);
  }

  /** Whether {@link partitionList} lists an entry after `entry`. */
  listedAfter(entry: PartitionEntry): boolean {
    const { entries } = this.list;
    return lowerBound(entries, (other) => other.seq <= entry.seq) < entries.length;
  }

  /**
   * A TransactWriteItems: validated as DynamoDB validates it (thrown), then every condition is checked
   * against the current items, and either all writes are applied or none. Returns the index of the first
   * write whose condition failed, `undefined` when all were applied.
   */
  transact(writes: readonly Write[]): number | undefined {
    // Marshalled first, as the SDK does before sending; then DynamoDB's own checks of the request.
    const stored = writes.map((write) => ('put' in write ? (storable(write.put) as Item) : undefined));
    if (writes.length === 0 || writes.length > 100) {
      throw validationError('Member must have length less than or equal to 100');
    }
    const ids = new Set(writes.map((write) => itemId(keyOf(write))));
    if (ids.size < writes.length) {
      throw validationError('Transaction request cannot include multiple operations on one item');
    }
    for (const item of stored) if (item) checkIndexKeys(item);
    const failed = writes.findIndex((write) => {
      const key = keyOf(write);
      return write.condition !== undefined && !write.condition(this.get(key.pk, key.sk));
    });
    if (failed >= 0) return failed;
    const updated = writes.map((write) => {
      if (!('update' in write)) return undefined;
      const current = this.get(write.update.pk, write.update.sk);
      if (!current) throw new Error(`Update of a missing item ${itemId(write.update)}: its condition must require it`);
      const item = storable(write.apply(current)) as Item;
      checkIndexKeys(item);
      return item;
    });
    writes.forEach((write, index) => {
      const item = stored[index] ?? updated[index];
      if (item) {
        if (write.condition === undefined && !this.keepsTimeline(item, stored)) return;
        this.put(item);
      } else if ('delete' in write) this.delete(write.delete);
    });
    return undefined;
  }

  /**
   * Whether an unconditional put is stored: anything but a timeline entry is; a timeline entry when
   * `keepsTimelineOf` holds for its customer's profile, the one this transaction writes or else the stored one.
   */
  private keepsTimeline(item: Item, transaction: readonly (Item | undefined)[]): boolean {
    if (this.keepsTimelineOf === undefined || item.entity !== 'timeline') return true;
    const profile =
      transaction.find((other) => other?.pk === item.pk && other.sk === keys.profile) ??
      this.get(item.pk, keys.profile);
    return profile !== undefined && this.keepsTimelineOf(profile.customer as Customer);
  }

  private reindex(before: Item | undefined, after: Item | undefined): void {
    const old = dueEntryOf(before);
    const next = dueEntryOf(after);
    if (old && next && old.shard === next.shard && old.entry.dueAt === next.entry.dueAt) return;
    if (old) this.due.get(old.shard)?.remove(old.entry);
    if (next) {
      let entries = this.due.get(next.shard);
      if (!entries) {
        entries = new DueList();
        this.due.set(next.shard, entries);
      }
      entries.insert(next.entry);
    }
  }
}

/**
 * The entries of one due-index shard in {@link compareDue} order, as a list of sorted runs of at most
 * {@link DUE_RUN_LENGTH} entries: an insert or removal moves the entries of one run, not of the whole
 * shard (in one array, splicing a shard of thousands of entries was most of the time of every write that
 * moves a run in the index).
 */
class DueList implements Iterable<DueEntry> {
  private readonly runs: DueEntry[][] = [];

  first(): DueEntry | undefined {
    return this.runs[0]?.[0];
  }

  *[Symbol.iterator](): Iterator<DueEntry> {
    for (const run of this.runs) yield* run;
  }

  insert(entry: DueEntry): void {
    if (this.runs.length === 0) {
      this.runs.push([entry]);
      return;
    }
    // The first run whose last entry is not before this one, or else the last run: where the entry goes.
    const index = Math.min(this.runOf(entry), this.runs.length - 1);
    const run = this.runs[index] as DueEntry[];
    run.splice(
      lowerBound(run, (other) => compareDue(other, entry) < 0),
      0,
      entry,
    );
    if (run.length > 2 * DUE_RUN_LENGTH) this.runs.splice(index + 1, 0, run.splice(DUE_RUN_LENGTH));
  }

  remove(entry: DueEntry): void {
    const index = this.runOf(entry);
    const run = this.runs[index];
    if (run === undefined) return;
    const at = lowerBound(run, (other) => compareDue(other, entry) < 0);
    if (run[at] === undefined || compareDue(run[at], entry) !== 0) return;
    run.splice(at, 1);
    if (run.length === 0) this.runs.splice(index, 1);
  }

  /** The index of the first run whose last entry is not before `entry` (the number of runs if none). */
  private runOf(entry: DueEntry): number {
    return lowerBound(this.runs, (run) => compareDue(run[run.length - 1] as DueEntry, entry) < 0);
  }
}

/** Entries per run of a {@link DueList} (a run is split in two when it holds twice as many). */
const DUE_RUN_LENGTH = 256;

function itemsBetween(partition: Partition, from: string, to: string): Item[] {
  return itemsAt(partition, keyIndex(partition, from), keyIndex(partition, to, true));
}

function itemsAt(partition: Partition, first: number, end: number): Item[] {
  const items: Item[] = [];
  for (let i = first; i < end; i++) items.push(partition.items.get(partition.sks[i] as string) as Item);
  return items;
}

/** Whether each profile read by a scan lacks its audience index key: stored items never change, so once each. */
const unindexedProfiles = new WeakMap<Item, boolean>();

/** A profile item whose audience index key is missing or stale (a SHA-256 of the customer id, so kept). */
function unindexedProfile(item: Item): boolean {
  let unindexed = unindexedProfiles.get(item);
  if (unindexed === undefined) {
    unindexed = item.audienceShard !== audienceShardOf(item.customer as Customer);
    unindexedProfiles.set(item, unindexed);
  }
  return unindexed;
}

/** Sparse, as the `due` index: only items with both a shard and a due time are in it. */
function dueEntryOf(item: Item | undefined): { shard: string; entry: DueEntry } | undefined {
  if (!item || typeof item.dueShard !== 'string' || typeof item.dueAt !== 'string') return undefined;
  const wide = HIGH_CODE_UNIT.test(item.dueAt) || HIGH_CODE_UNIT.test(item.pk) || HIGH_CODE_UNIT.test(item.sk);
  return { shard: item.dueShard, entry: { dueAt: item.dueAt, pk: item.pk, sk: item.sk, wide } };
}

const INDEX_KEYS = ['dueShard', 'dueAt', 'audienceShard'] as const;

/** DynamoDB refuses an item whose index key is not a non-empty string. */
function checkIndexKeys(item: Item): void {
  for (const name of INDEX_KEYS) {
    const value = item[name];
    if (value !== undefined && (typeof value !== 'string' || value === '')) {
      throw validationError(`One or more parameter values are not valid. Invalid value for the index key ${name}`);
    }
  }
}

function compareDue(a: DueEntry, b: DueEntry): number {
  if (!a.wide || !b.wide) {
    // What compareKeys answers when one of the two keys has no unit from U+D800, without testing for one.
    if (a.dueAt !== b.dueAt) return a.dueAt < b.dueAt ? -1 : 1;
    if (a.pk !== b.pk) return a.pk < b.pk ? -1 : 1;
    return a.sk === b.sk ? 0 : a.sk < b.sk ? -1 : 1;
  }
  return compareKeys(a.dueAt, b.dueAt) || compareKeys(a.pk, b.pk) || compareKeys(a.sk, b.sk);
}

function keyOf(write: Write): ItemKey {
  if ('put' in write) return write.put;
  if ('check' in write) return write.check;
  return 'delete' in write ? write.delete : write.update;
}

function itemId(key: ItemKey): string {
  return `${key.pk.length}:${key.pk}${key.sk}`;
}

/**
 * The partitions in the order scans visit them: the order they were made in, by sequence number. DynamoDB
 * scans in hash order, which is just as arbitrary; creation order keeps a scan walking memory in the
 * order it was allocated, which matters for its speed with tens of thousands of partitions. Emptied
 * partitions are dropped once they are many; a listed key written again reuses its entry.
 */
class PartitionList {
  /** Replaced, never changed in place, when emptied partitions are dropped. */
  entries: PartitionEntry[] = [];
  private readonly listed = new Map<string, PartitionEntry>();
  private nextSeq = 0;
  private emptied = 0;

  add(pk: string, partition: Partition): void {
    const listed = this.listed.get(pk);
    if (listed) {
      listed.partition = partition;
      return;
    }
    const entry = { seq: this.nextSeq++, pk, hash: hash32(pk), partition };
    this.listed.set(pk, entry);
    this.entries.push(entry);
  }

  /**
   * The entries of one parallel-scan segment, in order: kept for the last number of segments asked for,
   * extended as entries are added, made again when the list is replaced.
   */
  inSegment(segment: number, segments: number): readonly PartitionEntry[] {
    let bySegment = this.bySegment;
    if (bySegment === undefined || bySegment.segments !== segments || bySegment.of !== this.entries) {
      bySegment = { segments, of: this.entries, counted: 0, lists: new Map() };
      this.bySegment = bySegment;
    }
    for (; bySegment.counted < this.entries.length; bySegment.counted++) {
      const entry = this.entries[bySegment.counted] as PartitionEntry;
      const of = segmentOf(entry.hash, segments);
      const list = bySegment.lists.get(of);
      if (list === undefined) bySegment.lists.set(of, [entry]);
      else list.push(entry);
    }
    return bySegment.lists.get(segment) ?? [];
  }

  private bySegment:
    | {
        readonly segments: number;
        /** The array of entries the lists were made from, and how many of its entries they hold. */
        readonly of: PartitionEntry[];
        counted: number;
        /** By segment, only segments that have entries. */
        readonly lists: Map<number, PartitionEntry[]>;
      }
    | undefined;

  removed(): void {
    if (++this.emptied * 2 <= this.entries.length) return;
    // A new array: a scan page that holds the old one reads it to its end undisturbed.
    this.entries = this.entries.filter((entry) => {
      if (entry.partition.items.size > 0) return true;
      this.listed.delete(entry.pk);
      return false;
    });
    this.emptied = 0;
  }
}

/** The parallel-scan segment of a 32-bit hash: `segments` equal ranges of the hash space. */
function segmentOf(hash: number, segments: number): number {
  return Math.floor((hash * segments) / 2 ** 32);
}

/** The position of `key` in a partition's sorted keys: the first key at or (with `after`) past it. */
function keyIndex(partition: Partition, key: string, after = false): number {
  const { sks } = partition;
  // JavaScript's order is DynamoDB's unless both keys hold a unit from U+D800 ({@link compareKeys}): tested
  // once here, rather than at every comparison of the search.
  const native = !partition.wide || !HIGH_CODE_UNIT.test(key);
  let low = 0;
  let high = sks.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    const sk = sks[middle] as string;
    const order = native ? (sk === key ? 0 : sk < key ? -1 : 1) : compareKeys(sk, key);
    if (order < 0 || (after && order === 0)) low = middle + 1;
    else high = middle;
  }
  return low;
}

/** The first index of a sorted array whose element is no longer `before` (binary search). */
function lowerBound<T>(array: readonly T[], before: (element: T) => boolean): number {
  let low = 0;
  let high = array.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (before(array[middle] as T)) low = middle + 1;
    else high = middle;
  }
  return low;
}

/** A UTF-16 code unit from U+D800 up: the only ones whose order differs from code point order. */
const HIGH_CODE_UNIT = /[\ud800-\uffff]/;

/**
 * DynamoDB's order of string keys: by UTF-8 bytes, that is by code point. JavaScript compares UTF-16 code
 * units, which agrees except that surrogates (code points above U+FFFF) must sort after U+E000–U+FFFF; the
 * keys are nearly always ASCII, so the native comparison serves unless both keys hold such units.
 */
function compareKeys(a: string, b: string): number {
  if (a === b) return 0;
  if (!HIGH_CODE_UNIT.test(a) || !HIGH_CODE_UNIT.test(b)) return a < b ? -1 : 1;
  const length = Math.min(a.length, b.length);
  for (let i = 0; i < length; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) return codePointRank(x) - codePointRank(y);
  }
  return a.length - b.length;
}

function codePointRank(unit: number): number {
  if (unit >= 0xe000) return unit - 0x800;
  if (unit >= 0xd800) return unit + 0x2000;
  return unit;
}

// ---------------------------------------------------------------------------------------------------
// Values: copied in and out with the rules of the DynamoDB document client the adapter uses
// (removeUndefinedValues, no class instances).
// ---------------------------------------------------------------------------------------------------

/**
 * A copy of `value` as DynamoDB would store and return it: `undefined` (and functions) left out of maps
 * and lists, no negative zero, and an error, before anything is written, for what DynamoDB refuses
 * (NaN, infinities, integers beyond 2^53, dates and other class instances).
 */
function storable(value: unknown): unknown {
  // Written for speed (every read and write goes through it): plain loops, no intermediate arrays.
  if (typeof value !== 'object') {
    if (typeof value === 'number') {
      if (!Number.isFinite(value)) throw new Error(`Special numeric value ${value} is not allowed`);
      if (value > Number.MAX_SAFE_INTEGER || value < Number.MIN_SAFE_INTEGER) {
        throw new Error(
          `Number ${value} is beyond Number.MAX_SAFE_INTEGER. Use NumberValue from @aws-sdk/lib-dynamodb.`,
        );
      }
      return value === 0 ? 0 : value;
    }
    if (typeof value === 'string' || typeof value === 'boolean' || value === undefined) return value;
  } else if (value === null) {
    return null;
  } else if (Array.isArray(value)) {
    const list: unknown[] = [];
    for (let i = 0; i < value.length; i++) {
      const element: unknown = value[i];
      if (element !== undefined && typeof element !== 'function') list.push(storable(element));
    }
    return Object.freeze(list);
  } else {
    const prototype = Object.getPrototypeOf(value);
    if (prototype === Object.prototype || prototype === null) {
      const map: Record<string, unknown> = {};
      // `for … in`, as the document client marshals maps.
      for (const name in value) {
        const element = (value as Record<string, unknown>)[name];
        if (element !== undefined && typeof element !== 'function') map[name] = storable(element);
      }
      return Object.freeze(map);
    }
  }
  throw new Error(`Unsupported type passed: ${String(value)}. The customer store holds plain data only.`);
}

/**
 * A copy of stored data for a caller. What is stored went through {@link storable}, so it is plain data
 * already: copied without checking it again.
 */
function copy<T>(value: unknown): T {
  return plainCopy(value) as T;
}

function plainCopy(value: unknown): unknown {
  if (typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) {
    const list: unknown[] = new Array(value.length);
    for (let i = 0; i < value.length; i++) list[i] = plainCopy(value[i]);
    return list;
  }
  const map: Record<string, unknown> = {};
  for (const name in value) map[name] = plainCopy((value as Record<string, unknown>)[name]);
  return map;
}

/**
 * Stored data handed out as it is, for reads with `readOnlyReads`. What is stored is frozen ({@link storable}
 * freezes every map and list it makes), so no reader can change it.
 */
function shared<T>(value: unknown): T {
  return value as T;
}

/** A number attribute in an update expression; DynamoDB refuses arithmetic on anything else. */
function numberAttribute(value: unknown): number {
  if (typeof value !== 'number') {
    throw validationError('An operand in the update expression has an incorrect data type');
  }
  return value;
}

/** What DynamoDB answers to a request it refuses (the adapter lets these through). */
function validationError(message: string): Error {
  const error = new Error(message);
  error.name = 'ValidationException';
  return error;
}
