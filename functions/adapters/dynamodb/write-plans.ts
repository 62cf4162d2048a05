import type { Customer } from '../../domain/customer.js';
import type { InventoryLevel, SourceName } from '../../domain/events.js';
import type { Enrollment } from '../../domain/journeys/enrollment.js';
import type { IssuedOffer } from '../../domain/offers.js';
import type { OrderRecord } from '../../domain/orders.js';
import type { CatalogueChange } from '../../domain/product-catalogue.js';
import { statusOf, type TemplateVersion } from '../../domain/template-history.js';
import type { TimelineEntry } from '../../domain/timeline.js';
import type {
  AnonymousOrderCommit,
  CampaignState,
  ClaimedRun,
  ErasurePlan,
  EventCommit,
  ExperimentDecision,
  ProductPartsWrite,
  RunProgress,
  SegmentProgress,
  StoredCustomer,
  StoredEnrollment,
} from '../../ports/customer-store.js';
import { hashEmail } from '../email-hash.js';
import {
  aliasItem,
  anonymousOrderPointerItem,
  campaignItem,
  campaignSegmentItem,
  customerItem,
  customerOrderPointerItem,
  emailItem,
  enrollmentItem,
  eventReceiptItem,
  experimentDecisionItem,
  experimentStartItem,
  type Item,
  type ItemKey,
  inventoryLevelItem,
  issuedOfferItem,
  orderItem,
  outboxItem,
  poolAvailableItem,
  poolClaimItem,
  poolCodeItem,
  productItem,
  productPartsItem,
  reassessItem,
  runProgressItem,
  suppressionItem,
  templateStatusItem,
  templateVersionItem,
  timelineItems,
  timelineTags,
} from './items.js';
import { keys } from './table-design.js';

/*
 * What a store call writes, and on which conditions, decided once for both stores: the DynamoDB adapter
 * turns a plan into a transaction with condition expressions, the emulated table into writes with
 * predicates. Every condition a store call puts on an item is one of these, claims and leases included,
 * so the two can only differ in how they read a condition, which tests/integration/write-conditions.test.ts
 * compares case by case. No AWS SDK here.
 */

/** What the item under a write's key must be for the write to happen. */
export type WriteCondition =
  /** No item under the key yet. */
  | { readonly kind: 'absent' }
  /** The item exists at this version. */
  | { readonly kind: 'at-version'; readonly version: number }
  /** No item, or one whose `customerId` is this customer's (an email or alias look-up). */
  | { readonly kind: 'absent-or-owned-by'; readonly customerId: string }
  /** The item is at this version and no customer has claimed it (an anonymous order's pointer). */
  | { readonly kind: 'unclaimed-at-version'; readonly version: number }
  /**
   * A journey run claimed by this owner, at this version (nobody ended or took it since), its lease still
   * running at `at` (a send's fence).
   */
  | { readonly kind: 'leased-at-version'; readonly owner: string; readonly version: number; readonly at: string }
  /** A run claimed by this owner, at this version, however late: the writes of the claim's holder. */
  | { readonly kind: 'claimed-at-version'; readonly owner: string; readonly version: number }
  /**
   * A run or timer in the due index, due at `at` or before (or still under the planner's mark
   * `enqueuedUntil`, when given), whose lease (if any) ended before `at`.
   */
  | { readonly kind: 'due-unleased'; readonly at: string; readonly enqueuedUntil?: string | undefined }
  /** No suppression under the key, or only the mark an erasure left (a new relationship is allowed). */
  | { readonly kind: 'not-suppressed' }
  /** The item exists (the customer was not erased). */
  | { readonly kind: 'present' }
  /** No item, or one whose `changedAt` is before `at`: a catalogue change newer than the one kept. */
  | { readonly kind: 'absent-or-changed-before'; readonly at: string }
  /** No item, or one whose `requests` count is below `limit`: a request counter with room left. */
  | { readonly kind: 'absent-or-below'; readonly limit: number };

const absent: WriteCondition = { kind: 'absent' };

/** A new item (no expected version) or the item at the expected version. */
function absentOrAtVersion(expectedVersion: number | undefined): WriteCondition {
  return expectedVersion === undefined ? absent : { kind: 'at-version', version: expectedVersion };
}

export function absentOrOwnedBy(customerId: string): WriteCondition {
  return { kind: 'absent-or-owned-by', customerId };
}

/**
 * What claiming a run or a timer at `now` requires: it is due (or it is where the planner's mark put it,
 * when the claim holds that mark), and no lease holds it then.
 */
export function claimableAt(now: Date, enqueuedUntil?: string): WriteCondition {
  return { kind: 'due-unleased', at: now.toISOString(), ...(enqueuedUntil ? { enqueuedUntil } : {}) };
}

/**
 * What every write of a claim's holder requires: the run is still theirs at the claim's version. The lease
 * may have run out: nobody took the run meanwhile, so what the holder did still counts.
 */
export function stillClaimed(claim: Pick<ClaimedRun, 'owner' | 'version'>): WriteCondition {
  return { kind: 'claimed-at-version', owner: claim.owner, version: claim.version };
}

/** One write of a transaction, or a condition on another item that the transaction needs (ConditionCheck). */
export type PlannedWrite =
  | { readonly put: Item; readonly condition?: WriteCondition }
  | { readonly delete: ItemKey; readonly condition?: WriteCondition }
  | { readonly check: ItemKey; readonly condition: WriteCondition };

/**
 * The transaction of an event's change to a customer. The receipt comes first: when its condition fails,
 * the event was committed before (`duplicate`); any other failed condition is a `conflict`.
 */
export function eventCommitWrites(commit: EventCommit, dueShards: number): PlannedWrite[] {
  const customerId = commit.customer.id;
  const pk = keys.customer(customerId);
  const receipt = commit.receiptEntry
    ? (timelineItems(customerId, [commit.receiptEntry], timelineTags.event(commit.eventId))[0] as Item)
    : eventReceiptItem(pk, commit.eventId, new Date(commit.customer.updatedAt));
  const writes: PlannedWrite[] = [
    { put: receipt, condition: absent },
    {
      put: customerItem(commit.customer, (commit.expectedVersion ?? 0) + 1),
      condition: absentOrAtVersion(commit.expectedVersion),
    },
  ];
  if (commit.claimEmail) {
    writes.push({ put: emailItem(commit.claimEmail, customerId), condition: absentOrOwnedBy(customerId) });
  }
  if (commit.releaseEmail) {
    writes.push({
      delete: { pk: keys.email(commit.releaseEmail), sk: keys.emailSk },
      condition: absentOrOwnedBy(customerId),
    });
  }
  for (const alias of commit.claimAliases ?? []) {
    writes.push({ put: aliasItem(alias, customerId), condition: absentOrOwnedBy(customerId) });
  }
  for (const order of commit.orders ?? []) {
    // The pointer now only says whose order it is; anything kept on it before is in the order.
    writes.push({ put: orderItem(customerId, order) }, { put: customerOrderPointerItem(order.key, customerId) });
  }
  for (const { enrollment, expectedVersion } of commit.enrollments) {
    writes.push({
      put: enrollmentItem(customerId, enrollment, (expectedVersion ?? 0) + 1, dueShards),
      condition: absentOrAtVersion(expectedVersion),
    });
  }
  if (commit.reassessAt === null) {
    writes.push({ delete: { pk, sk: keys.reassess } });
  } else if (commit.reassessAt !== undefined) {
    writes.push({ put: reassessItem(customerId, commit.reassessAt, dueShards) });
  }
  for (const entry of commit.outbox ?? []) {
    writes.push({ put: outboxItem(customerId, entry, commit.customer.updatedAt, dueShards) });
  }
  for (const item of timelineItems(customerId, commit.timeline, timelineTags.event(commit.eventId))) {
    writes.push({ put: item });
  }
  for (const suppression of commit.suppressions ?? []) writes.push({ put: suppressionItem(suppression) });
  if (commit.fence) {
    writes.push({
      check: { pk, sk: keys.journey(commit.fence.journeyId) },
      condition: {
        kind: 'leased-at-version',
        owner: commit.fence.owner,
        version: commit.fence.version,
        at: new Date(commit.fence.at).toISOString(),
      },
    });
  }
  if (commit.addressNotSuppressed) {
    writes.push({
      check: { pk: keys.suppression(commit.addressNotSuppressed), sk: keys.suppressionSk },
      condition: { kind: 'not-suppressed' },
    });
  }
  return writes;
}

/** Timeline entries alone, while the customer's profile exists. */
export function timelineAppendWrites(
  customerId: string,
  entries: readonly TimelineEntry[],
  tag: string,
): PlannedWrite[] {
  return [
    { check: { pk: keys.customer(customerId), sk: keys.profile }, condition: { kind: 'present' } },
    ...timelineItems(customerId, entries, tag).map((item) => ({ put: item })),
  ];
}

/** What a claimed run's progress writes: the run, while the claim holds, and its timeline entries. */
export function runProgressWrites(claim: ClaimedRun, progress: RunProgress, dueShards: number): PlannedWrite[] {
  const timeline = timelineItems(
    claim.customerId,
    progress.timeline,
    timelineTags.runProgress(claim.enrollment.runId, claim.version),
  );
  return [
    { put: runProgressItem(claim, progress, dueShards), condition: stillClaimed(claim) },
    ...timeline.map((item) => ({ put: item })),
  ];
}

/**
 * A campaign's state: written over the version it was read at (none: a campaign never scheduled), so that
 * each change of status (domain/campaigns/campaign-state.ts) is decided on the state as it is.
 */
export function campaignStateWrite(state: CampaignState): PlannedWrite {
  return { put: campaignItem(state, (state.version ?? 0) + 1), condition: absentOrAtVersion(state.version) };
}

/** Where one segment of a campaign's enrollment stands: written over its own version (none: not yet written). */
export function campaignSegmentWrite(campaignId: string, segment: number, progress: SegmentProgress): PlannedWrite {
  return {
    put: campaignSegmentItem(campaignId, segment, progress, (progress.version ?? 0) + 1),
    condition: absentOrAtVersion(progress.version),
  };
}

/**
 * A campaign's recipient enrolled: their run, only if they have none in the campaign's journey (a restarted
 * enrollment never enrolls anyone twice), and only while the customer exists (not erased since the scan).
 * The run comes first: its failed condition means `exists`.
 */
export function campaignRunWrites(
  customerId: string,
  enrollment: Enrollment,
  timeline: readonly TimelineEntry[],
  dueShards: number,
): PlannedWrite[] {
  return [
    { put: enrollmentItem(customerId, enrollment, 1, dueShards), condition: absent },
    { check: { pk: keys.customer(customerId), sk: keys.profile }, condition: { kind: 'present' } },
    ...timelineItems(customerId, timeline, timelineTags.event(enrollment.runId)).map((item) => ({ put: item })),
  ];
}

/** The transaction of an order event nobody can be contacted about: its receipt first, then the pointer. */
export function anonymousOrderWrites(commit: AnonymousOrderCommit): PlannedWrite[] {
  return [
    { put: eventReceiptItem(keys.order(commit.order.key), commit.eventId, commit.receivedAt), condition: absent },
    {
      put: anonymousOrderPointerItem(commit.order, (commit.expectedVersion ?? 0) + 1),
      // A customer claimed the order meanwhile: retry, and the event goes to them.
      condition:
        commit.expectedVersion === undefined
          ? absent
          : { kind: 'unclaimed-at-version', version: commit.expectedVersion },
    },
  ];
}

/**
 * The parts of a product priced apart: written only over the item as it was read (each part was checked
 * newer than the one kept), so that two parts written at once are both kept, and a deletion meanwhile stays.
 */
export function productPartsWrite(source: SourceName, productId: string, write: ProductPartsWrite): PlannedWrite {
  return { put: productPartsItem(source, productId, write), condition: absentOrAtVersion(write.expectedVersion) };
}

/** One item's stock at one location: written only over an older one, like a product's state. */
export function inventoryLevelWrite(source: SourceName, productId: string, level: InventoryLevel): PlannedWrite {
  const put = inventoryLevelItem(source, productId, level);
  return { put, condition: { kind: 'absent-or-changed-before', at: put.changedAt as string } };
}

/**
 * A change to the catalogue: written only over an older one (a product's state or tombstone), so that a
 * state delivered late or twice changes nothing and a deleted product stays deleted.
 */
export function catalogueWrite(change: CatalogueChange): PlannedWrite {
  return { put: productItem(change), condition: { kind: 'absent-or-changed-before', at: change.at } };
}

/** A send's offer: recorded once under its reservation; a second writer finds the first one's. */
export function issuedOfferWrite(offer: IssuedOffer): PlannedWrite {
  return { put: issuedOfferItem(offer), condition: absent };
}

/** The first test send of an experiment: kept once, so every dispatcher counts `decideAfter` from the same time. */
export function experimentStartWrite(journeyId: string, stepId: string, at: string): PlannedWrite {
  return { put: experimentStartItem(journeyId, stepId, at), condition: absent };
}

/** An experiment's decision: taken once, by whichever dispatcher gets there first; the others read it. */
export function experimentDecisionWrite(decision: ExperimentDecision): PlannedWrite {
  return { put: experimentDecisionItem(decision), condition: absent };
}

/**
 * A new version of a template, and its newest from now on: only while the newest is still the one the
 * version follows (none, for version 1), so that two checks seeing one edit keep it once.
 */
/**
 * Who made a kept version, found after it was kept: the version and the template's newest item rewritten
 * with it, on condition that the version is still the newest.
 */
export function templateEditorWrites(version: TemplateVersion): PlannedWrite[] {
  return [
    { put: templateVersionItem(version) },
    { put: templateStatusItem(statusOf(version)), condition: { kind: 'at-version', version: version.number } },
  ];
}

export function templateVersionWrites(version: TemplateVersion, previous: number | undefined): PlannedWrite[] {
  return [
    { put: templateVersionItem(version), condition: absent },
    {
      put: templateStatusItem(statusOf(version)),
      condition: previous === undefined ? absent : { kind: 'at-version', version: previous },
    },
  ];
}

/** A code added to a pool: only one the pool never held, so a code drawn once is never available again. */
export function poolCodeWrites(offer: string, code: string): PlannedWrite[] {
  return [{ put: poolCodeItem(offer, code), condition: absent }, { put: poolAvailableItem(offer, code) }];
}

/**
 * A code drawn from a pool for a reservation: it must still be available (another draw may have taken it:
 * try the next), and the reservation must have drawn none yet (when it has, that one is its code).
 */
export function poolDrawWrites(offer: string, code: string, key: string): PlannedWrite[] {
  return [
    { delete: { pk: keys.offerPool(offer), sk: keys.poolAvailable(code) }, condition: { kind: 'present' } },
    { put: poolClaimItem(offer, key, code), condition: absent },
  ];
}

/** A pool as a draw sees it, in either store. */
export interface PoolAccess {
  /** The code the reservation drew before, if it did. */
  claimed(): Promise<string | undefined>;
  /** Up to `limit` available codes, in key order. */
  available(limit: number): Promise<string[]>;
  /** Writes {@link poolDrawWrites} for `code`: `undefined` when written, else the index of the write that failed. */
  draw(code: string): Promise<number | undefined>;
}

/**
 * Draws a code for a reservation, the same way in both stores: the code it drew before, else the first
 * available one it can take (others drawing at the same time take the rest); none when the pool is empty.
 */
export async function drawFromPool(pool: PoolAccess): Promise<string | undefined> {
  const before = await pool.claimed();
  if (before !== undefined) return before;
  for (;;) {
    const candidates = await pool.available(10);
    if (candidates.length === 0) return undefined;
    for (const code of candidates) {
      const failed = await pool.draw(code);
      if (failed === undefined) return code;
      // The reservation drew a code meanwhile (a second attempt racing the first): that one is its code.
      if (failed === 1) return pool.claimed();
    }
  }
}

/**
 * One more request on a counter of `POST /collect`: the item's `requests` goes up by one, on the condition
 * that it holds fewer than `limit`, and the table's TTL removes it once its window is over.
 */
export function requestCountWrite(
  counter: string,
  limit: number,
  expiresAt: Date,
): { readonly key: ItemKey; readonly expiresAt: number; readonly condition: WriteCondition } {
  return {
    key: { pk: keys.rateCounter(counter), sk: keys.rateCounterSk },
    expiresAt: Math.floor(expiresAt.getTime() / 1000),
    condition: { kind: 'absent-or-below', limit },
  };
}

/**
 * A customer with their runs and orders, from the items of their `JOURNEY#` … `PROFILE` key range (one
 * consistent query in DynamoDB); `undefined` without a profile.
 */
export function storedCustomerOf(items: readonly Item[]): StoredCustomer | undefined {
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

/** One step of an erasure, done in order; each is safe to do again. */
export type ErasureStep =
  | { readonly put: Item }
  | { readonly deleteAll: readonly ItemKey[] }
  /** Deleted unless it belongs to another customer now (an address or alias taken since): theirs to keep. */
  | { readonly deleteUnlessOwnedByOther: ItemKey; readonly customerId: string };

/**
 * The steps of erasing a person, given the items of their partition (`pk`, `sk`, `entity`). The order is
 * what makes a retry after a failure safe: suppressions first, then every message stopped, then the
 * orders kept anonymously, then everything else, and the look-up items last, so that a retry still finds
 * what is left to erase.
 */
/** The partitions that link the erased person's addresses to the visitors who identified with them. */
export function visitorLinkPartitions(plan: ErasurePlan): string[] {
  return plan.emails.map((email) => keys.visitorLinks(hashEmail(email)));
}

export function erasureSteps(
  plan: ErasurePlan,
  partition: readonly { readonly pk: string; readonly sk: string; readonly entity?: unknown }[],
  /** The items of the person's addresses' visitor-link partitions (`visitorLinkPartitions`). */
  visitorLinks: readonly ItemKey[] = [],
): ErasureStep[] {
  const keyOf = ({ pk, sk }: ItemKey) => ({ pk, sk });
  const steps: ErasureStep[] = plan.suppressions.map((suppression) => ({ put: suppressionItem(suppression) }));
  if (plan.customerId !== '') {
    steps.push({ deleteAll: partition.filter((item) => item.entity === 'journey-run').map(keyOf) });
    for (const order of plan.anonymisedOrders) steps.push({ put: anonymousOrderPointerItem(order, 1) });
    steps.push({ deleteAll: partition.filter((item) => item.entity !== 'journey-run').map(keyOf) });
    // Their data exports went with the partition; the pointers to them go too.
    steps.push({
      deleteAll: partition
        .filter((item) => item.entity === 'export')
        .map((item) => ({ pk: item.sk, sk: keys.exportSk })),
    });
  }
  // The browsers they identified in (POST /collect) forget them, and the links to those browsers go too.
  if (visitorLinks.length > 0) {
    steps.push({ deleteAll: visitorLinks.flatMap((link) => [{ pk: link.sk, sk: keys.visitorSk }, keyOf(link)]) });
  }
  for (const email of plan.emails) {
    steps.push({ deleteUnlessOwnedByOther: { pk: keys.email(email), sk: keys.emailSk }, customerId: plan.customerId });
  }
  for (const alias of plan.aliases) {
    steps.push({ deleteUnlessOwnedByOther: { pk: keys.alias(alias), sk: keys.aliasSk }, customerId: plan.customerId });
  }
  return steps;
}
