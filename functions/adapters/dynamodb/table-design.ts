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
} as const;

export const keys = {
  customer: (customerId: string) => `CUSTOMER#${customerId}`,
  profile: 'PROFILE',
  email: (email: string) => `EMAIL#${email}`,
  emailSk: 'EMAIL',
  eventReceipt: (eventId: string) => `EVENT#${eventId}`,
  journey: (journeyId: string) => `JOURNEY#${journeyId}`,
  order: (orderKey: string) => `ORDER#${orderKey}`,
  orderPointerSk: 'ORDER',
  alias: (alias: string) => `ALIAS#${alias}`,
  aliasSk: 'ALIAS',
  suppression: (emailHash: string) => `SUPPRESSION#${emailHash}`,
  suppressionSk: 'SUPPRESSION',
  export: (requestKey: string) => `EXPORT#${requestKey}`,
  exportSk: 'EXPORT',
  timeline: (at: string, suffix: string) => `TIMELINE#${at}#${suffix}`,
  reassess: 'TIMER#reassess',
  outbox: (id: string) => `OUTBOX#${id}`,
  store: 'STORE',
  journeyStats: (journeyId: string) => `STATS#journey#${journeyId}`,
  statsTotal: 'TOTAL',
  statsStep: (stepId: string) => `STEP#${stepId}`,
  model: 'MODEL',
  dueShard: (shard: number) => `DUE#${shard}`,
} as const;

/** Days an event receipt is kept for deduplication (EventBridge retries, replays from the archive). */
export const EVENT_RECEIPT_DAYS = 90;

/** Partition of the webhook function's Powertools idempotency records (sort key: a hash of the event id). */
export const WEBHOOK_IDEMPOTENCY_PARTITION = 'IDEMPOTENCY#webhook';

/** Days a data export is kept for the store owner to fetch. */
export const EXPORT_DAYS = 30;

/** How long after a write an unpublished outbox entry is due for the dispatcher to publish it. */
export const OUTBOX_GRACE_MS = 60_000;
