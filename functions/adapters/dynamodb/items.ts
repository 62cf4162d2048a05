import { createHash } from 'node:crypto';
import { gunzipSync, gzipSync } from 'node:zlib';
import { campaignIdOf } from '../../domain/campaigns/campaign.js';
import type { Visitor } from '../../domain/collect.js';
import { type Customer, LIFECYCLE_STAGES, type LifecycleStage } from '../../domain/customer.js';
import type { CatalogueProduct, InventoryLevel, SourceName } from '../../domain/events.js';
import type { StoreModel } from '../../domain/intelligence/store-model.js';
import type { Enrollment } from '../../domain/journeys/enrollment.js';
import type { IssuedOffer } from '../../domain/offers.js';
import type { OrderRecord } from '../../domain/orders.js';
import {
  type CatalogueChange,
  type CatalogueParts,
  type KeptInventoryLink,
  NO_PARTS,
  productKey,
} from '../../domain/product-catalogue.js';
import type { TemplateContent, TemplateStatus, TemplateVersion } from '../../domain/template-history.js';
import type { TimelineEntry } from '../../domain/timeline.js';
import type {
  CampaignState,
  CampaignStateWithoutProgress,
  ClaimedRun,
  DataExport,
  DueRun,
  ExperimentDecision,
  ExperimentState,
  JourneyStats,
  KeptProductParts,
  OutboxEntry,
  ProductPartsWrite,
  RunProgress,
  SegmentProgress,
  SuppressionRecord,
} from '../../ports/customer-store.js';
import type { BusEvent } from '../../ports/event-publisher.js';
import { hashEmail } from '../email-hash.js';
import {
  AUDIENCE_SHARDS,
  CAMPAIGN_RUN_DAYS,
  EVENT_RECEIPT_DAYS,
  EXPORT_DAYS,
  keyPrefix,
  keys,
  OUTBOX_GRACE_MS,
  PRODUCT_TOMBSTONE_DAYS,
} from './table-design.js';

/**
 * The items of the single-table design (table-design.ts, docs/architecture.md), built and read in one
 * place: the DynamoDB adapter writes them to the table, its emulated table (emulated-table.ts) keeps the
 * very same items under the same keys. Pure functions of plain data, without the AWS SDK, so that the
 * emulated table can use them without loading it. The conditions the items are written under are planned
 * in write-plans.ts and read by each (a DynamoDB condition expression, a predicate in memory).
 */

/** A stored item: its key and attributes, as plain data. */
export interface Item {
  pk: string;
  sk: string;
  [attribute: string]: unknown;
}

export interface ItemKey {
  readonly pk: string;
  readonly sk: string;
}

// ---------------------------------------------------------------------------------------------------
// Customer partition (CUSTOMER#id)
// ---------------------------------------------------------------------------------------------------

/**
 * An event's receipt: written first in the event's transaction, it makes a replay a duplicate. It expires
 * {@link EVENT_RECEIPT_DAYS} after `receivedAt`, business time (the simulated clock locally).
 */
export function eventReceiptItem(pk: string, eventId: string, receivedAt: Date): Item {
  return {
    pk,
    sk: keys.eventReceipt(eventId),
    entity: 'event-receipt',
    expiresAt: Math.floor(receivedAt.getTime() / 1000) + EVENT_RECEIPT_DAYS * 86_400,
  };
}

export function customerItem(customer: Customer, version: number): Item {
  return {
    pk: keys.customer(customer.id),
    sk: keys.profile,
    entity: 'customer',
    customer,
    version,
    audienceShard: audienceShardOf(customer),
  };
}

/** A profile's key in the audience index: its stage, and a shard of its own by customer id. */
export function audienceShardOf(customer: Pick<Customer, 'id' | 'stage'>): string {
  return keys.audienceShard(customer.stage, shardOf(customer.id, AUDIENCE_SHARDS));
}

/** A customer's order, in their partition. */
export function orderItem(customerId: string, order: OrderRecord): Item {
  return { pk: keys.customer(customerId), sk: keys.order(order.key), entity: 'order', order };
}

/**
 * A journey run, with the due-index attributes while it waits for a step (or a scheduled start): only
 * those runs carry them, so that the due index stays sparse.
 */
export function enrollmentItem(customerId: string, enrollment: Enrollment, version: number, dueShards: number): Item {
  const item: Item = {
    pk: keys.customer(customerId),
    sk: keys.journey(enrollment.journeyId),
    entity: 'journey-run',
    enrollment,
    version,
  };
  if ((enrollment.status === 'active' || enrollment.status === 'scheduled') && enrollment.dueAt) {
    Object.assign(item, dueAttributes(customerId, enrollment.dueAt, dueShards));
  } else if (enrollment.endedAt !== undefined && campaignIdOf(enrollment.journeyId) !== undefined) {
    // A campaign's run ends for good: the table forgets it, so that it does not weigh on every later load.
    item.expiresAt = Math.floor(Date.parse(enrollment.endedAt) / 1000) + CAMPAIGN_RUN_DAYS * 86_400;
  }
  return item;
}

// ---------------------------------------------------------------------------------------------------
// Campaigns (CAMPAIGN#id, CAMPAIGNLIST#name)
// ---------------------------------------------------------------------------------------------------

/**
 * A campaign's state at `version`. Its segments' progress is in items of their own
 * ({@link campaignSegmentItem}); the state keeps how many there are while enrollment runs.
 */
export function campaignItem(state: CampaignState, version: number): Item {
  const { version: _read, enrollment, ...kept } = state;
  const segments = enrollment === undefined ? {} : { segments: enrollment.length };
  return {
    pk: keys.campaign(state.campaignId),
    sk: keys.campaignSk,
    entity: 'campaign',
    state: { ...kept, ...segments },
    version,
  };
}

/** Where one segment of a campaign's enrollment stands, at `version`, in the campaign's partition. */
export function campaignSegmentItem(
  campaignId: string,
  segment: number,
  progress: SegmentProgress,
  version: number,
): Item {
  const { version: _read, ...kept } = progress;
  return {
    pk: keys.campaign(campaignId),
    sk: keys.campaignSegment(segment),
    entity: 'campaign-segment',
    progress: kept,
    version,
  };
}

/** A campaign's state item as stored: the number of its segments, or (written before they had items of their own) their progress. */
type StoredCampaignState = Omit<CampaignState, 'version'> & { readonly segments?: number };

/** The keys of the segment items of a campaign's enrollment while it runs (none when it does not). */
export function campaignSegmentKeys(item: Item): { pk: string; sk: string }[] {
  const { status, enrolledAt, segments, enrollment } = item.state as StoredCampaignState;
  const count = segments ?? enrollment?.length;
  if (status !== 'sending' || enrolledAt !== undefined || count === undefined) return [];
  return Array.from({ length: count }, (_, segment) => ({ pk: item.pk as string, sk: keys.campaignSegment(segment) }));
}

/**
 * A campaign's state from its item and its segments' items (`segmentItem`, by sort key). A segment whose
 * item is not written yet stands where the state item said (a state written before segments had items of
 * their own), or at its first page with its time on the queue over: the planner puts it there.
 */
export function campaignStateOf(
  item: Item,
  segmentItem: (sk: string) => Item | undefined = () => undefined,
): CampaignState {
  const before = (item.state as StoredCampaignState).enrollment;
  const { version, ...state } = campaignStateWithoutProgressOf(item);
  const enrollment = campaignSegmentKeys(item).map(({ sk }, segment): SegmentProgress => {
    const found = segmentItem(sk);
    if (found !== undefined) return { ...(found.progress as SegmentProgress), version: found.version as number };
    return before?.[segment] ?? { targeted: 0, enqueuedUntil: state.startedAt ?? '' };
  });
  return { ...state, ...(enrollment.length > 0 ? { enrollment } : {}), version };
}

/** A campaign's state from its item alone, without its segments' progress (see {@link campaignStateOf}). */
export function campaignStateWithoutProgressOf(item: Item): CampaignStateWithoutProgress {
  const { segments: _segments, enrollment: _enrollment, ...state } = item.state as StoredCampaignState;
  return { ...state, version: item.version as number };
}

/** A customer of an imported list. */
export function campaignListItem(name: string, customerId: string): Item {
  return { pk: keys.campaignList(name), sk: keys.customer(customerId), entity: 'campaign-list-member' };
}

/**
 * A claimed run after a step: its new state at the claim's version + 1. When the next step starts now under
 * the same lease (renewed), it counts as attempted and keeps the lease, so that a crash during it is seen by
 * the next claim (see docs/journeys.md, "Sending at most twice"). When the run stays at the same step (a
 * send deferred by the guardrails), the claims of that step that may have sent still count: only this
 * claim, which ends without sending, is taken off.
 */
export function runProgressItem(claim: ClaimedRun, progress: RunProgress, dueShards: number): Item {
  const item = enrollmentItem(claim.customerId, progress.enrollment, claim.version + 1, dueShards);
  const kept = keptDueAt(claim, progress);
  if (kept !== undefined && item.dueShard !== undefined) item.dueAt = kept;
  const sameStep = progress.enrollment.status === 'active' && progress.enrollment.stepId === claim.enrollment.stepId;
  item.attempts = progress.keepLease ? 1 : sameStep ? Math.max(0, claim.attempt - 1) : 0;
  if (progress.keepLease) {
    item.leaseOwner = claim.owner;
    item.leaseUntil = progress.leaseUntil ?? claim.leaseUntil;
  }
  return item;
}

/**
 * The indexed `dueAt` a run's progress keeps from its claim, if it keeps it: when the lease goes on and the
 * run is due before the lease ends, as it was, nobody can claim it before the lease ends and anybody may
 * after, wherever it stands in the due index. Not moving it there spares the index a delete and a put,
 * which DynamoDB bills as two more writes (four in a transaction). The run's own `enrollment.dueAt` says
 * when its step is due.
 */
export function keptDueAt(claim: ClaimedRun, progress: RunProgress): string | undefined {
  const leaseUntil = progress.leaseUntil ?? claim.leaseUntil;
  const { dueAt } = progress.enrollment;
  if (!progress.keepLease || claim.dueAt === undefined || dueAt === undefined) return undefined;
  const end = Date.parse(leaseUntil);
  return Date.parse(claim.dueAt) <= end && Date.parse(dueAt) <= end ? claim.dueAt : undefined;
}

/** The `leaseUntil` of a lease taken at `now` for `leaseMs`. */
export function leaseEnd(claim: { readonly now: Date; readonly leaseMs: number }): string {
  return new Date(claim.now.getTime() + claim.leaseMs).toISOString();
}

/** The timer that reassesses a customer at `dueAt`. */
export function reassessItem(customerId: string, dueAt: string, dueShards: number): Item {
  return {
    pk: keys.customer(customerId),
    sk: keys.reassess,
    entity: 'reassess',
    ...dueAttributes(customerId, dueAt, dueShards),
    version: 1,
  };
}

/**
 * An event to publish, written with the change that makes it (at `writtenAt`): due for the dispatcher
 * {@link OUTBOX_GRACE_MS} later, in case whoever wrote it does not publish and delete it first.
 */
export function outboxItem(customerId: string, entry: OutboxEntry, writtenAt: string, dueShards: number): Item {
  const dueAt = new Date(new Date(writtenAt).getTime() + OUTBOX_GRACE_MS).toISOString();
  return {
    pk: keys.customer(customerId),
    sk: keys.outbox(entry.id),
    entity: 'outbox',
    // As JSON text: the event goes back on the bus exactly as it was made (times included).
    event: JSON.stringify({ ...entry.event, time: entry.event.time?.toISOString() }),
    ...dueAttributes(customerId, dueAt, dueShards),
    version: 1,
  };
}

/** The event of an outbox item, as it was made. */
export function outboxEventOf(item: Readonly<Record<string, unknown>> | undefined): BusEvent | undefined {
  const stored = item?.event as string | undefined;
  const parsed = stored === undefined ? undefined : (JSON.parse(stored) as Omit<BusEvent, 'time'> & { time?: string });
  return parsed && { ...parsed, time: parsed.time === undefined ? undefined : new Date(parsed.time) };
}

/**
 * Timeline entries, each under its time and `tag.index` (see {@link timelineTags}): entries at the same
 * time sort by the write that made them, then in the order given.
 */
export function timelineItems(customerId: string, entries: readonly TimelineEntry[], tag: string): Item[] {
  return entries.map((entry, index) => ({
    pk: keys.customer(customerId),
    sk: keys.timeline(entry.at, `${tag}.${index}`),
    entity: 'timeline',
    entry,
  }));
}

/** The tags of the timeline entries of each kind of write. */
export const timelineTags = {
  event: (eventId: string) => digest(eventId),
  /** The run's version orders entries written in the same millisecond by successive saves. */
  runProgress: (runId: string, version: number) => `${runId}.${String(version).padStart(8, '0')}`,
  runRelease: (runId: string, version: number) => `${runId}.${String(version).padStart(8, '0')}.r`,
} as const;

/** The customer of an item in a customer partition. */
export function customerIdOf(pk: unknown): string {
  return String(pk).slice(keyPrefix.customer.length);
}

// ---------------------------------------------------------------------------------------------------
// Look-up items and other partitions
// ---------------------------------------------------------------------------------------------------

/** Who holds an email address. */
export function emailItem(email: string, customerId: string): Item {
  return { pk: keys.email(email), sk: keys.emailSk, entity: 'email', customerId };
}

/** Who holds an alias (a storefront's own customer id). */
export function aliasItem(alias: string, customerId: string): Item {
  return { pk: keys.alias(alias), sk: keys.aliasSk, entity: 'alias', customerId };
}

/** The pointer of an order to its customer; the order itself is in their partition ({@link orderItem}). */
export function customerOrderPointerItem(orderKey: string, customerId: string): Item {
  return { pk: keys.order(orderKey), sk: keys.orderPointerSk, entity: 'order-pointer', customerId, version: 1 };
}

/** An order of no known customer (or of an erased one), kept on its pointer. */
export function anonymousOrderPointerItem(order: OrderRecord, version: number): Item {
  return { pk: keys.order(order.key), sk: keys.orderPointerSk, entity: 'order-pointer', order, version };
}

/** The receipt of a privacy request carried out: its id (which names no one) and when. */
export function privacyRequestItem(requestId: string, at: string): Item {
  return { pk: keys.privacyRequest(requestId), sk: keys.privacyRequestSk, entity: 'privacy-request', at };
}

/**
 * A product of the catalogue, or its tombstone once deleted (which expires {@link PRODUCT_TOMBSTONE_DAYS}
 * after the deletion). `changedAt` is the storefront's time of the change, the one a later write compares.
 */
export function productItem(change: CatalogueChange): Item {
  const id = change.kind === 'upsert' ? change.product.id : change.productId;
  const key = { pk: keys.product(productKey(change.source, id)), sk: keys.productSk, entity: 'product' };
  if (change.kind === 'upsert') return { ...key, changedAt: change.at, product: change.product };
  const expiresAt = Math.floor(Date.parse(change.at) / 1000) + PRODUCT_TOMBSTONE_DAYS * 86_400;
  return { ...key, changedAt: change.at, deleted: true, expiresAt };
}

/**
 * A product priced apart: its parts (details, prices) at `version`, and the product they make, if any.
 * `changedAt` is the newest part's time, which a deletion must be newer than.
 */
export function productPartsItem(source: SourceName, productId: string, write: ProductPartsWrite): Item {
  return {
    pk: keys.product(productKey(source, productId)),
    sk: keys.productSk,
    entity: 'product',
    changedAt: write.at,
    version: (write.expectedVersion ?? 0) + 1,
    parts: write.parts,
    ...(write.product ? { product: write.product } : {}),
  };
}

/** What an item keeps of a product priced apart: none for a tombstone. */
export function productPartsOf(item: Readonly<Record<string, unknown>> | undefined): KeptProductParts {
  if (item === undefined) return { deleted: false, parts: NO_PARTS };
  if (item.deleted === true) return { deleted: true };
  const parts = (item.parts as CatalogueParts | undefined) ?? NO_PARTS;
  return { deleted: false, version: typeof item.version === 'number' ? item.version : 0, parts };
}

/** An inventory item's link to its product (by the item's id, which no other source shares). */
export function inventoryLinkItem(source: SourceName, link: KeptInventoryLink): Item {
  return {
    pk: keys.inventoryLink(productKey(source, link.itemId)),
    sk: keys.inventoryLinkSk,
    entity: 'inventory-link',
    link,
  };
}

export function inventoryLinkOf(item: Readonly<Record<string, unknown>> | undefined): KeptInventoryLink | undefined {
  return item?.link as KeptInventoryLink | undefined;
}

/** One item's stock at one location, in its product's partition, as of `changedAt`. */
export function inventoryLevelItem(source: SourceName, productId: string, level: InventoryLevel): Item {
  return {
    pk: keys.product(productKey(source, productId)),
    sk: keys.inventoryLevel(level.itemId, level.locationId),
    entity: 'inventory-level',
    changedAt: new Date(level.updatedAt).toISOString(),
    level,
  };
}

export function inventoryLevelOf(item: Readonly<Record<string, unknown>>): InventoryLevel {
  return item.level as InventoryLevel;
}

/** A customer's interest in a product, until `until` (then it expires). */
export function interestItem(productKey: string, customerId: string, until: Date): Item {
  return {
    pk: keys.interest(productKey),
    sk: keys.interestSk(customerId),
    entity: 'interest',
    customerId,
    expiresAt: Math.floor(until.getTime() / 1000),
  };
}

/** The customer of an interest item that has not expired at `now` (DynamoDB deletes expired items late). */
export function interestedCustomerOf(item: Readonly<Record<string, unknown>>, now: Date): string | undefined {
  return typeof item.customerId === 'string' && Number(item.expiresAt) * 1000 > now.getTime()
    ? item.customerId
    : undefined;
}

/** The product an item holds; `undefined` for a tombstone or no item. */
export function productOf(item: Readonly<Record<string, unknown>> | undefined): CatalogueProduct | undefined {
  return item === undefined || item.deleted === true ? undefined : (item.product as CatalogueProduct | undefined);
}

/** A visitor of `POST /collect` who consented, removed by the table's TTL at `expiresAt`. */
export function visitorItem(visitorKey: string, visitor: Visitor, expiresAt: Date): Item {
  return {
    pk: keys.visitor(visitorKey),
    sk: keys.visitorSk,
    entity: 'visitor',
    visitor,
    expiresAt: Math.floor(expiresAt.getTime() / 1000),
  };
}

/**
 * The items that keep a visitor: the visitor's, and for one who identified, first the link from the hash of
 * their address to it, so that erasing the person finds it (write-plans.ts `erasureSteps`).
 */
export function visitorItems(visitorKey: string, visitor: Visitor, expiresAt: Date): Item[] {
  const kept = visitorItem(visitorKey, visitor, expiresAt);
  if (visitor.kind !== 'identified') return [kept];
  const link = {
    pk: keys.visitorLinks(hashEmail(visitor.email)),
    sk: kept.pk,
    entity: 'visitor-link',
    expiresAt: kept.expiresAt,
  };
  return [link, kept];
}

/** The visitor an item holds; `undefined` without one. */
export function visitorOf(item: Readonly<Record<string, unknown>> | undefined): Visitor | undefined {
  return item?.visitor as Visitor | undefined;
}

export function suppressionItem(suppression: SuppressionRecord): Item {
  return { pk: keys.suppression(suppression.emailHash), sk: keys.suppressionSk, entity: 'suppression', ...suppression };
}

/**
 * The items of a data export: an anonymous one under its request key; a customer's in their partition,
 * so that erasing them erases it, with a pointer under the request key that holds no personal data
 * (written together).
 */
export function exportItems(data: DataExport): [Item] | [Item, Item] {
  const expiresAt = Math.floor(new Date(data.createdAt).getTime() / 1000) + EXPORT_DAYS * 86_400;
  // A string, not a map: the document is returned exactly as it was made.
  const document = JSON.stringify(data.document);
  if (data.customerId === undefined) {
    return [
      {
        pk: keys.export(data.requestKey),
        sk: keys.exportSk,
        entity: 'export',
        createdAt: data.createdAt,
        document,
        expiresAt,
      },
    ];
  }
  return [
    {
      pk: keys.customer(data.customerId),
      sk: keys.export(data.requestKey),
      entity: 'export',
      createdAt: data.createdAt,
      document,
      expiresAt,
    },
    {
      pk: keys.export(data.requestKey),
      sk: keys.exportSk,
      entity: 'export-pointer',
      customerId: data.customerId,
      createdAt: data.createdAt,
      expiresAt,
    },
  ];
}

/** The export an export item holds. */
export function dataExportOf(
  requestKey: string,
  customerId: string | undefined,
  item: Readonly<Record<string, unknown>>,
): DataExport {
  // Parsed from the stored text: a new copy every time.
  return { requestKey, customerId, createdAt: item.createdAt as string, document: JSON.parse(item.document as string) };
}

/** The store model, as JSON text: exactly what was computed, thresholds of any size included. */
export function storeModelItem(model: StoreModel): Item {
  return {
    pk: keys.store,
    sk: keys.model,
    entity: 'store-model',
    model: JSON.stringify(model),
    computedAt: model.computedAt,
  };
}

export function storeModelOf(item: Readonly<Record<string, unknown>>): StoreModel {
  return JSON.parse(item.model as string) as StoreModel;
}

/** The counters of a journey, or of one of its steps. */
export function journeyStatsKey(update: Pick<JourneyStats, 'journeyId' | 'stepId' | 'variantId'>): ItemKey {
  const { stepId, variantId } = update;
  return {
    pk: keys.journeyStats(update.journeyId),
    sk:
      stepId === undefined
        ? keys.statsTotal
        : variantId === undefined
          ? keys.statsStep(stepId)
          : keys.statsVariant(stepId, variantId),
  };
}

/** The counters of a journey stats item (every attribute but the key and the entity). */
export function journeyStatsOf(journeyId: string, item: Readonly<Record<string, unknown>>): JourneyStats {
  const { pk: _pk, sk, entity: _entity, ...counters } = item;
  if (sk === keys.statsTotal) return { journeyId, counters: counters as JourneyStats['counters'] };
  const [stepId, variantId] = String(sk).slice(keyPrefix.step.length).split('#VARIANT#');
  return {
    journeyId,
    stepId,
    ...(variantId === undefined ? {} : { variantId }),
    counters: counters as JourneyStats['counters'],
  };
}

/** The first test send of a step's experiment. */
export function experimentStartItem(journeyId: string, stepId: string, at: string): Item {
  return { pk: keys.experiment(journeyId, stepId), sk: keys.experimentStartSk, entity: 'experiment-start', at };
}

/** The decision of a step's experiment. */
export function experimentDecisionItem(decision: ExperimentDecision): Item {
  return {
    pk: keys.experiment(decision.journeyId, decision.stepId),
    sk: keys.experimentDecisionSk,
    entity: 'experiment-decision',
    decision: JSON.stringify(decision),
  };
}

/** What the items of an experiment's partition say. */
export function experimentStateOf(items: readonly Readonly<Record<string, unknown>>[]): ExperimentState {
  const start = items.find((item) => item.sk === keys.experimentStartSk);
  const decided = items.find((item) => item.sk === keys.experimentDecisionSk);
  return {
    ...(typeof start?.at === 'string' ? { startedAt: start.at } : {}),
    ...(typeof decided?.decision === 'string' ? { decision: JSON.parse(decided.decision) as ExperimentDecision } : {}),
  };
}

// ---------------------------------------------------------------------------------------------------
// The due index
// ---------------------------------------------------------------------------------------------------

/** The due-index partition of a customer's timers: stable, so a customer's runs share a shard. */
export function shardOf(customerId: string, shards: number): number {
  return hash32(customerId) % shards;
}

/** The first 32 bits of the SHA-256 of `text`. */
export function hash32(text: string): number {
  let hash = hashes.get(text);
  if (hash === undefined) {
    hash = createHash('sha256').update(text).digest().readUInt32BE(0);
    // Bounded: emptied when full, so a process that meets millions of keys keeps at most this many.
    if (hashes.size >= MAX_KEPT_HASHES) hashes.clear();
    hashes.set(text, hash);
  }
  return hash;
}

/**
 * The hashes of the keys met last: every write of a customer's due items or profile hashes the customer's
 * id again, and a SHA-256 costs more than a look-up. A hash depends on its text alone.
 */
const hashes = new Map<string, number>();
const MAX_KEPT_HASHES = 50_000;

/** The attributes that put an item in the (sparse) due index. */
export function dueAttributes(
  customerId: string,
  dueAt: string,
  dueShards: number,
): { dueShard: string; dueAt: string } {
  // Always with milliseconds: the index and the claims compare due times as text, and "…:00Z" sorts after
  // "…:00.500Z".
  return { dueShard: keys.dueShard(shardOf(customerId, dueShards)), dueAt: new Date(dueAt).toISOString() };
}

/** `read` applied to the key of every due-index shard, in shard order. */
export function everyDueShard<T>(dueShards: number, read: (dueShard: string) => T): T[] {
  return Array.from({ length: dueShards }, (_, shard) => read(keys.dueShard(shard)));
}

/** How many runs a batch of `limit` reads from each shard: its share, and at least one. */
export function dueRunsPerShard(limit: number, dueShards: number): number {
  return Math.max(1, Math.ceil(limit / dueShards));
}

/** The batch: the oldest `limit` of the runs read from the shards. */
export function oldestDueRuns(shards: readonly (readonly DueRun[])[], limit: number): DueRun[] {
  return shards
    .flat()
    .sort((a, b) => a.dueAt.localeCompare(b.dueAt))
    .slice(0, limit);
}

/** The run or timer of a due-index entry. */
export function dueRunOf(entry: { readonly pk: unknown; readonly sk: unknown; readonly dueAt: unknown }): DueRun {
  const customerId = customerIdOf(entry.pk);
  const sk = String(entry.sk);
  const dueAt = String(entry.dueAt);
  if (sk.startsWith(keyPrefix.journey)) {
    return { kind: 'journey', customerId, journeyId: sk.slice(keyPrefix.journey.length), dueAt };
  }
  if (sk.startsWith(keyPrefix.outbox))
    return { kind: 'outbox', customerId, outboxId: sk.slice(keyPrefix.outbox.length), dueAt };
  return { kind: 'reassess', customerId, dueAt };
}

/** The item key of any due-index entry: a journey run, a reassessment or an outbox entry. */
export function dueItemKey(run: DueRun): ItemKey {
  return run.kind === 'journey'
    ? { pk: keys.customer(run.customerId), sk: keys.journey(run.journeyId) }
    : timerKey(run);
}

/** The item key of a due timer (reassessment or outbox entry). */
export function timerKey(run: Exclude<DueRun, { kind: 'journey' }>): ItemKey {
  return { pk: keys.customer(run.customerId), sk: run.kind === 'outbox' ? keys.outbox(run.outboxId) : keys.reassess };
}

function digest(text: string): string {
  return createHash('sha256').update(text).digest('base64url').slice(0, 16);
}

// ---------------------------------------------------------------------------------------------------
// Offers: issued ones in the customer's partition, pools of codes in their own (OFFERPOOL#offer)
// ---------------------------------------------------------------------------------------------------

/** The offer a send was issued, under its reservation in the customer's partition. */
export function issuedOfferItem(offer: IssuedOffer): Item {
  return { pk: keys.customer(offer.customerId), sk: keys.issuedOffer(offer.key), entity: 'issued-offer', offer };
}

export function issuedOfferOf(item: Readonly<Record<string, unknown>> | undefined): IssuedOffer | undefined {
  return item?.offer as IssuedOffer | undefined;
}

/** A code the pool has held: kept once drawn, so that importing it again does not make it available twice. */
export function poolCodeItem(offer: string, code: string): Item {
  return { pk: keys.offerPool(offer), sk: keys.poolCode(code), entity: 'pool-code' };
}

/** A code of the pool still available to draw. */
export function poolAvailableItem(offer: string, code: string): Item {
  return { pk: keys.offerPool(offer), sk: keys.poolAvailable(code), entity: 'pool-available', code };
}

/** The code drawn for a send's reservation: drawing again for it gives this one. */
export function poolClaimItem(offer: string, key: string, code: string): Item {
  return { pk: keys.offerPool(offer), sk: keys.poolClaim(key), entity: 'pool-claim', code };
}

// ---------------------------------------------------------------------------------------------------
// Template partition (TEMPLATE#name): the kept versions of a stored email template, and its newest
// ---------------------------------------------------------------------------------------------------

/**
 * The most a version's compressed content may take in its item: DynamoDB's items hold at most 400 KB, and
 * SES's templates up to 500 KB. HTML compresses about tenfold, so in practice every template fits; one that
 * does not is kept without its content (its hash, verdict and who stay), and cannot be rolled back to.
 */
export const MAX_KEPT_CONTENT_BYTES = 300_000;

/** A kept version: its content gzipped (base64), under `VERSION#<seen at>#<hash>`, which sorts by time. */
export function templateVersionItem(version: TemplateVersion): Item {
  const { content, ...rest } = version;
  const packed = content ? gzipSync(JSON.stringify(content)).toString('base64') : undefined;
  const kept = packed !== undefined && packed.length <= MAX_KEPT_CONTENT_BYTES ? packed : undefined;
  return {
    pk: keys.template(version.template),
    sk: keys.templateVersion(version.seenAt, version.hash),
    entity: 'template-version',
    ...rest,
    problems: [...version.problems],
    ...(kept !== undefined ? { content: kept } : {}),
  };
}

export function templateVersionOf(item: Readonly<Record<string, unknown>>): TemplateVersion {
  const { pk: _pk, sk: _sk, entity: _entity, content, ...rest } = item;
  const unpacked =
    typeof content === 'string'
      ? (JSON.parse(gunzipSync(Buffer.from(content, 'base64')).toString('utf8')) as TemplateContent)
      : undefined;
  return { ...(rest as unknown as TemplateVersion), ...(unpacked ? { content: unpacked } : {}) };
}

/** A template's newest version, read by the dispatcher before each send of it; `version` is its number. */
export function templateStatusItem(status: TemplateStatus): Item {
  return {
    pk: keys.template(status.template),
    sk: keys.templateCurrentSk,
    entity: 'template-status',
    version: status.number,
    hash: status.hash,
    verdict: status.verdict,
    seenAt: status.seenAt,
    ...(status.who !== undefined ? { who: status.who } : {}),
  };
}

export function templateStatusOf(template: string, item: Readonly<Record<string, unknown>> | undefined) {
  if (!item) return undefined;
  return {
    template,
    number: item.version as number,
    hash: item.hash as string,
    verdict: item.verdict as TemplateStatus['verdict'],
    seenAt: item.seenAt as string,
    ...(typeof item.who === 'string' ? { who: item.who } : {}),
  } satisfies TemplateStatus;
}

// ---------------------------------------------------------------------------------------------------
// The audience index
// ---------------------------------------------------------------------------------------------------

/** Keys read from the audience index per page: the profiles of a page are then read in batches of 100. */
export const AUDIENCE_PAGE_SIZE = 100;

/**
 * The audience index partitions one segment of an audience reads, in order: every shard of the given
 * stages (of every stage without), dealt round the segments.
 */
export function audiencePartitions(
  stages: readonly LifecycleStage[] | undefined,
  segment: number,
  segments: number,
): string[] {
  if (!Number.isInteger(segments) || segments < 1 || !Number.isInteger(segment) || segment < 0 || segment >= segments) {
    throw new RangeError(`audience segment ${segment} of ${segments} does not exist`);
  }
  const all = (stages ?? LIFECYCLE_STAGES).flatMap((stage) =>
    Array.from({ length: AUDIENCE_SHARDS }, (_, shard) => keys.audienceShard(stage, shard)),
  );
  return all.filter((_, index) => index % segments === segment);
}

/** Where an audience segment's read stands: its partition, and the last profile read there. */
export interface AudiencePosition {
  readonly partition: number;
  readonly after?: string | undefined;
}

export class InvalidAudiencePositionError extends Error {
  override readonly name = 'InvalidAudiencePositionError';
}

/** The position a page's `resumeAfter` names (the start without one); refuses one that names no partition. */
export function audiencePositionOf(resumeAfter: string | undefined, partitions: number): AudiencePosition {
  if (resumeAfter === undefined) return { partition: 0 };
  let parsed: unknown;
  try {
    parsed = JSON.parse(resumeAfter);
  } catch {
    throw new InvalidAudiencePositionError('the audience position is not JSON');
  }
  const { partition, after } = (parsed ?? {}) as { partition?: unknown; after?: unknown };
  if (typeof partition !== 'number' || !Number.isInteger(partition) || partition < 0 || partition >= partitions) {
    throw new InvalidAudiencePositionError('the audience position names no partition of its segment');
  }
  if (after !== undefined && (typeof after !== 'string' || !after.startsWith(keyPrefix.customer))) {
    throw new InvalidAudiencePositionError('the audience position names no customer');
  }
  return after === undefined ? { partition } : { partition, after };
}

/**
 * Where the next page starts once a page of `partitions[position.partition]` read up to `last` (the pk of
 * its last profile key), with more there or not: the same partition, the next one, or none (the end).
 */
export function audienceResumeAfter(
  position: AudiencePosition,
  partitions: number,
  last: string | undefined,
  more: boolean,
): string | undefined {
  if (more && last !== undefined) return JSON.stringify({ partition: position.partition, after: last });
  const next = position.partition + 1;
  return next < partitions ? JSON.stringify({ partition: next }) : undefined;
}
