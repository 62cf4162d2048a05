import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { conditionExpression } from '../../functions/adapters/dynamodb/customer-store.js';
import { predicate } from '../../functions/adapters/dynamodb/emulated-table.js';
import type { Item } from '../../functions/adapters/dynamodb/items.js';
import { claimableAt, stillClaimed, type WriteCondition } from '../../functions/adapters/dynamodb/write-plans.js';
import { engines, freshTable } from '../helpers/engines.js';

/*
 * The store calls' conditions are data (write-plans.ts) that each store reads in its own way: DynamoDB as
 * the condition expression the adapter makes of it, the in-memory twin as a predicate. Both must accept
 * and refuse the same items, above all at the edges: a lease that ends exactly now, a version one off, a
 * claim that another dispatcher took.
 */

const NOW = new Date('2026-06-01T12:00:00.000Z');
/** `NOW` moved by `ms` milliseconds, as an ISO string. */
const at = (ms: number) => new Date(NOW.getTime() + ms).toISOString();

/** A journey run's attributes, due now and claimed by `a` at version 3 until `leaseUntil`. */
const run = (attributes: Record<string, unknown> = {}) => ({
  entity: 'journey-run',
  dueShard: 'due#1',
  dueAt: at(0),
  version: 3,
  leaseOwner: 'a',
  leaseUntil: at(60_000),
  ...attributes,
});
/** The same run without a lease (never claimed, or released). */
const unleasedRun = (attributes: Record<string, unknown> = {}) => {
  const { leaseOwner: _owner, leaseUntil: _until, ...rest } = run(attributes);
  return rest;
};

const claimed = stillClaimed({ owner: 'a', version: 3 });
const fence: WriteCondition = { kind: 'leased-at-version', owner: 'a', version: 3, at: at(0) };
/** A catalogue change stated at `NOW`. */
const newer: WriteCondition = { kind: 'absent-or-changed-before', at: at(0) };

/** What the item under the key holds (`undefined`: nothing), the condition, and the answer DynamoDB gives. */
const cases: [string, Record<string, unknown> | undefined, WriteCondition, 'accepted' | 'refused'][] = [
  ['claim: due exactly now, never leased', unleasedRun(), claimableAt(NOW), 'accepted'],
  ['claim: due a millisecond from now', unleasedRun({ dueAt: at(1) }), claimableAt(NOW), 'refused'],
  ['claim: lease ended a millisecond ago', run({ leaseUntil: at(-1) }), claimableAt(NOW), 'accepted'],
  ['claim: lease ends exactly now', run({ leaseUntil: at(0) }), claimableAt(NOW), 'refused'],
  ['claim: lease ends a millisecond from now', run({ leaseUntil: at(1) }), claimableAt(NOW), 'refused'],
  ['claim: not in the due index (ended)', unleasedRun({ dueShard: undefined }), claimableAt(NOW), 'refused'],
  ['claim: no item', undefined, claimableAt(NOW), 'refused'],
  [
    "claim with the planner's mark, before the item is due again",
    unleasedRun({ dueAt: at(60_000), enqueuedUntil: at(60_000) }),
    claimableAt(NOW, at(60_000)),
    'accepted',
  ],
  [
    'claim with a mark the item no longer has (rewritten since)',
    unleasedRun({ dueAt: at(60_000) }),
    claimableAt(NOW, at(60_000)),
    'refused',
  ],
  [
    'claim with the mark, leased by a worker',
    run({ dueAt: at(60_000), enqueuedUntil: at(60_000) }),
    claimableAt(NOW, at(60_000)),
    'refused',
  ],
  ['holder: owner and version', run(), claimed, 'accepted'],
  ['holder: lease run out, nobody took it', run({ leaseUntil: at(-3_600_000) }), claimed, 'accepted'],
  ['holder: version one behind', run({ version: 2 }), claimed, 'refused'],
  ['holder: version one ahead', run({ version: 4 }), claimed, 'refused'],
  ['holder: taken by another dispatcher', run({ leaseOwner: 'b' }), claimed, 'refused'],
  ['holder: released', unleasedRun(), claimed, 'refused'],
  ['holder: no item', undefined, claimed, 'refused'],
  ['fence: lease ends a millisecond after the send', run({ leaseUntil: at(1) }), fence, 'accepted'],
  ['fence: lease ends exactly at the send', run({ leaseUntil: at(0) }), fence, 'refused'],
  ['fence: lost to another dispatcher', run({ leaseOwner: 'b' }), fence, 'refused'],
  ['fence: version one ahead', run({ version: 4 }), fence, 'refused'],
  ['fence: released', unleasedRun(), fence, 'refused'],
  ['version: as expected', { version: 3 }, { kind: 'at-version', version: 3 }, 'accepted'],
  ['version: one behind', { version: 2 }, { kind: 'at-version', version: 3 }, 'refused'],
  ['version: no item', undefined, { kind: 'at-version', version: 3 }, 'refused'],
  ['absent: no item', undefined, { kind: 'absent' }, 'accepted'],
  ['absent: an item', { version: 1 }, { kind: 'absent' }, 'refused'],
  ['owned: no item', undefined, { kind: 'absent-or-owned-by', customerId: 'c1' }, 'accepted'],
  ['owned: by this customer', { customerId: 'c1' }, { kind: 'absent-or-owned-by', customerId: 'c1' }, 'accepted'],
  ['owned: by another', { customerId: 'c2' }, { kind: 'absent-or-owned-by', customerId: 'c1' }, 'refused'],
  ['unclaimed: at version', { version: 2 }, { kind: 'unclaimed-at-version', version: 2 }, 'accepted'],
  ['unclaimed: claimed', { version: 2, customerId: 'c1' }, { kind: 'unclaimed-at-version', version: 2 }, 'refused'],
  ['unclaimed: version one ahead', { version: 3 }, { kind: 'unclaimed-at-version', version: 2 }, 'refused'],
  ['suppression: none', undefined, { kind: 'not-suppressed' }, 'accepted'],
  ['suppression: erasure mark', { reason: 'erased' }, { kind: 'not-suppressed' }, 'accepted'],
  ['suppression: bounce', { reason: 'bounce' }, { kind: 'not-suppressed' }, 'refused'],
  ['present: an item', { version: 1 }, { kind: 'present' }, 'accepted'],
  ['present: no item', undefined, { kind: 'present' }, 'refused'],
  ['catalogue: no product yet', undefined, newer, 'accepted'],
  ['catalogue: kept state a millisecond older', { changedAt: at(-1) }, newer, 'accepted'],
  ['catalogue: kept state of the same time (a redelivery)', { changedAt: at(0) }, newer, 'refused'],
  ['rate counter: none yet this window', undefined, { kind: 'absent-or-below', limit: 3 }, 'accepted'],
  ['rate counter: one below the limit', { requests: 2 }, { kind: 'absent-or-below', limit: 3 }, 'accepted'],
  ['rate counter: at the limit', { requests: 3 }, { kind: 'absent-or-below', limit: 3 }, 'refused'],
  ['catalogue: kept state a millisecond newer', { changedAt: at(1) }, newer, 'refused'],
  ['catalogue: newer tombstone', { changedAt: at(1), deleted: true }, newer, 'refused'],
];

let tableName: string;
beforeAll(async () => {
  tableName = await freshTable('conditions');
});

/** DynamoDB's answer: a put under the key with the condition the adapter makes of it. */
async function dynamoDbAnswer(key: Item, condition: WriteCondition): Promise<'accepted' | 'refused'> {
  try {
    await engines().dynamodb.document.send(
      new PutCommand({ TableName: tableName, Item: { ...key, written: true }, ...conditionExpression(condition) }),
    );
    return 'accepted';
  } catch (error) {
    if (error instanceof Error && error.name === 'ConditionalCheckFailedException') return 'refused';
    throw error;
  }
}

describe('write conditions, read by DynamoDB Local and by the in-memory twin', () => {
  it.each(cases)('%s', async (name, attributes, condition, expected) => {
    const key = { pk: `CASE#${name}`, sk: 'ITEM' };
    const item = attributes === undefined ? undefined : ({ ...key, ...attributes } as Item);
    if (item) {
      const stored = Object.fromEntries(Object.entries(item).filter(([, value]) => value !== undefined));
      await engines().dynamodb.document.send(new PutCommand({ TableName: tableName, Item: stored }));
    }
    const twin = predicate(condition)(item && (JSON.parse(JSON.stringify(item)) as Item)) ? 'accepted' : 'refused';
    expect({ dynamoDb: await dynamoDbAnswer(key, condition), twin }).toEqual({ dynamoDb: expected, twin: expected });
  });
});
