import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { TimelineEntry } from '../../../functions/domain/timeline.js';

/** What a test compares of one customer between a calm run and a run with faults or storms. */
export interface CustomerSnapshot {
  readonly profile: unknown;
  readonly runs: Record<string, unknown>;
  readonly orders: Record<string, unknown>;
  /** Event receipts: which events were applied (normalised ids), sorted. */
  readonly receipts: readonly string[];
  /** Timeline entries, normalised, in a canonical order (time, then content). */
  readonly timeline: readonly unknown[];
  /** Outbox entries still waiting to be published. */
  readonly outbox: number;
  readonly reassessAt: string | undefined;
}

export interface SnapshotOptions {
  /**
   * Leave out what differs between runs by design when a dispatcher failed and retried: versions, claim
   * attempts, the send reservations' receipts, the failures recorded on the way.
   */
  readonly ignoreDispatchHistory?: boolean;
  /** Replace every ISO time by `TIME`: a run that recovered from a failure did the same things later. */
  readonly ignoreTimes?: boolean;
  /** Extra literal strings to replace (an email address, a scenario tag). */
  readonly tokens?: Readonly<Record<string, string>>;
}

/**
 * One customer's partition read with a clean client, with its random ids (customer, runs, messages) and
 * the given tokens replaced by stable names, so that two customers who lived the same story compare equal.
 */
export async function customerSnapshot(
  client: DynamoDBDocumentClient,
  tableName: string,
  customerId: string,
  options: SnapshotOptions = {},
): Promise<CustomerSnapshot> {
  const items: Record<string, unknown>[] = [];
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await client.send(
      new QueryCommand({
        TableName: tableName,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': `CUSTOMER#${customerId}` },
        ConsistentRead: true,
        ExclusiveStartKey: startKey,
      }),
    );
    items.push(...(page.Items ?? []));
    startKey = page.LastEvaluatedKey;
  } while (startKey);

  const replacements = new Map<string, string>([[customerId, 'CUSTOMER']]);
  for (const [from, to] of Object.entries(options.tokens ?? {})) replacements.set(from, to);
  const runs: Record<string, unknown> = {};
  // Run ids are random: each becomes its journey's name, wherever it appears (runs replaced by a new entry
  // are still named on the timeline).
  for (const [runId, journeyId] of runIdsOf(items)) replacements.set(runId, `RUN:${journeyId}`);
  const messageIds = new Set<string>();
  for (const item of items) collectMessageIds(item, messageIds);
  for (const id of messageIds) replacements.set(id, 'MESSAGE');
  const normalise = (value: unknown) => {
    const replaced = replaceStrings(value, replacements);
    return options.ignoreTimes ? replaceTimes(replaced) : replaced;
  };
  const dispatchOnly = options.ignoreDispatchHistory === true;

  const profileItem = items.find((i) => i.sk === 'PROFILE');
  for (const item of items.filter((i) => i.entity === 'journey-run')) {
    const { enrollment, version, dueAt, attempts, leaseOwner, leaseUntil } = item as Record<string, unknown>;
    const run = { ...(enrollment as Record<string, unknown>) };
    if (dispatchOnly) {
      delete run.failures;
      delete run.lastSend;
    }
    runs[(enrollment as { journeyId: string }).journeyId] = normalise(
      dispatchOnly ? { run, dueAt } : { run, version, dueAt, attempts, leaseOwner, leaseUntil },
    );
  }
  const orders: Record<string, unknown> = {};
  for (const item of items.filter((i) => i.entity === 'order')) {
    orders[String(normalise(item.sk))] = normalise(item.order);
  }
  const receipts = items
    .filter((i) => String(i.sk).startsWith('EVENT#'))
    .map((i) => String(normalise(i.sk)))
    .sort();
  // How often a step is reserved and fails depends on where the faults fell; what was sent does not.
  const volatileKinds = new Set(['email_failed', 'email_reserved']);
  const timeline = items
    .filter((i) => i.entity === 'timeline')
    .map((i) => normalise(i.entry) as TimelineEntry)
    .filter((entry) => !(dispatchOnly && volatileKinds.has(entry.kind)))
    .map((entry) => (dispatchOnly ? withoutKeys(entry, ['retry']) : entry))
    .sort(
      (a, b) =>
        String(a.at).localeCompare(String(b.at)) || JSON.stringify(sorted(a)).localeCompare(JSON.stringify(sorted(b))),
    )
    .map(sorted);
  const profile = profileItem
    ? normalise(
        dispatchOnly
          ? { customer: withoutKeys(profileItem.customer as Record<string, unknown>, ['recentSends']) }
          : { customer: profileItem.customer, version: profileItem.version },
      )
    : undefined;
  return {
    profile: sorted(profile),
    runs: sorted(runs) as Record<string, unknown>,
    orders: sorted(orders) as Record<string, unknown>,
    receipts,
    timeline,
    outbox: items.filter((i) => String(i.sk).startsWith('OUTBOX#')).length,
    reassessAt: normalise(items.find((i) => i.sk === 'TIMER#reassess')?.dueAt) as string | undefined,
  };
}

function runIdsOf(value: unknown, into = new Map<string, string>()): Map<string, string> {
  if (Array.isArray(value)) {
    for (const v of value) runIdsOf(v, into);
  } else if (value !== null && typeof value === 'object') {
    const record = value as Record<string, unknown>;
    if (typeof record.runId === 'string' && typeof record.journeyId === 'string') {
      into.set(record.runId, record.journeyId);
    }
    for (const v of Object.values(record)) runIdsOf(v, into);
  }
  return into;
}

function collectMessageIds(value: unknown, into: Set<string>): void {
  if (Array.isArray(value)) {
    for (const v of value) collectMessageIds(v, into);
  } else if (value !== null && typeof value === 'object') {
    for (const [key, v] of Object.entries(value)) {
      if (key === 'messageId' && typeof v === 'string') into.add(v);
      else collectMessageIds(v, into);
    }
  }
}

function replaceStrings(value: unknown, replacements: ReadonlyMap<string, string>): unknown {
  if (typeof value === 'string') {
    let text = value;
    for (const [from, to] of replacements) if (from !== '' && text.includes(from)) text = text.split(from).join(to);
    return text;
  }
  if (Array.isArray(value)) return value.map((v) => replaceStrings(v, replacements));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, replaceStrings(v, replacements)]));
  }
  return value;
}

const ISO_TIME = /\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?Z/g;

function replaceTimes(value: unknown): unknown {
  if (typeof value === 'string') return value.replace(ISO_TIME, 'TIME');
  if (Array.isArray(value)) return value.map(replaceTimes);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, replaceTimes(v)]));
  }
  return value;
}

function withoutKeys<T extends Record<string, unknown>>(value: T, keys: readonly string[]): T {
  const copy: Record<string, unknown> = { ...value };
  for (const key of keys) delete copy[key];
  return copy as T;
}

/** The same value with object keys in a stable order, so that equal content serialises equally. */
export function sorted(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sorted);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .filter((key) => (value as Record<string, unknown>)[key] !== undefined)
        .map((key) => [key, sorted((value as Record<string, unknown>)[key])]),
    );
  }
  return value;
}
