/**
 * The single-table design, shared by the CDK construct, the local runtime and the adapter. Every item
 * type and its keys are documented in docs/architecture.md.
 */
export const TABLE_DESIGN = {
  partitionKey: 'pk',
  sortKey: 'sk',
  /** Epoch seconds; DynamoDB deletes the item some time after. */
  ttlAttribute: 'expiresAt',
  dueIndex: {
    name: 'due',
    partitionKey: 'dueShard',
    sortKey: 'dueAt',
  },
  /**
   * Profiles only, by stage: `AUDIENCE#<stage>#<shard>` (docs/campaigns.md, "What an audience costs").
   * Keys only, and a key that changes only with the stage: a send's or an event's write of the profile
   * writes nothing to it.
   */
  audienceIndex: {
    name: 'audience',
    partitionKey: 'audienceShard',
  },
} as const;

/**
 * Partitions of each stage of the audience index. Fixed, unlike the due index's shards: every profile
 * carries its shard, and another number would need every profile written again.
 */
export const AUDIENCE_SHARDS = 16;

/** The prefixes of the keys that are read or told apart by prefix (range queries, scans, parsing). */
export const keyPrefix = {
  customer: 'CUSTOMER#',
  journey: 'JOURNEY#',
  order: 'ORDER#',
  suppression: 'SUPPRESSION#',
  privacyRequest: 'PRIVACY#',
  timeline: 'TIMELINE#',
  outbox: 'OUTBOX#',
  step: 'STEP#',
  product: 'PRODUCT#',
  inventoryLevel: 'LEVEL#',
  offerPool: 'OFFERPOOL#',
  issuedOffer: 'ISSUED#',
  poolAvailable: 'AVAILABLE#',
  interest: 'INTEREST#',
  template: 'TEMPLATE#',
  templateVersion: 'VERSION#',
} as const;

export const keys = {
  customer: (customerId: string) => `${keyPrefix.customer}${customerId}`,
  profile: 'PROFILE',
  email: (email: string) => `EMAIL#${email}`,
  emailSk: 'EMAIL',
  eventReceipt: (eventId: string) => `EVENT#${eventId}`,
  journey: (journeyId: string) => `${keyPrefix.journey}${journeyId}`,
  order: (orderKey: string) => `${keyPrefix.order}${orderKey}`,
  orderPointerSk: 'ORDER',
  alias: (alias: string) => `ALIAS#${alias}`,
  aliasSk: 'ALIAS',
  suppression: (emailHash: string) => `${keyPrefix.suppression}${emailHash}`,
  suppressionSk: 'SUPPRESSION',
  privacyRequest: (requestId: string) => `${keyPrefix.privacyRequest}${requestId}`,
  privacyRequestSk: 'PRIVACY',
  export: (requestKey: string) => `EXPORT#${requestKey}`,
  exportSk: 'EXPORT',
  timeline: (at: string, suffix: string) => `${keyPrefix.timeline}${at}#${suffix}`,
  reassess: 'TIMER#reassess',
  outbox: (id: string) => `${keyPrefix.outbox}${id}`,
  store: 'STORE',
  journeyStats: (journeyId: string) => `STATS#journey#${journeyId}`,
  statsTotal: 'TOTAL',
  statsStep: (stepId: string) => `${keyPrefix.step}${stepId}`,
  /** One variant of a step's experiment, beside the step's row (ids have no `#`). */
  statsVariant: (stepId: string, variantId: string) => `${keyPrefix.step}${stepId}#VARIANT#${variantId}`,
  /** A send step's experiment: its start and its decision, one item each. */
  experiment: (journeyId: string, stepId: string) => `EXPERIMENT#${journeyId}#${stepId}`,
  experimentStartSk: 'START',
  experimentDecisionSk: 'DECISION',
  model: 'MODEL',
  dueShard: (shard: number) => `DUE#${shard}`,
  audienceShard: (stage: string, shard: number) => `AUDIENCE#${stage}#${shard}`,
  /** Written when a pass over every profile found none without its audience index key. */
  audienceIndexReady: 'AUDIENCEINDEX',
  audienceIndexReadySk: 'STAMPED',
  sending: 'SENDING',
  sendingLimitsSk: 'LIMITS',
  product: (productKey: string) => `${keyPrefix.product}${productKey}`,
  productSk: 'PRODUCT',
  /** A request counter of `POST /collect`: `ip#<hash>#<window>` or `key#<name>#<window>`. */
  rateCounter: (counter: string) => `RATE#${counter}`,
  rateCounterSk: 'RATE',
  /** A visitor of `POST /collect`: `<key name>#<anonymous id>`. */
  visitor: (visitorKey: string) => `VISITOR#${visitorKey}`,
  visitorSk: 'VISITOR',
  /**
   * The visitors who identified with one address (hash of it, as suppressions keep it): one item per visitor,
   * its sort key the visitor item's partition key, so an erasure finds and deletes them by the address.
   */
  visitorLinks: (emailHash: string) => `VISITORLINKS#${emailHash}`,
  inventoryLink: (itemKey: string) => `INVENTORY#${itemKey}`,
  inventoryLinkSk: 'INVENTORY',
  /** In the product's partition: one item's stock at one location. */
  inventoryLevel: (itemId: string, locationId: string) => `${keyPrefix.inventoryLevel}${itemId}#${locationId}`,
  inventoryLevelsOf: (itemId: string) => `${keyPrefix.inventoryLevel}${itemId}#`,
  /** In the customer's partition, before `JOURNEY#`: loading a customer does not read their offers. */
  issuedOffer: (key: string) => `${keyPrefix.issuedOffer}${key}`,
  offerPool: (offer: string) => `${keyPrefix.offerPool}${offer}`,
  poolCode: (code: string) => `CODE#${code}`,
  poolAvailable: (code: string) => `${keyPrefix.poolAvailable}${code}`,
  poolClaim: (key: string) => `CLAIM#${key}`,
  /** A customer's interest in a product: one item per product and customer, by product. */
  interest: (productKey: string) => `${keyPrefix.interest}${productKey}`,
  interestSk: (customerId: string) => `${keyPrefix.customer}${customerId}`,
  /** A campaign's state, and in its partition where each segment of its enrollment stands. */
  campaign: (campaignId: string) => `CAMPAIGN#${campaignId}`,
  campaignSk: 'CAMPAIGN',
  campaignSegment: (segment: number) => `SEGMENT#${segment}`,
  /** An imported list of a campaign's audience: one item per customer, by customer id. */
  campaignList: (name: string) => `CAMPAIGNLIST#${name}`,
  /** A stored email template's kept versions (its name without the stack's prefix) and its newest. */
  template: (name: string) => `${keyPrefix.template}${name}`,
  templateCurrentSk: 'CURRENT',
  templateVersion: (seenAt: string, hash: string) => `${keyPrefix.templateVersion}${seenAt}#${hash}`,
} as const;

/**
 * Days a finished campaign run is kept (TTL) after it ended: loading a customer reads every run, and one
 * campaign a week would otherwise add an item to every load for good. Attribution does not need the run
 * (it is on the profile's last touch); a month keeps it for `lifecycle customer show`.
 */
export const CAMPAIGN_RUN_DAYS = 30;

/**
 * What a shop erasure keeps: the hashes of suppressed addresses and the receipts of privacy requests
 * carried out, neither of which holds anything personal.
 */
export function keptThroughShopErasure(pk: string): boolean {
  return pk.startsWith(keyPrefix.suppression) || pk.startsWith(keyPrefix.privacyRequest);
}

/** Days an event receipt is kept for deduplication (EventBridge retries, replays from the archive). */
export const EVENT_RECEIPT_DAYS = 90;

/**
 * Days a product's tombstone is kept after its deletion: longer than any storefront retries a delivery
 * (Shopify 48 hours, EventBridge 24), so that an older state delivered late never brings the product back.
 */
export const PRODUCT_TOMBSTONE_DAYS = EVENT_RECEIPT_DAYS;

/** Days a data export is kept for the store owner to fetch. */
export const EXPORT_DAYS = 30;

/** How long after a write an unpublished outbox entry is due for the dispatcher to publish it. */
export const OUTBOX_GRACE_MS = 60_000;
