import type {
  CampaignState,
  CampaignStateWithoutProgress,
  SegmentProgress,
} from '../domain/campaigns/campaign-state.js';
import type { Customer, LifecycleStage } from '../domain/customer.js';
import type { CatalogueProduct, InventoryLevel, SourceName } from '../domain/events.js';
import type { ExperimentOutcome } from '../domain/experiments.js';
import type { StoreModel } from '../domain/intelligence/store-model.js';
import type { Enrollment } from '../domain/journeys/enrollment.js';
import type { OrderRecord } from '../domain/orders.js';
import type { CatalogueParts, KeptInventoryLink } from '../domain/product-catalogue.js';
import type { TemplateStatus, TemplateVersion } from '../domain/template-history.js';
import type { TimelineEntry } from '../domain/timeline.js';
import type { BusEvent } from './event-publisher.js';
import type { IssuedOffers, OfferPool } from './offer-codes.js';

export interface StoredEnrollment {
  readonly enrollment: Enrollment;
  /** Optimistic-lock version of the stored run. */
  readonly version: number;
}

/** A customer as stored: state, its version, its journey runs by journey id and its orders by key. */
export interface StoredCustomer {
  readonly customer: Customer;
  readonly version: number;
  readonly enrollments: ReadonlyMap<string, StoredEnrollment>;
  readonly orders: ReadonlyMap<string, OrderRecord>;
}

/** Which customers an email address and storefront aliases lead to (they can disagree). */
export interface CustomerLookup {
  readonly byEmail?: string | undefined;
  readonly byAlias?: string | undefined;
}

/**
 * What is known of an order outside any customer: who it belongs to, or, for an order without an email
 * (or a refund that arrived before its order), the order itself.
 */
export interface StoredOrderPointer {
  readonly key: string;
  readonly customerId?: string | undefined;
  readonly order?: OrderRecord | undefined;
  readonly version: number;
}

/** Everything one canonical event changes for one customer, written atomically or not at all. */
export interface EventCommit {
  /** The canonical event id; a second commit of the same id for the same customer is a duplicate. */
  readonly eventId: string;
  readonly customer: Customer;
  /** The version the change was computed from; `undefined` when the customer is new. */
  readonly expectedVersion: number | undefined;
  /** An address that now leads to this customer (new customer, or an email change). */
  readonly claimEmail?: string | undefined;
  /** An address that no longer leads to this customer (email change). */
  readonly releaseEmail?: string | undefined;
  /** Storefront aliases that now lead to this customer. */
  readonly claimAliases?: readonly string[] | undefined;
  /** Orders to write in the customer's partition; their pointers are set to this customer. */
  readonly orders?: readonly OrderRecord[] | undefined;
  readonly enrollments: readonly { readonly enrollment: Enrollment; readonly expectedVersion: number | undefined }[];
  readonly timeline: readonly TimelineEntry[];
  /**
   * When the customer must be assessed again because time alone may change their stage or segments;
   * `null` removes a pending check, `undefined` leaves it as it is.
   */
  readonly reassessAt?: string | null | undefined;
  /**
   * Events to publish once the change is stored (transactional outbox): written with the change, put on
   * the bus right after, and by the dispatcher if the writer stopped before it could.
   */
  readonly outbox?: readonly OutboxEntry[] | undefined;
  /**
   * The commit's receipt kept on the timeline instead of as an event receipt (a send's reservation): the
   * entry is written once under a key made from the event id, so a repeat is a `duplicate` as with a
   * receipt, and the timeline shows the send was reserved even if what followed was lost.
   */
  readonly receiptEntry?: TimelineEntry | undefined;
  /** Addresses that must never be emailed again, written with the change (a bounce, a complaint). */
  readonly suppressions?: readonly SuppressionRecord[] | undefined;
  /**
   * The change holds only while this journey run is still claimed by this dispatcher at this version: a
   * send's reservation, so that a run another writer ended or took since the claim sends nothing.
   */
  readonly fence?: RunFence | undefined;
  /**
   * The change holds only while this address (by its hash) is not suppressed: an email change, so that an
   * address suppressed meanwhile is never taken on unsuppressed.
   */
  readonly addressNotSuppressed?: string | undefined;
}

/** A claimed run at the version the claim holds: the condition of a send's reservation. */
export interface RunFence {
  readonly journeyId: string;
  readonly owner: string;
  readonly version: number;
  /** The dispatcher's clock: the lease must still hold then. */
  readonly at: string;
}

export interface OutboxEntry {
  /** Unique and stable: the same change always makes the same id. */
  readonly id: string;
  readonly event: BusEvent;
}

/** An order that belongs to nobody we can contact: counted for the store, never emailed. */
export interface AnonymousOrderCommit {
  readonly eventId: string;
  readonly order: OrderRecord;
  readonly expectedVersion: number | undefined;
  /** Business time of the commit: the event's receipt expires from it, as a customer's receipts do. */
  readonly receivedAt: Date;
}

/**
 * `conflict`: another writer changed the customer (or took the address) first; reload and retry.
 * `duplicate`: this event was already committed for this customer; nothing was written.
 */
export type CommitResult = 'committed' | 'duplicate' | 'conflict';

/** What the product keeps of an address it must never email again, or of a person it erased. */
export interface SuppressionRecord {
  /** SHA-256 of the normalised address: the address itself is not kept. */
  readonly emailHash: string;
  readonly reason: string;
  readonly at: string;
}

/** Everything that erasing one customer removes or keeps. */
export interface ErasurePlan {
  readonly customerId: string;
  readonly emails: readonly string[];
  readonly aliases: readonly string[];
  readonly suppressions: readonly SuppressionRecord[];
  /** The customer's orders, stripped of any link to the person, kept for the store's figures. */
  readonly anonymisedOrders: readonly OrderRecord[];
}

/** An export of everything held on a customer, kept for the store owner to fetch. */
export interface DataExport {
  readonly requestKey: string;
  /** The customer it is about: the export is then erased with them. */
  readonly customerId?: string | undefined;
  readonly createdAt: string;
  readonly document: unknown;
}

/**
 * Something due for a customer: the next step of a journey run, a time-driven reassessment, or an
 * outbox event its writer could not publish.
 */
export type DueRun = (
  | { readonly kind: 'journey'; readonly customerId: string; readonly journeyId: string; readonly dueAt: string }
  | { readonly kind: 'reassess'; readonly customerId: string; readonly dueAt: string }
  | { readonly kind: 'outbox'; readonly customerId: string; readonly outboxId: string; readonly dueAt: string }
) & {
  /**
   * The mark the fan-out's planner left when it put the item on the queue (`markEnqueued`): the item is
   * out of the due index until then, and a worker holding this mark may claim it before that.
   */
  readonly enqueuedUntil?: string | undefined;
};

/** A due reassessment or outbox entry reserved for one dispatcher. */
export interface ClaimedTimer {
  readonly run: Exclude<DueRun, { kind: 'journey' }>;
  readonly owner: string;
  readonly leaseUntil: string;
  /** For an outbox entry: the event to publish. */
  readonly event?: BusEvent | undefined;
}

/** A due run reserved for one dispatcher until `leaseUntil`. */
export interface ClaimedRun {
  readonly customerId: string;
  readonly enrollment: Enrollment;
  readonly version: number;
  readonly owner: string;
  readonly leaseUntil: string;
  /**
   * Claims of the current step not followed by a saved outcome, this one included. 1 on a clean first
   * try; more means an earlier dispatcher stopped (crashed or timed out) while holding the step.
   */
  readonly attempt: number;
  /**
   * The run's place in the due index as claimed (its indexed `dueAt`), when it has one: a save that keeps
   * the lease and the run due at once leaves it there rather than moving it (docs/performance.md).
   */
  readonly dueAt?: string | undefined;
}

export interface RunProgress {
  readonly enrollment: Enrollment;
  readonly timeline: readonly TimelineEntry[];
  /** Keep the lease (more steps run now) or let it go (the run waits or has ended). */
  readonly keepLease: boolean;
  /** When the lease kept ends: renewed at each step, so that a long claim never outlives its lease. */
  readonly leaseUntil?: string | undefined;
}

/*
 * The store's roles. A service or handler depends on the roles it uses, nothing more; the adapters implement
 * them all ({@link CustomerStore}).
 */

/** Customers and what happens to them: look-ups, the customer with their runs and orders, commits, timeline. */
export interface CustomerRecords {
  findCustomerId(email: string): Promise<string | undefined>;
  lookup(reference: {
    readonly email?: string | undefined;
    readonly alias?: string | undefined;
  }): Promise<CustomerLookup>;
  load(customerId: string): Promise<StoredCustomer | undefined>;
  commitEvent(commit: EventCommit): Promise<CommitResult>;
  /** Newest last, at most `limit` entries (the newest ones). */
  timeline(customerId: string, options?: { readonly limit?: number }): Promise<TimelineEntry[]>;
  /**
   * Adds entries to a customer's timeline, alone, while the customer exists (nothing is written for an
   * erased one); `tag` makes a repeat of the same entries write the same items.
   */
  appendTimeline(customerId: string, entries: readonly TimelineEntry[], tag: string): Promise<void>;

  findOrder(key: string): Promise<StoredOrderPointer | undefined>;
  commitAnonymousOrder(commit: AnonymousOrderCommit): Promise<CommitResult>;
}

/** Addresses that must never be emailed again, by hash: they outlive the customers they belonged to. */
export interface SuppressionList {
  findSuppression(emailHash: string): Promise<SuppressionRecord | undefined>;
  /**
   * Records that an address must never be emailed again (hard bounce, complaint), by its hash: it outlives
   * the customer record, so that the address stays suppressed if the person is erased and comes back.
   */
  suppress(record: SuppressionRecord): Promise<void>;
}

/** A person's or the whole shop's privacy requests: erasure, export, and their receipts. */
export interface PrivacyRecords {
  /** Removes a customer's personal data; idempotent, safe to run again after a failure. */
  eraseCustomer(plan: ErasurePlan): Promise<void>;
  saveExport(data: DataExport): Promise<void>;
  findExport(requestKey: string): Promise<DataExport | undefined>;
  /**
   * Whether the privacy request (an erasure) with this id was carried out before. Its receipt outlives
   * every erasure, so a request replayed months later, after the person signed up anew, changes nothing.
   */
  privacyRequestDone(requestId: string): Promise<boolean>;
  /** Records that a privacy request was carried out (after it was: a crash before this repeats it). */
  recordPrivacyRequest(requestId: string, at: string): Promise<void>;
  /**
   * Deletes every item but the suppression records and the privacy requests' receipts, one page at a
   * time; returns where to resume, or `undefined` when the table holds nothing else.
   */
  eraseEverything(resumeAfter: string | undefined, pageSize: number): Promise<string | undefined>;
}

/** Work that falls due: journey runs, reassessments and outbox entries, claimed under a lease. */
export interface DueWork {
  /** Runs due at or before `now`, oldest first within each shard, at most `limit`. */
  dueRuns(now: Date, limit: number): Promise<DueRun[]>;
  /** Reserves a due journey run; `undefined` when it is no longer due or another dispatcher holds it. */
  claimRun(
    run: Extract<DueRun, { kind: 'journey' }>,
    claim: { readonly owner: string; readonly now: Date; readonly leaseMs: number },
  ): Promise<ClaimedRun | undefined>;
  /**
   * Saves what happened to a claimed run, only while the claim still holds. Returns the renewed claim,
   * or `undefined` when the lease was lost (another writer ended or took the run).
   */
  saveRunProgress(claim: ClaimedRun, progress: RunProgress): Promise<ClaimedRun | undefined>;
  /**
   * Gives a claimed run back after a failure, due again at `retryAt`. The claim does not count as an
   * attempt, unless `mayHaveSent` (the mail service may have accepted the email before the call failed,
   * as in a timeout): then it counts, as a crash would, and the at-most-twice rule bounds the retries.
   */
  releaseRun(
    claim: ClaimedRun,
    retryAt: Date,
    timeline: readonly TimelineEntry[],
    options?: { readonly mayHaveSent?: boolean },
  ): Promise<void>;
  /** Reserves a due reassessment or outbox entry. */
  claimTimer(
    run: Exclude<DueRun, { kind: 'journey' }>,
    claim: { readonly owner: string; readonly now: Date; readonly leaseMs: number },
  ): Promise<ClaimedTimer | undefined>;
  /** The earliest due time of any run, for the local clock and the simulator. */
  nextDueAt(): Promise<string | undefined>;
  /**
   * Marks a due, unleased item as handed to a worker through the queue: it leaves the due index until
   * `until` (due again then, should its message be lost) and only a claim with the mark takes it before.
   * Returns the item with its mark, or `undefined` when it is no longer due, is leased or is marked already.
   */
  markEnqueued(run: DueRun, mark: { readonly now: Date; readonly until: Date }): Promise<DueRun | undefined>;
}

/** The transactional outbox's end: entries written with a change are removed once published. */
export interface Outbox {
  /** Removes published outbox entries. */
  deleteOutbox(customerId: string, ids: readonly string[]): Promise<void>;
}

/** The store model of the daily job, and the scan of every customer it is fitted from. */
export interface StoreModelRecords {
  loadModel(): Promise<StoreModel | undefined>;
  saveModel(model: StoreModel): Promise<void>;
  /**
   * Reads customers page by page (a parallel scan segment of `segments`); returns where to resume.
   * Used by the daily model job and the report.
   */
  scanCustomers(segment: number, segments: number, resumeAfter: string | undefined): Promise<ScanPage>;
}

/** Journey counters: what journeys did, in total, per step and per variant of a step's experiment. */
export interface JourneyStatistics {
  /** Adds to journey counters (atomic increments, so concurrent writers never lose a count). */
  addJourneyStats(updates: readonly JourneyStats[]): Promise<void>;
  /** The counters of the given journeys: totals, per step and per experiment variant. */
  journeyStats(journeyIds: readonly string[]): Promise<JourneyStats[]>;
}

/**
 * The state of a send step's experiment, shared by every dispatcher: when its first test email went, and the
 * winner once chosen. Each is written once, on the condition that it is absent; a second writer gets the first
 * one's.
 */
export interface ExperimentRecords {
  experiment(journeyId: string, stepId: string): Promise<ExperimentState>;
  /** Records the first test send's time, unless one is kept; returns the one kept. */
  recordExperimentStart(journeyId: string, stepId: string, at: string): Promise<string>;
  /** Records the decision, unless one is kept; returns the one kept. */
  recordExperimentDecision(decision: ExperimentDecision): Promise<ExperimentDecision>;
}

export interface ExperimentState {
  readonly startedAt?: string | undefined;
  readonly decision?: ExperimentDecision | undefined;
}

/** An experiment's winner, why, and the figures it was chosen on (experiments.ts). */
export interface ExperimentDecision {
  readonly journeyId: string;
  readonly stepId: string;
  readonly decidedAt: string;
  readonly metric: string;
  readonly confidence: number;
  readonly outcome: ExperimentOutcome;
}

/**
 * The product catalogue: one entry per product of each source. A change is kept only when it is newer,
 * by the storefront's time, than the one kept: `stale` when it is not (a late or repeated delivery, or a
 * state of a product deleted since), and nothing is written.
 */
export type CatalogueWrite = 'written' | 'stale';

/** What the catalogue keeps of a product priced apart: its parts at a version (none yet: no item), or its deletion. */
export type KeptProductParts =
  | { readonly deleted: true }
  | { readonly deleted: false; readonly version?: number; readonly parts: CatalogueParts };

/** The parts of a product priced apart, the product they make (if any), and the newest part's time. */
export interface ProductPartsWrite {
  /** The version read; none when there was no item. */
  readonly expectedVersion?: number | undefined;
  readonly parts: CatalogueParts;
  readonly product?: CatalogueProduct | undefined;
  readonly at: string;
}

/**
 * A product state kept, with the state it replaced in the same conditional write (`undefined` for a product
 * new to the catalogue or deleted before); or `stale`, and nothing replaced.
 */
export type ProductReplacement =
  | { readonly write: 'written'; readonly replaced: CatalogueProduct | undefined }
  | { readonly write: 'stale' };

/** One page of the customers interested in a product; `resumeAfter` when more may follow. */
export interface InterestPage {
  readonly customerIds: readonly string[];
  readonly resumeAfter: string | undefined;
}

export interface ProductCatalogue {
  /** Keeps a product's state, as of its `updatedAt`. */
  upsertProduct(source: SourceName, product: CatalogueProduct): Promise<CatalogueWrite>;
  /** The same as {@link upsertProduct}, and returns the state the write replaced. */
  replaceProduct(source: SourceName, product: CatalogueProduct): Promise<ProductReplacement>;
  /**
   * Notes that a customer is interested in a product (viewed it, or asked to be told) until `until`: one
   * entry per product and customer, written again to extend it.
   */
  recordInterest(source: SourceName, productId: string, customerId: string, until: Date): Promise<void>;
  /**
   * The customers interested in a product at `now`, at most `limit` a page, in a stable order, from after
   * `resumeAfter` (a page's own `resumeAfter`).
   */
  interestedCustomers(
    source: SourceName,
    productId: string,
    options: { readonly now: Date; readonly limit: number; readonly resumeAfter?: string | undefined },
  ): Promise<InterestPage>;
  /** Keeps a product's deletion at `deletedAt` (ISO 8601) as a tombstone. */
  deleteProduct(source: SourceName, productId: string, deletedAt: string): Promise<CatalogueWrite>;
  /** The parts of a product priced apart (Stripe), or its deletion. */
  findProductParts(source: SourceName, productId: string): Promise<KeptProductParts>;
  /**
   * Keeps the parts of a product priced apart and the product they make: `conflict` when the item changed
   * since it was read (another part, or a deletion, was written meanwhile), and nothing is written.
   */
  writeProductParts(source: SourceName, productId: string, write: ProductPartsWrite): Promise<'written' | 'conflict'>;
  /** Keeps the links of inventory items to their product, replacing those kept (an item stays with its variant). */
  keepInventoryLinks(source: SourceName, links: readonly KeptInventoryLink[]): Promise<void>;
  /** The link of an inventory item to its product, if a product payload named it. */
  findInventoryLink(source: SourceName, itemId: string): Promise<KeptInventoryLink | undefined>;
  /** Keeps one item's stock at one location, unless the one kept is as new or newer. */
  keepInventoryLevel(source: SourceName, productId: string, level: InventoryLevel): Promise<CatalogueWrite>;
  /** The stock of one of a product's inventory items at every location known. */
  findInventoryLevels(source: SourceName, productId: string, itemId: string): Promise<InventoryLevel[]>;
  /** The product, unless it is unknown or deleted. */
  findProduct(source: SourceName, productId: string): Promise<CatalogueProduct | undefined>;
  /** The products of these ids that are known and not deleted, in the order of `productIds`. */
  findProducts(source: SourceName, productIds: readonly string[]): Promise<CatalogueProduct[]>;
}

export type { CampaignState, CampaignStateWithoutProgress, SegmentProgress };

/** What enrolling one recipient of a campaign did: enrolled now, enrolled before, or the customer is gone. */
export type CampaignEnrollment = 'enrolled' | 'exists' | 'customer_missing';

/** Campaigns: their state, their recipients' runs, and the imported lists their audiences name. */
export interface CampaignRecords {
  /** The states of these campaigns, by id; a campaign never scheduled has none. */
  campaignStates(campaignIds: readonly string[]): Promise<Map<string, CampaignState>>;
  /**
   * The states of these campaigns without their segments' progress, by id: one read of each state item,
   * none of the segment items, for readers of the status alone.
   */
  campaignStatuses(campaignIds: readonly string[]): Promise<Map<string, CampaignStateWithoutProgress>>;
  /**
   * Writes a campaign's state at its version + 1, only over the version it was read at: `false` when another
   * writer came first. Its segments' progress (`enrollment`) is not written here, but its number is kept.
   */
  writeCampaignState(state: CampaignState): Promise<boolean>;
  /**
   * Writes where one segment of a campaign's enrollment stands, an item of its own, at its version + 1, only
   * over the version it was read at (none: not written before): `false` when another writer came first.
   */
  writeSegmentProgress(campaignId: string, segment: number, progress: SegmentProgress): Promise<boolean>;
  /**
   * Enrolls a recipient, with the timeline entries that say so: the run is written only if the customer has
   * none in this journey and still exists.
   */
  enrollCampaignRun(
    customerId: string,
    enrollment: Enrollment,
    timeline: readonly TimelineEntry[],
  ): Promise<CampaignEnrollment>;
  /** Adds customers to an imported list. */
  addToCampaignList(name: string, customerIds: readonly string[]): Promise<void>;
  /** The customers of an imported list. */
  campaignList(name: string): Promise<Set<string>>;
  /**
   * Whether the audience index serves: every profile carries its key ({@link AudienceIndexStamping}
   * found none missing in a whole pass). Until then audiences are read with the scan.
   */
  audienceIndexReady(): Promise<boolean>;
  /**
   * A page of the profiles in the audience index, of the given stages or of every stage: its
   * partitions (a stage's shard each) are dealt round the `segments`, and `segment` reads its own one
   * after the other. Profiles are read eventually consistent; returns where to resume.
   */
  readAudience(
    stages: readonly LifecycleStage[] | undefined,
    segment: number,
    segments: number,
    resumeAfter: string | undefined,
  ): Promise<AudiencePage>;
}

/** One page of an audience read through the audience index. */
export interface AudiencePage {
  readonly customers: readonly { readonly customer: Customer; readonly version: number }[];
  readonly resumeAfter: string | undefined;
}

/** Profiles written before the audience index get their key from the daily model job, which reads them all. */
export interface AudienceIndexStamping {
  /**
   * Writes the audience index key onto a profile that has none, only while it is at `version` (a profile
   * written meanwhile has its key already). `false` when it had changed.
   */
  stampAudienceKey(customer: Customer, version: number): Promise<boolean>;
  /** Notes that a whole pass found every profile with its key: audiences are read through the index. */
  markAudienceIndexReady(): Promise<void>;
}

/** The kept versions of the stored email templates (domain/template-history.ts). */
export interface TemplateVersions {
  /** The newest version of a template, or `undefined` before its first sight: one `GetItem`. */
  templateStatus(template: string): Promise<TemplateStatus | undefined>;
  /** Every kept version of a template, oldest first. */
  templateVersions(template: string): Promise<TemplateVersion[]>;
  /**
   * Keeps a new version and makes it the template's newest, on condition that the newest is still
   * `previous` (`undefined`: none yet). `conflict` when another writer kept one meanwhile.
   */
  keepTemplateVersion(version: TemplateVersion, previous: number | undefined): Promise<'kept' | 'conflict'>;
  /**
   * Rewrites a kept version with who made it (found after it was kept), on condition that it is still the
   * template's newest. `conflict` when a newer version was kept meanwhile.
   */
  nameTemplateEditor(version: TemplateVersion): Promise<'kept' | 'conflict'>;
}

/**
 * Every role at once, as the adapters implement them: DynamoDB when deployed and locally; its emulated
 * table in the simulator.
 */
export type CustomerStore = CustomerRecords &
  SuppressionList &
  PrivacyRecords &
  DueWork &
  Outbox &
  StoreModelRecords &
  AudienceIndexStamping &
  JourneyStatistics &
  ExperimentRecords &
  ProductCatalogue &
  IssuedOffers &
  OfferPool &
  CampaignRecords &
  TemplateVersions;

/** What happened in a journey, per step and in total: sends, outcomes, engagement and conversions. */
export interface JourneyCounters {
  readonly entered?: number;
  readonly completed?: number;
  readonly exited?: number;
  readonly sent?: number;
  readonly deferred?: number;
  /** Sends dropped as stale after waiting too long behind the guardrails. */
  readonly dropped?: number;
  readonly suppressed?: number;
  readonly skipped?: number;
  readonly failed?: number;
  readonly delivered?: number;
  readonly bounced?: number;
  readonly complained?: number;
  /** Unsubscribes within the goal window of the journey's email that was the person's last touch. */
  readonly unsubscribed?: number;
  readonly rejected?: number;
  readonly renderingFailed?: number;
  readonly opened?: number;
  readonly clicked?: number;
  readonly converted?: number;
  /** Attributed revenue, reporting minor units. */
  readonly revenue?: number;
  /** Sends that carried a single-use offer code of their own. */
  readonly offersIssued?: number;
  /** Orders that used such a code, counted once per order and offer. */
  readonly offersRedeemed?: number;
  /** The revenue of those orders, reporting minor units. */
  readonly offerRevenue?: number;
  /** Runs that fell in a split's holdout (no email), and those that went into one of its variants. */
  readonly holdoutEntered?: number;
  readonly treated?: number;
  /** Orders in the goal window after the split, once per run: the holdout's, and the treated group's. */
  readonly holdoutConverted?: number;
  readonly treatedConverted?: number;
  /** Their revenue, reporting minor units. */
  readonly holdoutRevenue?: number;
  readonly treatedRevenue?: number;
  /**
   * Σ (revenue / 100)², each order's revenue in hundreds of minor units squared and rounded: for the
   * interval on revenue per customer. Kept in hundreds so that the sum stays an exact JavaScript integer.
   */
  readonly holdoutRevenueSquares?: number;
  readonly treatedRevenueSquares?: number;
  /** Exits by reason (`exited:event:order.placed`, `exited:holdout`…), beside the `exited` total. */
  readonly [exitReason: `exited:${string}`]: number | undefined;
}

/** The counters of one exit: the total and the reason. */
export function exitCounters(reason: string): JourneyCounters {
  return { exited: 1, [`exited:${reason}`]: 1 };
}

export interface JourneyStats {
  readonly journeyId: string;
  /** `undefined` for the journey's totals. */
  readonly stepId?: string | undefined;
  /** One variant of the step's experiment (its own row beside the step's); only with a step. */
  readonly variantId?: string | undefined;
  readonly counters: JourneyCounters;
}

/** One page of a scan: customer profiles, their orders, and the orders of nobody (store orders). */
export interface ScanPage {
  readonly customers: readonly {
    readonly customer: Customer;
    readonly version: number;
    /** The profile lacks its audience index key, or carries a stale one: written before the index. */
    readonly unindexed?: boolean | undefined;
  }[];
  readonly orders: readonly { readonly customerId?: string | undefined; readonly order: OrderRecord }[];
  readonly resumeAfter: string | undefined;
}
