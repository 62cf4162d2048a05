import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import type { DynamoDbCustomerStore } from '../../functions/adapters/dynamodb/customer-store.js';
import { EVENT_RECEIPT_DAYS, keys } from '../../functions/adapters/dynamodb/table-design.js';
import { emptyOrder } from '../../functions/domain/orders.js';
import type { DueRun } from '../../functions/ports/customer-store.js';
import { aCustomer, aRun } from '../helpers/customers.js';
import { engines, freshStore, uniqueEmail } from '../helpers/engines.js';

let store: DynamoDbCustomerStore;
let tableName: string;
beforeAll(async () => {
  ({ store, tableName } = await freshStore(4));
});

async function createCustomer(id: string, runs = [aRun('welcome', '2026-05-01T00:00:00.000Z')]) {
  const email = uniqueEmail();
  const result = await store.commitEvent({
    eventId: `evt-${id}`,
    customer: aCustomer(id, email),
    expectedVersion: undefined,
    claimEmail: email,
    enrollments: runs.map((enrollment) => ({ enrollment, expectedVersion: undefined })),
    timeline: [{ at: '2026-05-01T00:00:00.000Z', kind: 'event_received', eventId: `evt-${id}` }],
  });
  expect(result).toBe('committed');
  return email;
}

describe('DynamoDbCustomerStore against DynamoDB Local', () => {
  it(`event receipts expire ${EVENT_RECEIPT_DAYS} days after the business time they were written at`, async () => {
    const receiptOf = async (pk: string, eventId: string) =>
      (
        await engines().dynamodb.document.send(
          new GetCommand({ TableName: tableName, Key: { pk, sk: keys.eventReceipt(eventId) } }),
        )
      ).Item?.expiresAt;
    const expiry = (at: string) => Date.parse(at) / 1000 + EVENT_RECEIPT_DAYS * 86_400;

    // A customer's event: from the time the change was made (the customer's updatedAt).
    const email = uniqueEmail();
    const customer = aCustomer('cus_receipt', email, { updatedAt: '2031-02-03T04:05:06.000Z' });
    await store.commitEvent({
      eventId: 'evt-receipt',
      customer,
      expectedVersion: undefined,
      claimEmail: email,
      enrollments: [],
      timeline: [],
    });
    expect(await receiptOf(keys.customer('cus_receipt'), 'evt-receipt')).toBe(expiry('2031-02-03T04:05:06.000Z'));

    // An order nobody can be contacted about: from the time given, not the wall clock.
    const order = { ...emptyOrder('generic', 'receipt-1'), placedAt: '2031-02-03T00:00:00.000Z' };
    const receivedAt = new Date('2031-02-03T07:00:00.000Z');
    expect(
      await store.commitAnonymousOrder({ eventId: 'evt-anon', order, expectedVersion: undefined, receivedAt }),
    ).toBe('committed');
    expect(await receiptOf(keys.order(order.key), 'evt-anon')).toBe(expiry(receivedAt.toISOString()));
  });

  it('commits a new customer atomically and finds it by email', async () => {
    const email = await createCustomer('cus_store1');
    expect(await store.findCustomerId(email)).toBe('cus_store1');
    const stored = await store.load('cus_store1');
    expect(stored?.version).toBe(1);
    expect(stored?.customer.email).toBe(email);
    expect(stored?.enrollments.get('welcome')?.enrollment.status).toBe('active');
    expect(await store.timeline('cus_store1')).toEqual([
      { at: '2026-05-01T00:00:00.000Z', kind: 'event_received', eventId: 'evt-cus_store1' },
    ]);
  });

  it('the same event twice is a duplicate and writes nothing', async () => {
    const email = await createCustomer('cus_store2');
    const stored = await store.load('cus_store2');
    const again = await store.commitEvent({
      eventId: 'evt-cus_store2',
      customer: { ...aCustomer('cus_store2', email), firstName: 'Changed' },
      expectedVersion: stored?.version,
      enrollments: [],
      timeline: [{ at: '2026-05-02T00:00:00.000Z', kind: 'event_received' }],
    });
    expect(again).toBe('duplicate');
    expect((await store.load('cus_store2'))?.customer.firstName).toBe('Ada');
    expect(await store.timeline('cus_store2')).toHaveLength(1);
  });

  it('a stale version is a conflict; an address owned by another customer too', async () => {
    const email = await createCustomer('cus_store3');
    const stale = await store.commitEvent({
      eventId: 'evt-other',
      customer: aCustomer('cus_store3', email),
      expectedVersion: 0,
      enrollments: [],
      timeline: [],
    });
    expect(stale).toBe('conflict');
    const taken = await store.commitEvent({
      eventId: 'evt-race',
      customer: aCustomer('cus_store3b', email),
      expectedVersion: undefined,
      claimEmail: email,
      enrollments: [],
      timeline: [],
    });
    expect(taken).toBe('conflict');
    expect(await store.findCustomerId(email)).toBe('cus_store3');
  });

  it('lists due runs through the sparse index and claims each one once', async () => {
    await createCustomer('cus_due1', [aRun('welcome', '2026-06-01T00:00:00.000Z')]);
    await createCustomer('cus_due2', [aRun('welcome', '2026-06-01T00:05:00.000Z')]);
    await createCustomer('cus_notdue', [aRun('welcome', '2027-01-01T00:00:00.000Z')]);
    const now = new Date('2026-06-01T00:10:00.000Z');
    const due = (await store.dueRuns(now, 100)).filter(
      (run): run is Extract<DueRun, { kind: 'journey' }> =>
        run.kind === 'journey' && run.customerId.startsWith('cus_due'),
    );
    expect(due.map((run) => run.customerId)).toEqual(['cus_due1', 'cus_due2']);

    const [first, second] = await Promise.all([
      store.claimRun(due[0]!, { owner: 'a', now, leaseMs: 60_000 }),
      store.claimRun(due[0]!, { owner: 'b', now, leaseMs: 60_000 }),
    ]);
    expect([first, second].filter(Boolean)).toHaveLength(1);
    const claim = first ?? second;
    expect(claim?.attempt).toBe(1);

    // The lease holds until it expires; then the run can be claimed again, and the attempt counts up.
    expect(
      await store.claimRun(due[0]!, { owner: 'c', now: new Date(now.getTime() + 30_000), leaseMs: 60_000 }),
    ).toBeUndefined();
    const later = await store.claimRun(due[0]!, { owner: 'c', now: new Date(now.getTime() + 61_000), leaseMs: 60_000 });
    expect(later?.attempt).toBe(2);
    // The first holder lost the run: it can no longer save anything.
    expect(
      await store.saveRunProgress(claim!, { enrollment: claim!.enrollment, timeline: [], keepLease: false }),
    ).toBeUndefined();
  });

  it('a run that waits leaves the due index until its time, and a finished run leaves it for good', async () => {
    await createCustomer('cus_wait', [aRun('welcome', '2026-07-01T00:00:00.000Z')]);
    const now = new Date('2026-07-01T00:00:01.000Z');
    const [run] = (await store.dueRuns(now, 100)).filter(
      (r): r is Extract<DueRun, { kind: 'journey' }> => r.kind === 'journey' && r.customerId === 'cus_wait',
    );
    const claim = await store.claimRun(run!, { owner: 'a', now, leaseMs: 60_000 });
    const saved = await store.saveRunProgress(claim!, {
      enrollment: { ...claim!.enrollment, stepId: 'welcome-2', dueAt: '2026-07-03T00:00:00.000Z' },
      timeline: [],
      keepLease: false,
    });
    expect(saved).toBeDefined();
    expect((await store.dueRuns(now, 100)).some((r) => r.customerId === 'cus_wait')).toBe(false);
    const at = new Date('2026-07-03T00:00:00.000Z');
    const [again] = (await store.dueRuns(at, 100)).filter(
      (r): r is Extract<DueRun, { kind: 'journey' }> => r.kind === 'journey' && r.customerId === 'cus_wait',
    );
    const claim2 = await store.claimRun(again!, { owner: 'b', now: at, leaseMs: 60_000 });
    expect(claim2?.attempt).toBe(1);
    await store.saveRunProgress(claim2!, {
      enrollment: { ...claim2!.enrollment, status: 'completed', dueAt: undefined },
      timeline: [],
      keepLease: false,
    });
    expect((await store.dueRuns(new Date('2030-01-01T00:00:00Z'), 100)).some((r) => r.customerId === 'cus_wait')).toBe(
      false,
    );
    expect((await store.load('cus_wait'))?.enrollments.get('welcome')?.enrollment.status).toBe('completed');
  });
});
