import { beforeEach, describe, expect, it } from 'vitest';
import { shardOf } from '../../functions/adapters/dynamodb/customer-store.js';
import { EmulatedTableCustomerStore } from '../../functions/adapters/dynamodb/emulated-table.js';
import { AUDIENCE_SHARDS } from '../../functions/adapters/dynamodb/table-design.js';
import type { Customer } from '../../functions/domain/customer.js';
import {
  CANONICAL_SCHEMA_VERSION,
  type CatalogueEvent,
  type CatalogueProduct,
  type ProductDetails,
  type ProductPrice,
} from '../../functions/domain/events.js';
import type { StoreModel } from '../../functions/domain/intelligence/store-model.js';
import type { Enrollment } from '../../functions/domain/journeys/enrollment.js';
import type { OrderRecord } from '../../functions/domain/orders.js';
import { keepCatalogue } from '../../functions/domain/services/keep-catalogue.js';
import { nextVersion, type TemplateContent } from '../../functions/domain/template-history.js';
import type { TimelineEntry } from '../../functions/domain/timeline.js';
import type {
  CampaignState,
  CustomerStore,
  DueRun,
  EventCommit,
  OutboxEntry,
  ScanPage,
} from '../../functions/ports/customer-store.js';
import type { BusEvent } from '../../functions/ports/event-publisher.js';
import { testConfig } from '../helpers/config.js';
import { aCustomer, aRun } from '../helpers/customers.js';
import { freshStore } from '../helpers/engines.js';

/**
 * One behaviour suite for every CustomerStore: what the engine may rely on, whichever store it runs on.
 * The DynamoDB adapter defines the behaviour; its emulated table (the simulator's) must not differ from it.
 * Each test gets an empty store. The emulated table pages its scans by three items, so that paging is
 * exercised with a handful of customers.
 */
const implementations: [string, (dueShards?: number) => Promise<CustomerStore>][] = [
  ['DynamoDB Local', async (dueShards = 4) => (await freshStore(dueShards, { audiencePageSize: 2 })).store],
  [
    'emulated table',
    async (dueShards = 4) => new EmulatedTableCustomerStore({ dueShards, scanPageSize: 3, audiencePageSize: 2 }),
  ],
];

const T0 = '2026-06-01T00:00:00.000Z';
/** `T0` plus `minutes`, as an ISO string. */
const iso = (minutes: number) => new Date(Date.parse(T0) + minutes * 60_000).toISOString();
const at = (minutes: number) => new Date(iso(minutes));
const LEASE = 60_000;

function anOrder(orderId: string, overrides: Partial<OrderRecord> = {}): OrderRecord {
  return {
    key: `generic:${orderId}`,
    source: 'generic',
    orderId,
    placedAt: T0,
    total: { amount: 4200, currency: 'USD' },
    lineItems: [],
    refunds: {},
    ...overrides,
  };
}

function aProduct(id: string, updatedAt: string, overrides: Partial<CatalogueProduct> = {}): CatalogueProduct {
  return {
    id,
    title: `Product ${id}`,
    url: `https://shop.example.com/products/${id}`,
    imageUrl: `https://cdn.example.com/${id}.jpg`,
    price: { amount: 1999, currency: 'USD' },
    compareAtPrice: { amount: 2499, currency: 'USD' },
    availability: 'in_stock',
    categories: ['Coffee'],
    variants: [
      { id: `${id}-250g`, title: '250 g', price: { amount: 1999, currency: 'USD' }, availability: 'in_stock' },
    ],
    updatedAt,
    ...overrides,
  };
}

function anEvent(id: string, time?: Date): OutboxEntry {
  return {
    id,
    event: {
      source: 'lifecycle.customer',
      detailType: 'customer.changed',
      detail: { id, nested: { list: [1, 'two'] } },
      ...(time ? { time } : {}),
    },
  };
}

describe.each(implementations)('CustomerStore contract: %s', (_name, makeStore) => {
  let store: CustomerStore;
  beforeEach(async () => {
    store = await makeStore();
  });

  /** Commits a new customer (version 1) with whatever else the commit carries. */
  async function createCustomer(
    id: string,
    extra: Partial<Omit<EventCommit, 'customer'>> & { customer?: Partial<Customer> } = {},
  ): Promise<string> {
    const email = `${id}@example.com`;
    const { customer, ...rest } = extra;
    const result = await store.commitEvent({
      eventId: `evt-${id}`,
      customer: aCustomer(id, email, customer),
      expectedVersion: undefined,
      claimEmail: email,
      enrollments: [],
      timeline: [{ at: T0, kind: 'event_received', eventId: `evt-${id}` }],
      ...rest,
    });
    expect(result).toBe('committed');
    return email;
  }

  /** Commits one more event for an existing customer at `version`. */
  function update(id: string, version: number, extra: Partial<EventCommit> = {}) {
    return store.commitEvent({
      eventId: `evt-${id}-v${version}-${Math.random()}`,
      customer: aCustomer(id, `${id}@example.com`),
      expectedVersion: version,
      enrollments: [],
      timeline: [],
      ...extra,
    });
  }

  async function dueFor(customerId: string, now: Date): Promise<DueRun[]> {
    return (await store.dueRuns(now, 100)).filter((run) => run.customerId === customerId);
  }

  async function scanAll(segments: number): Promise<ScanPage[]> {
    const pages: ScanPage[] = [];
    for (let segment = 0; segment < segments; segment++) {
      let resumeAfter: string | undefined;
      do {
        const page = await store.scanCustomers(segment, segments, resumeAfter);
        pages.push(page);
        resumeAfter = page.resumeAfter;
      } while (resumeAfter !== undefined);
    }
    return pages;
  }

  describe('customers', () => {
    it('commits a new customer with its runs, orders and addresses, and finds it by email and alias', async () => {
      const order = anOrder('1001');
      const run = aRun('welcome', T0);
      const email = await createCustomer('cus_1', {
        customer: { aliases: ['shopify:1'] },
        claimAliases: ['shopify:1'],
        orders: [order],
        enrollments: [{ enrollment: run, expectedVersion: undefined }],
      });

      expect(await store.findCustomerId(email)).toBe('cus_1');
      expect(await store.findCustomerId('nobody@example.com')).toBeUndefined();
      expect(await store.lookup({ email, alias: 'shopify:1' })).toEqual({ byEmail: 'cus_1', byAlias: 'cus_1' });
      expect(await store.lookup({ alias: 'shopify:1' })).toEqual({ byAlias: 'cus_1' });
      expect(await store.lookup({ email: 'nobody@example.com', alias: 'shopify:2' })).toEqual({});
      expect(await store.lookup({})).toEqual({});

      const stored = await store.load('cus_1');
      expect(stored?.version).toBe(1);
      expect(stored?.customer).toEqual(aCustomer('cus_1', email, { aliases: ['shopify:1'] }));
      expect([...(stored?.enrollments ?? [])]).toEqual([['welcome', { enrollment: run, version: 1 }]]);
      expect([...(stored?.orders ?? [])]).toEqual([[order.key, order]]);
      expect(await store.findOrder(order.key)).toEqual({ key: order.key, customerId: 'cus_1', version: 1 });
      expect(await store.timeline('cus_1')).toEqual([{ at: T0, kind: 'event_received', eventId: 'evt-cus_1' }]);
      expect(await store.load('cus_unknown')).toBeUndefined();
    });

    it('the same event twice for a customer is a duplicate and writes nothing; for another customer it is not', async () => {
      const email = await createCustomer('cus_dup');
      // Even a commit that would also conflict is reported as the duplicate it is.
      for (const expectedVersion of [1, undefined]) {
        expect(
          await store.commitEvent({
            eventId: 'evt-cus_dup',
            customer: aCustomer('cus_dup', email, { firstName: 'Changed' }),
            expectedVersion,
            enrollments: [],
            timeline: [{ at: iso(1), kind: 'event_received' }],
          }),
        ).toBe('duplicate');
      }
      const stored = await store.load('cus_dup');
      expect(stored?.customer.firstName).toBe('Ada');
      expect(stored?.version).toBe(1);
      expect(await store.timeline('cus_dup')).toHaveLength(1);

      // Receipts are per customer: the same event id is new for someone else.
      expect(
        await store.commitEvent({
          eventId: 'evt-cus_dup',
          customer: aCustomer('cus_dup2', 'other@example.com'),
          expectedVersion: undefined,
          enrollments: [],
          timeline: [],
        }),
      ).toBe('committed');
    });

    it('a stale or missing version is a conflict for the profile and for each run, and nothing is written', async () => {
      await createCustomer('cus_v', { enrollments: [{ enrollment: aRun('welcome', T0), expectedVersion: undefined }] });
      expect(await update('cus_v', 0)).toBe('conflict');
      expect(await update('cus_unknown', 1)).toBe('conflict');
      // A new customer whose id is taken.
      expect(
        await store.commitEvent({
          eventId: 'evt-again',
          customer: aCustomer('cus_v', 'cus_v@example.com'),
          expectedVersion: undefined,
          enrollments: [],
          timeline: [],
        }),
      ).toBe('conflict');
      // A run started again as new, or from a stale version.
      const run = aRun('welcome', iso(5));
      expect(await update('cus_v', 1, { enrollments: [{ enrollment: run, expectedVersion: undefined }] })).toBe(
        'conflict',
      );
      expect(await update('cus_v', 1, { enrollments: [{ enrollment: run, expectedVersion: 2 }] })).toBe('conflict');

      // A conflict writes nothing at all, the event receipt included: the retry goes through.
      const retry: EventCommit = {
        eventId: 'evt-retry',
        customer: aCustomer('cus_v', 'cus_v@example.com', { firstName: 'Grace' }),
        expectedVersion: 0,
        claimEmail: 'new-address@example.com',
        enrollments: [{ enrollment: run, expectedVersion: 1 }],
        timeline: [{ at: iso(5), kind: 'email_changed' }],
      };
      expect(await store.commitEvent(retry)).toBe('conflict');
      expect(await store.findCustomerId('new-address@example.com')).toBeUndefined();
      expect(await store.timeline('cus_v')).toHaveLength(1);
      expect(await store.commitEvent({ ...retry, expectedVersion: 1 })).toBe('committed');

      const stored = await store.load('cus_v');
      expect(stored?.version).toBe(2);
      expect(stored?.customer.firstName).toBe('Grace');
      expect(stored?.enrollments.get('welcome')).toEqual({ enrollment: run, version: 2 });
      expect(await store.findCustomerId('new-address@example.com')).toBe('cus_v');
    });

    it('an email or alias owned by another customer is a conflict; a customer moves its own address', async () => {
      const email = await createCustomer('cus_owner', { claimAliases: ['shopify:7'] });
      const newcomer = (extra: Partial<EventCommit>) =>
        store.commitEvent({
          eventId: `evt-newcomer-${Math.random()}`,
          customer: aCustomer('cus_newcomer', 'newcomer@example.com'),
          expectedVersion: undefined,
          enrollments: [],
          timeline: [],
          ...extra,
        });
      expect(await newcomer({ claimEmail: email })).toBe('conflict');
      expect(await newcomer({ claimAliases: ['shopify:8', 'shopify:7'] })).toBe('conflict');
      expect(await newcomer({ releaseEmail: email })).toBe('conflict');
      expect(await store.load('cus_newcomer')).toBeUndefined();
      expect(await store.lookup({ email, alias: 'shopify:7' })).toEqual({ byEmail: 'cus_owner', byAlias: 'cus_owner' });
      expect(await store.lookup({ alias: 'shopify:8' })).toEqual({});

      // Claiming what one already owns is fine; an email change claims the new address and frees the old.
      expect(await update('cus_owner', 1, { claimEmail: email, claimAliases: ['shopify:7'] })).toBe('committed');
      expect(await update('cus_owner', 2, { claimEmail: 'moved@example.com', releaseEmail: email })).toBe('committed');
      expect(await store.findCustomerId(email)).toBeUndefined();
      expect(await store.findCustomerId('moved@example.com')).toBe('cus_owner');
      expect(await newcomer({ claimEmail: email })).toBe('committed');
    });

    it('refuses a commit that writes one item twice (DynamoDB transactions allow one operation per item)', async () => {
      await expect(
        store.commitEvent({
          eventId: 'evt-twice',
          customer: aCustomer('cus_twice', 'twice@example.com'),
          expectedVersion: undefined,
          claimAliases: ['shopify:1', 'shopify:1'],
          enrollments: [],
          timeline: [],
        }),
      ).rejects.toThrow();
      expect(await store.load('cus_twice')).toBeUndefined();
    });

    it('returns copies: changing what was passed in or handed out changes nothing stored', async () => {
      const customer = structuredClone(aCustomer('cus_copy', 'copy@example.com')) as any;
      const order = anOrder('2001') as any;
      const run = aRun('welcome', T0) as any;
      const entry = { at: T0, kind: 'event_received' } as any;
      await store.commitEvent({
        eventId: 'evt-copy',
        customer,
        expectedVersion: undefined,
        orders: [order],
        enrollments: [{ enrollment: run, expectedVersion: undefined }],
        timeline: [entry],
      });
      run.status = 'exited';
      entry.kind = 'changed';
      customer.firstName = 'Changed';
      customer.segments.push('changed');
      order.lineItems.push({ productId: 'changed' });

      const loaded = (await store.load('cus_copy')) as any;
      loaded.customer.firstName = 'Mutated';
      loaded.customer.segments.push('mutated');
      loaded.enrollments.get('welcome').enrollment.status = 'exited';
      loaded.orders.get(order.key).refunds.r1 = { amount: 1, currency: 'USD' };
      ((await store.timeline('cus_copy')) as any)[0].kind = 'mutated';
      const claim = (await store.claimRun(
        { kind: 'journey', customerId: 'cus_copy', journeyId: 'welcome', dueAt: T0 },
        { owner: 'a', now: at(0), leaseMs: LEASE },
      )) as any;
      claim.enrollment.stepId = 'mutated';
      const [page] = (await scanAll(1)) as any[];
      page.customers[0].customer.firstName = 'Scanned';

      const stored = await store.load('cus_copy');
      expect(stored?.customer).toEqual(aCustomer('cus_copy', 'copy@example.com'));
      expect(stored?.enrollments.get('welcome')?.enrollment).toEqual(aRun('welcome', T0));
      expect(stored?.orders.get(order.key)).toEqual(anOrder('2001'));
      expect((await store.timeline('cus_copy'))[0]?.kind).toBe('event_received');
    });
  });

  describe('due runs', () => {
    it('lists what is due at or before now, every kind, oldest first, and nothing that is not', async () => {
      await createCustomer('cus_a', {
        customer: { updatedAt: T0 },
        enrollments: [{ enrollment: aRun('welcome', iso(10)), expectedVersion: undefined }],
        reassessAt: iso(5),
        // Due one minute after the write (customer.updatedAt), for the dispatcher to publish if the writer did not.
        outbox: [anEvent('out-a')],
      });
      await createCustomer('cus_b', {
        enrollments: [
          { enrollment: aRun('welcome', iso(20)), expectedVersion: undefined },
          { enrollment: aRun('later', iso(60 * 24)), expectedVersion: undefined },
          {
            enrollment: aRun('done', iso(1), { status: 'completed', dueAt: undefined }),
            expectedVersion: undefined,
          },
          { enrollment: aRun('ended', iso(2), { status: 'exited' }), expectedVersion: undefined },
          // A date-triggered run waits in the due list for its start.
          { enrollment: aRun('birthday', iso(15), { status: 'scheduled' }), expectedVersion: undefined },
        ],
      });

      expect(await store.dueRuns(at(30), 100)).toEqual([
        { kind: 'outbox', customerId: 'cus_a', outboxId: 'out-a', dueAt: iso(1) },
        { kind: 'reassess', customerId: 'cus_a', dueAt: iso(5) },
        { kind: 'journey', customerId: 'cus_a', journeyId: 'welcome', dueAt: iso(10) },
        { kind: 'journey', customerId: 'cus_b', journeyId: 'birthday', dueAt: iso(15) },
        { kind: 'journey', customerId: 'cus_b', journeyId: 'welcome', dueAt: iso(20) },
      ]);
      expect(await store.dueRuns(at(5), 100)).toEqual([
        { kind: 'outbox', customerId: 'cus_a', outboxId: 'out-a', dueAt: iso(1) },
        { kind: 'reassess', customerId: 'cus_a', dueAt: iso(5) },
      ]);
      expect(await store.dueRuns(at(0), 100)).toEqual([]);
      // The earliest due time of anything, due yet or not.
      expect(await store.nextDueAt()).toBe(iso(1));
    });

    it('returns at most `limit`: the oldest of one shard, and the oldest `limit / shards` of each shard', async () => {
      const times = [13, 2, 11, 5, 7, 3, 17, 1, 19, 23, 29, 31];
      const ids = times.map((_, i) => `cus_l${i}`);
      for (const [i, id] of ids.entries()) {
        await createCustomer(id, {
          enrollments: [{ enrollment: aRun('welcome', iso(times[i] as number)), expectedVersion: undefined }],
        });
      }
      const now = at(60);
      const byTime = ids.map((id, i) => ({ id, dueAt: iso(times[i] as number) }));
      byTime.sort((a, b) => a.dueAt.localeCompare(b.dueAt));
      for (const limit of [1, 2, 4, 5, 100]) {
        const perShard = Math.ceil(limit / 4);
        const expected = byTime
          .filter((run, _i, all) => {
            const shard = shardOf(run.id, 4);
            return all.filter((other) => shardOf(other.id, 4) === shard).indexOf(run) < perShard;
          })
          .slice(0, limit)
          .map((run) => run.id);
        const due = await store.dueRuns(now, limit);
        expect(due.map((run) => run.customerId)).toEqual(expected);
      }

      // With one shard, the oldest `limit` overall.
      store = await makeStore(1);
      for (const [i, id] of ids.entries()) {
        await createCustomer(id, {
          enrollments: [{ enrollment: aRun('welcome', iso(times[i] as number)), expectedVersion: undefined }],
        });
      }
      expect((await store.dueRuns(now, 3)).map((run) => run.dueAt)).toEqual([iso(1), iso(2), iso(3)]);
      expect(await store.nextDueAt()).toBe(iso(1));
    });

    it('a run is claimed by one dispatcher at a time; the lease expires, and every claim counts an attempt', async () => {
      await createCustomer('cus_claim', {
        enrollments: [{ enrollment: aRun('welcome', iso(1)), expectedVersion: undefined }],
      });
      const run = { kind: 'journey', customerId: 'cus_claim', journeyId: 'welcome', dueAt: iso(1) } as const;
      expect(await store.claimRun(run, { owner: 'early', now: at(0), leaseMs: LEASE })).toBeUndefined();
      expect(
        await store.claimRun({ ...run, journeyId: 'unknown' }, { owner: 'a', now: at(1), leaseMs: LEASE }),
      ).toBeUndefined();

      const claims = await Promise.all(
        ['a', 'b', 'c'].map((owner) => store.claimRun(run, { owner, now: at(1), leaseMs: LEASE })),
      );
      const won = claims.filter((claim) => claim !== undefined);
      expect(won).toHaveLength(1);
      const claim = won[0];
      expect(claim).toEqual({
        customerId: 'cus_claim',
        enrollment: aRun('welcome', iso(1)),
        version: 2,
        owner: expect.stringMatching(/^[abc]$/),
        leaseUntil: iso(2),
        attempt: 1,
        dueAt: iso(1),
      });
      // A claimed run stays listed until its outcome is saved.
      expect(await dueFor('cus_claim', at(1))).toEqual([run]);
      // Not before the lease ends (at the same millisecond it still holds).
      expect(await store.claimRun(run, { owner: 'd', now: at(2), leaseMs: LEASE })).toBeUndefined();
      const later = await store.claimRun(run, { owner: 'd', now: new Date(Date.parse(iso(2)) + 1), leaseMs: LEASE });
      expect(later?.attempt).toBe(2);
      expect(later?.version).toBe(3);
      // The first holder lost the run: it can no longer save anything.
      expect(
        await store.saveRunProgress(claim as NonNullable<typeof claim>, {
          enrollment: claim?.enrollment as Enrollment,
          timeline: [],
          keepLease: false,
        }),
      ).toBeUndefined();
    });

    it('marks a due item enqueued: out of the index until the mark ends, claimed before only with the mark', async () => {
      await createCustomer('cus_mark', {
        enrollments: [{ enrollment: aRun('welcome', iso(1)), expectedVersion: undefined }],
      });
      const run = { kind: 'journey', customerId: 'cus_mark', journeyId: 'welcome', dueAt: iso(1) } as const;
      // Not due yet: no mark.
      expect(await store.markEnqueued(run, { now: at(0), until: at(5) })).toBeUndefined();
      const marked = await store.markEnqueued(run, { now: at(1), until: at(5) });
      expect(marked).toEqual({ ...run, enqueuedUntil: iso(5) });
      // Out of the index until the mark ends; a second planner's mark finds nothing to do.
      expect(await dueFor('cus_mark', at(4))).toEqual([]);
      expect(await store.markEnqueued(run, { now: at(2), until: at(6) })).toBeUndefined();
      // Only a claim with the mark takes it before then, and once.
      expect(await store.claimRun(run, { owner: 'x', now: at(2), leaseMs: LEASE })).toBeUndefined();
      const claim = await store.claimRun(marked as typeof run, { owner: 'a', now: at(2), leaseMs: LEASE });
      expect(claim).toMatchObject({ owner: 'a', attempt: 1, dueAt: iso(5) });
      if (!claim) throw new Error('not claimed');
      // Its next step runs at once under the lease (renewed, as each step does): the run keeps the place the
      // mark gave it in the index rather than being written there again.
      const next: Enrollment = { ...claim.enrollment, stepId: 'second', dueAt: iso(2) };
      const progress = { enrollment: next, timeline: [], keepLease: true, leaseUntil: iso(6) };
      const saved = await store.saveRunProgress(claim, progress);
      expect(saved).toMatchObject({ version: claim.version + 1, dueAt: iso(5) });
      expect(await dueFor('cus_mark', at(4))).toEqual([]);
      // A second delivery of the message finds it claimed; after the lease, its mark is gone with the claim.
      expect(await store.claimRun(marked as typeof run, { owner: 'b', now: at(2), leaseMs: LEASE })).toBeUndefined();
      expect(
        await store.claimRun(marked as typeof run, {
          owner: 'b',
          now: new Date(Date.parse(iso(3)) + 1),
          leaseMs: LEASE,
        }),
      ).toBeUndefined();
      // A lost message: the item is due again when the mark ends, to anyone.
      expect(await dueFor('cus_mark', at(5))).toEqual([{ ...run, dueAt: iso(5) }]);
    });

    it('saves progress under the lease: keepLease counts the next step as attempted; a lost lease saves nothing', async () => {
      await createCustomer('cus_prog', {
        enrollments: [{ enrollment: aRun('welcome', T0, { stepId: 'first' }), expectedVersion: undefined }],
      });
      const run = { kind: 'journey', customerId: 'cus_prog', journeyId: 'welcome', dueAt: T0 } as const;
      const first = await store.claimRun(run, { owner: 'a', now: at(0), leaseMs: LEASE });
      expect(first).toMatchObject({ version: 2, attempt: 1, leaseUntil: iso(1) });
      if (!first) throw new Error('not claimed');

      const sent: TimelineEntry = { at: iso(0.25), kind: 'email_sent', journeyId: 'welcome', stepId: 'first' };
      const next: Enrollment = { ...first.enrollment, stepId: 'second', dueAt: T0 };
      const kept = await store.saveRunProgress(first, { enrollment: next, timeline: [sent], keepLease: true });
      expect(kept).toEqual({ ...first, enrollment: next, version: 3, attempt: 1 });
      expect(await store.claimRun(run, { owner: 'b', now: at(0.5), leaseMs: LEASE })).toBeUndefined();
      if (!kept) throw new Error('not saved');

      // The dispatcher stopped during the second step: whoever claims it next sees a second attempt.
      const second = await store.claimRun(run, { owner: 'b', now: at(2), leaseMs: LEASE });
      expect(second).toMatchObject({ owner: 'b', version: 4, attempt: 2, enrollment: next });
      if (!second) throw new Error('not claimed');
      const lost: TimelineEntry = { at: iso(2), kind: 'email_sent', journeyId: 'welcome', stepId: 'lost' };
      expect(
        await store.saveRunProgress(kept, { enrollment: next, timeline: [lost], keepLease: true }),
      ).toBeUndefined();

      // Saved without the lease, waiting two days: the run leaves the due list until then.
      const waiting: Enrollment = { ...next, stepId: 'third', dueAt: iso(2 * 24 * 60) };
      const released = await store.saveRunProgress(second, { enrollment: waiting, timeline: [], keepLease: false });
      expect(released).toEqual({ ...second, enrollment: waiting, version: 5, attempt: 0, dueAt: iso(2 * 24 * 60) });
      expect(await dueFor('cus_prog', at(60))).toEqual([]);
      const waitingRun = { ...run, dueAt: iso(2 * 24 * 60) };
      expect(await store.claimRun(waitingRun, { owner: 'c', now: at(60), leaseMs: LEASE })).toBeUndefined();
      const third = await store.claimRun(waitingRun, { owner: 'c', now: at(2 * 24 * 60), leaseMs: LEASE });
      expect(third).toMatchObject({ attempt: 1, version: 6 });
      if (!third) throw new Error('not claimed');

      // A finished run leaves the due list for good.
      const done: Enrollment = { ...waiting, status: 'completed', dueAt: undefined, endedAt: iso(2 * 24 * 60) };
      expect(await store.saveRunProgress(third, { enrollment: done, timeline: [], keepLease: false })).toBeDefined();
      expect(await dueFor('cus_prog', new Date('2030-01-01T00:00:00Z'))).toEqual([]);
      expect(await store.nextDueAt()).toBeUndefined();
      expect((await store.load('cus_prog'))?.enrollments.get('welcome')).toEqual({ enrollment: done, version: 7 });
      expect((await store.timeline('cus_prog')).map((entry) => entry.stepId ?? entry.kind)).toEqual([
        'event_received',
        'first',
      ]);
    });

    it('a released run is due again at the retry time, and the failed attempt does not count', async () => {
      await createCustomer('cus_rel', {
        enrollments: [{ enrollment: aRun('welcome', T0, { stepId: 'first' }), expectedVersion: undefined }],
      });
      const run = { kind: 'journey', customerId: 'cus_rel', journeyId: 'welcome', dueAt: T0 } as const;
      const claim = await store.claimRun(run, { owner: 'a', now: at(0), leaseMs: LEASE });
      if (!claim) throw new Error('not claimed');
      const failed: TimelineEntry = {
        at: iso(0.25),
        kind: 'email_failed',
        journeyId: 'welcome',
        reason: 'Throttling',
      };
      await store.releaseRun({ ...claim, enrollment: { ...claim.enrollment, failures: 1 } }, at(1), [failed]);

      expect((await store.load('cus_rel'))?.enrollments.get('welcome')).toEqual({
        enrollment: { ...aRun('welcome', T0, { stepId: 'first' }), dueAt: iso(1), failures: 1 },
        version: 3,
      });
      expect(await dueFor('cus_rel', at(0.5))).toEqual([]);
      expect(await dueFor('cus_rel', at(1))).toEqual([{ ...run, dueAt: iso(1) }]);
      // The lease was given back with the run: no need to wait for it to expire.
      const again = await store.claimRun({ ...run, dueAt: iso(1) }, { owner: 'b', now: at(1), leaseMs: LEASE });
      expect(again).toMatchObject({ owner: 'b', attempt: 1, version: 4 });

      // A release after losing the lease changes nothing.
      await store.releaseRun(claim, at(30), []);
      expect((await store.load('cus_rel'))?.enrollments.get('welcome')).toMatchObject({
        version: 4,
        enrollment: { dueAt: iso(1) },
      });
      expect(await store.timeline('cus_rel')).toEqual([
        { at: T0, kind: 'event_received', eventId: 'evt-cus_rel' },
        failed,
      ]);

      // Failures default to zero when the claim carries none.
      if (!again) throw new Error('not claimed');
      await store.releaseRun({ ...again, enrollment: { ...again.enrollment, failures: undefined } }, at(5), []);
      expect((await store.load('cus_rel'))?.enrollments.get('welcome')?.enrollment.failures).toBe(0);
    });

    it('claims reassessments and outbox entries once per lease; the outbox event comes back as it was made', async () => {
      const timed = anEvent('out-timed', new Date('2026-05-31T23:59:59.123Z'));
      const untimed = anEvent('out-untimed');
      await createCustomer('cus_t', { customer: { updatedAt: T0 }, reassessAt: iso(60), outbox: [timed, untimed] });
      const outbox = { kind: 'outbox', customerId: 'cus_t', outboxId: 'out-timed', dueAt: iso(1) } as const;
      const reassess = { kind: 'reassess', customerId: 'cus_t', dueAt: iso(60) } as const;

      expect(await store.claimTimer(outbox, { owner: 'a', now: at(0.5), leaseMs: LEASE })).toBeUndefined();
      const claimed = await store.claimTimer(outbox, { owner: 'a', now: at(1), leaseMs: LEASE });
      expect(claimed).toEqual({ run: outbox, owner: 'a', leaseUntil: iso(2), event: timed.event });
      expect(claimed?.event?.time).toBeInstanceOf(Date);
      expect(await store.claimTimer(outbox, { owner: 'b', now: at(1.5), leaseMs: LEASE })).toBeUndefined();
      expect(await store.claimTimer(outbox, { owner: 'b', now: at(3), leaseMs: LEASE })).toMatchObject({ owner: 'b' });

      const other = await store.claimTimer(
        { ...outbox, outboxId: 'out-untimed' },
        { owner: 'a', now: at(1), leaseMs: LEASE },
      );
      expect(other?.event).toEqual(untimed.event);
      expect(other?.event?.time).toBeUndefined();

      await store.deleteOutbox('cus_t', ['out-timed', 'out-untimed']);
      expect(await dueFor('cus_t', at(120))).toEqual([reassess]);
      expect(await store.claimTimer(outbox, { owner: 'c', now: at(10), leaseMs: LEASE })).toBeUndefined();

      expect(await store.claimTimer(reassess, { owner: 'a', now: at(59), leaseMs: LEASE })).toBeUndefined();
      const check = await store.claimTimer(reassess, { owner: 'a', now: at(60), leaseMs: LEASE });
      expect(check).toEqual({ run: reassess, owner: 'a', leaseUntil: iso(61), event: undefined });
      expect(await store.claimTimer(reassess, { owner: 'b', now: at(60), leaseMs: LEASE })).toBeUndefined();
      // Claimed, it stays listed until the reassessment writes the next check (or none).
      expect(await dueFor('cus_t', at(120))).toEqual([reassess]);
    });

    it('reassessAt: a time sets the check, undefined leaves it, null removes it', async () => {
      await createCustomer('cus_r', { reassessAt: iso(60) });
      expect(await store.nextDueAt()).toBe(iso(60));
      expect(await update('cus_r', 1, { reassessAt: undefined })).toBe('committed');
      expect(await dueFor('cus_r', at(60))).toEqual([{ kind: 'reassess', customerId: 'cus_r', dueAt: iso(60) }]);

      // A new time replaces the check, lease included.
      expect(
        await store.claimTimer(
          { kind: 'reassess', customerId: 'cus_r', dueAt: iso(60) },
          {
            owner: 'a',
            now: at(60),
            leaseMs: LEASE,
          },
        ),
      ).toBeDefined();
      expect(await update('cus_r', 2, { reassessAt: iso(60.5) })).toBe('committed');
      expect(await dueFor('cus_r', at(60))).toEqual([]);
      expect(
        await store.claimTimer(
          { kind: 'reassess', customerId: 'cus_r', dueAt: iso(60.5) },
          {
            owner: 'b',
            now: at(60.5),
            leaseMs: LEASE,
          },
        ),
      ).toMatchObject({ owner: 'b' });

      expect(await update('cus_r', 3, { reassessAt: null })).toBe('committed');
      expect(await dueFor('cus_r', at(24 * 60))).toEqual([]);
      expect(await store.nextDueAt()).toBeUndefined();
      // Removing a check that is not there is fine.
      expect(await update('cus_r', 4, { reassessAt: null })).toBe('committed');
    });
  });

  describe('history and orders', () => {
    it('keeps the timeline newest last, and returns the newest entries up to the limit', async () => {
      await createCustomer('cus_tl', {
        timeline: [
          { at: iso(2), kind: 'stage_changed' },
          { at: T0, kind: 'event_received' },
          { at: iso(1), kind: 'segment_entered' },
        ],
      });
      expect(await update('cus_tl', 1, { timeline: [{ at: iso(3), kind: 'order_placed' }] })).toBe('committed');
      expect((await store.timeline('cus_tl')).map((entry) => entry.at)).toEqual([T0, iso(1), iso(2), iso(3)]);
      expect(await store.timeline('cus_tl', { limit: 2 })).toEqual([
        { at: iso(2), kind: 'stage_changed' },
        { at: iso(3), kind: 'order_placed' },
      ]);
      expect(await store.timeline('cus_tl', { limit: 10 })).toHaveLength(4);
      expect(await store.timeline('cus_nobody')).toEqual([]);
      await expect(store.timeline('cus_tl', { limit: 0 })).rejects.toThrow();
    });

    it('keeps the order of entries that successive saves of a run write at the same time', async () => {
      await createCustomer('cus_same', {
        enrollments: [{ enrollment: aRun('welcome', T0), expectedVersion: undefined }],
      });
      let claim = await store.claimRun(
        { kind: 'journey', customerId: 'cus_same', journeyId: 'welcome', dueAt: T0 },
        { owner: 'a', now: at(0), leaseMs: LEASE },
      );
      for (const stepId of ['one', 'two', 'three']) {
        if (!claim) throw new Error('lease lost');
        claim = await store.saveRunProgress(claim, {
          enrollment: { ...claim.enrollment, stepId },
          timeline: [{ at: iso(1), kind: 'journey_step', stepId }],
          keepLease: true,
        });
      }
      expect((await store.timeline('cus_same')).map((entry) => entry.stepId)).toEqual([
        undefined,
        'one',
        'two',
        'three',
      ]);
    });

    it('keeps orders of nobody with their own receipts and versions, until a customer claims them', async () => {
      const order = anOrder('9001');
      expect(await store.findOrder(order.key)).toBeUndefined();
      expect(
        await store.commitAnonymousOrder({
          eventId: 'evt-o1',
          order,
          expectedVersion: undefined,
          receivedAt: new Date(T0),
        }),
      ).toBe('committed');
      expect(await store.findOrder(order.key)).toEqual({ key: order.key, order, version: 1 });
      expect(
        await store.commitAnonymousOrder({ eventId: 'evt-o1', order, expectedVersion: 1, receivedAt: new Date(T0) }),
      ).toBe('duplicate');
      expect(
        await store.commitAnonymousOrder({
          eventId: 'evt-o2',
          order,
          expectedVersion: undefined,
          receivedAt: new Date(T0),
        }),
      ).toBe('conflict');
      expect(
        await store.commitAnonymousOrder({ eventId: 'evt-o2', order, expectedVersion: 0, receivedAt: new Date(T0) }),
      ).toBe('conflict');
      const refunded = anOrder('9001', { refunds: { r1: { amount: 1000, currency: 'USD' } } });
      expect(
        await store.commitAnonymousOrder({
          eventId: 'evt-o2',
          order: refunded,
          expectedVersion: 1,
          receivedAt: new Date(T0),
        }),
      ).toBe('committed');
      expect(await store.findOrder(order.key)).toEqual({ key: order.key, order: refunded, version: 2 });

      // A customer claimed it: the pointer now only names them, and the next anonymous write must retry.
      await createCustomer('cus_o', { orders: [refunded] });
      expect(await store.findOrder(order.key)).toEqual({ key: order.key, customerId: 'cus_o', version: 1 });
      expect(
        await store.commitAnonymousOrder({ eventId: 'evt-o3', order, expectedVersion: 1, receivedAt: new Date(T0) }),
      ).toBe('conflict');
      expect((await store.load('cus_o'))?.orders.get(order.key)).toEqual(refunded);
    });

    it('saves and finds exports, of a customer or of nobody', async () => {
      const document = { customer: { email: 'x@example.com' }, orders: [1, 2], empty: null };
      await store.saveExport({ requestKey: 'req-anon', createdAt: T0, document });
      await store.saveExport({ requestKey: 'req-cus', customerId: 'cus_x', createdAt: iso(1), document: [document] });
      expect(await store.findExport('req-anon')).toEqual({ requestKey: 'req-anon', createdAt: T0, document });
      expect(await store.findExport('req-cus')).toEqual({
        requestKey: 'req-cus',
        customerId: 'cus_x',
        createdAt: iso(1),
        document: [document],
      });
      expect(await store.findExport('req-none')).toBeUndefined();
    });
  });

  describe('privacy', () => {
    it('keeps an address suppression by its hash; the newest reason wins', async () => {
      expect(await store.findSuppression('hash-bounce')).toBeUndefined();
      await store.suppress({ emailHash: 'hash-bounce', reason: 'soft_bounces', at: iso(1) });
      await store.suppress({ emailHash: 'hash-bounce', reason: 'complaint', at: iso(2) });
      expect(await store.findSuppression('hash-bounce')).toEqual({
        emailHash: 'hash-bounce',
        reason: 'complaint',
        at: iso(2),
      });
    });

    it('erases a customer: nothing of them left, orders kept anonymously, suppression kept; idempotent', async () => {
      const order = anOrder('5001');
      const anonymised: OrderRecord = { ...order, number: undefined };
      const email = await createCustomer('cus_e', {
        customer: { aliases: ['shopify:55'], updatedAt: T0 },
        claimAliases: ['shopify:55'],
        orders: [order],
        enrollments: [{ enrollment: aRun('welcome', iso(5)), expectedVersion: undefined }],
        reassessAt: iso(60),
        outbox: [anEvent('out-e')],
      });
      await store.saveExport({ requestKey: 'req-e', customerId: 'cus_e', createdAt: T0, document: { email } });
      // An old address of theirs that someone else holds now stays with that someone.
      const othersEmail = await createCustomer('cus_other');
      expect(await store.findSuppression('hash-e')).toBeUndefined();

      const plan = {
        customerId: 'cus_e',
        emails: [email, othersEmail],
        aliases: ['shopify:55'],
        suppressions: [{ emailHash: 'hash-e', reason: 'erased', at: iso(10) }],
        anonymisedOrders: [anonymised],
      };
      await store.eraseCustomer(plan);
      await store.eraseCustomer(plan);

      expect(await store.load('cus_e')).toBeUndefined();
      expect(await store.findCustomerId(email)).toBeUndefined();
      expect(await store.findCustomerId(othersEmail)).toBe('cus_other');
      expect(await store.lookup({ alias: 'shopify:55' })).toEqual({});
      expect(await store.timeline('cus_e')).toEqual([]);
      expect(await dueFor('cus_e', new Date('2030-01-01T00:00:00Z'))).toEqual([]);
      expect(await store.nextDueAt()).toBeUndefined();
      expect(await store.findExport('req-e')).toBeUndefined();
      expect(await store.findOrder(order.key)).toEqual({ key: order.key, order: anonymised, version: 1 });
      expect(await store.findSuppression('hash-e')).toEqual({ emailHash: 'hash-e', reason: 'erased', at: iso(10) });
      const pages = await scanAll(2);
      expect(pages.flatMap((page) => page.customers.map(({ customer }) => customer.id))).toEqual(['cus_other']);
      expect(pages.flatMap((page) => page.orders)).toEqual([{ order: anonymised }]);

      // A late event about the order counts it for the store only.
      expect(
        await store.commitAnonymousOrder({ eventId: 'evt-late', order, expectedVersion: 1, receivedAt: new Date(T0) }),
      ).toBe('committed');
      // Their receipts and address went too: the same sign-up again makes a new customer.
      await createCustomer('cus_e');
      expect(await store.load('cus_e')).toMatchObject({ version: 1, enrollments: new Map(), orders: new Map() });
    });

    it('records the erasure of an address nobody holds', async () => {
      await store.eraseCustomer({
        customerId: '',
        emails: ['ghost@example.com'],
        aliases: ['shopify:404'],
        suppressions: [{ emailHash: 'hash-ghost', reason: 'erased', at: T0 }],
        anonymisedOrders: [],
      });
      expect(await store.findSuppression('hash-ghost')).toEqual({ emailHash: 'hash-ghost', reason: 'erased', at: T0 });
      expect(await store.findCustomerId('ghost@example.com')).toBeUndefined();
    });

    it('erases everything page by page, but the suppression records', async () => {
      for (const id of ['cus_x1', 'cus_x2', 'cus_x3']) {
        await createCustomer(id, {
          claimAliases: [`shopify:${id}`],
          orders: [anOrder(`order-${id}`)],
          enrollments: [{ enrollment: aRun('welcome', iso(5)), expectedVersion: undefined }],
          reassessAt: iso(60),
          outbox: [anEvent(`out-${id}`)],
        });
      }
      await store.commitAnonymousOrder({
        eventId: 'evt-anon',
        order: anOrder('anon'),
        expectedVersion: undefined,
        receivedAt: new Date(T0),
      });
      await store.saveExport({ requestKey: 'req-1', customerId: 'cus_x1', createdAt: T0, document: {} });
      await store.saveExport({ requestKey: 'req-2', createdAt: T0, document: {} });
      await store.saveModel({ computedAt: T0, reportingCurrency: 'USD', customersWithOrders: 3 });
      await store.addJourneyStats([{ journeyId: 'welcome', counters: { entered: 3 } }]);
      await store.upsertProduct('shopify', aProduct('p-erased', T0));
      await store.deleteProduct('shopify', 'p-deleted', T0);
      await store.eraseCustomer({
        customerId: '',
        emails: ['gone@example.com'],
        aliases: [],
        suppressions: [{ emailHash: 'hash-gone', reason: 'erased', at: T0 }],
        anonymisedOrders: [],
      });

      let resumeAfter: string | undefined;
      let pages = 0;
      do {
        resumeAfter = await store.eraseEverything(resumeAfter, 4);
        pages++;
      } while (resumeAfter !== undefined && pages < 200);
      expect(resumeAfter).toBeUndefined();
      expect(pages).toBeGreaterThan(5);

      for (const id of ['cus_x1', 'cus_x2', 'cus_x3']) {
        expect(await store.load(id)).toBeUndefined();
        expect(await store.lookup({ email: `${id}@example.com`, alias: `shopify:${id}` })).toEqual({});
        expect(await store.timeline(id)).toEqual([]);
        expect(await store.findOrder(`generic:order-${id}`)).toBeUndefined();
      }
      expect(await store.findOrder('generic:anon')).toBeUndefined();
      expect(await store.findExport('req-1')).toBeUndefined();
      expect(await store.findExport('req-2')).toBeUndefined();
      expect(await store.loadModel()).toBeUndefined();
      expect(await store.journeyStats(['welcome'])).toEqual([]);
      expect(await store.dueRuns(new Date('2030-01-01T00:00:00Z'), 100)).toEqual([]);
      expect(await store.nextDueAt()).toBeUndefined();
      expect((await scanAll(1)).flatMap((page) => [...page.customers, ...page.orders])).toEqual([]);
      expect(await store.findSuppression('hash-gone')).toMatchObject({ reason: 'erased' });
      expect(await store.findProduct('shopify', 'p-erased')).toBeUndefined();
      // The tombstone went too: an old state of the product is kept again.
      expect(await store.upsertProduct('shopify', aProduct('p-deleted', iso(-60)))).toBe('written');
      // An event seen before is new again: its receipt went too.
      await createCustomer('cus_x1');
    });
  });

  describe('product catalogue', () => {
    it('keeps one product per source and id, finds it, and lists the known ones in the order asked', async () => {
      expect(await store.upsertProduct('shopify', aProduct('p1', iso(0)))).toBe('written');
      expect(await store.upsertProduct('shopify', aProduct('p2', iso(0), { availability: 'out_of_stock' }))).toBe(
        'written',
      );
      expect(await store.upsertProduct('generic', aProduct('p1', iso(0), { title: 'Generic one' }))).toBe('written');

      expect(await store.findProduct('shopify', 'p1')).toEqual(aProduct('p1', iso(0)));
      expect((await store.findProduct('generic', 'p1'))?.title).toBe('Generic one');
      expect(await store.findProduct('woocommerce', 'p1')).toBeUndefined();
      expect((await store.findProducts('shopify', ['p2', 'unknown', 'p1', 'p2'])).map((product) => product.id)).toEqual(
        ['p2', 'p1'],
      );
      expect(await store.findProducts('shopify', [])).toEqual([]);
    });

    it('keeps a change only when it is newer: a late or repeated state changes nothing', async () => {
      await store.upsertProduct('shopify', aProduct('p1', iso(10), { title: 'Ten' }));
      expect(await store.upsertProduct('shopify', aProduct('p1', iso(5), { title: 'Five' }))).toBe('stale');
      expect(await store.upsertProduct('shopify', aProduct('p1', iso(10), { title: 'Ten again' }))).toBe('stale');
      expect((await store.findProduct('shopify', 'p1'))?.title).toBe('Ten');
      // The same instant in another offset is the same time.
      expect(
        await store.upsertProduct('shopify', aProduct('p1', '2026-06-01T02:10:00+02:00', { title: 'Offset' })),
      ).toBe('stale');
      expect(await store.upsertProduct('shopify', aProduct('p1', iso(11), { title: 'Eleven' }))).toBe('written');
      expect((await store.findProduct('shopify', 'p1'))?.title).toBe('Eleven');
    });

    it('keeps a deletion as a tombstone: an older state delivered after it does not bring the product back', async () => {
      await store.upsertProduct('shopify', aProduct('p1', iso(10)));
      expect(await store.deleteProduct('shopify', 'p1', iso(5))).toBe('stale');
      expect(await store.findProduct('shopify', 'p1')).toBeDefined();

      expect(await store.deleteProduct('shopify', 'p1', iso(20))).toBe('written');
      expect(await store.findProduct('shopify', 'p1')).toBeUndefined();
      expect(await store.findProducts('shopify', ['p1'])).toEqual([]);
      expect(await store.upsertProduct('shopify', aProduct('p1', iso(15)))).toBe('stale');
      expect(await store.deleteProduct('shopify', 'p1', iso(20))).toBe('stale');
      expect(await store.findProduct('shopify', 'p1')).toBeUndefined();

      // A deletion of a product never seen is kept too, against its older states still on their way.
      expect(await store.deleteProduct('shopify', 'p2', iso(20))).toBe('written');
      expect(await store.upsertProduct('shopify', aProduct('p2', iso(1)))).toBe('stale');

      // Created again later: a newer state.
      expect(await store.upsertProduct('shopify', aProduct('p1', iso(30)))).toBe('written');
      expect(await store.findProduct('shopify', 'p1')).toEqual(aProduct('p1', iso(30)));
    });

    describe('a product priced apart (Stripe): details and prices, each ordered by its own time', () => {
      let sequence = 0;
      const event = (type: CatalogueEvent['type'], data: unknown, occurredAt: string): CatalogueEvent =>
        ({
          schemaVersion: CANONICAL_SCHEMA_VERSION,
          id: `stripe:evt_${++sequence}`,
          source: 'stripe',
          occurredAt,
          type,
          data,
        }) as CatalogueEvent;
      const details = (minutes: number, overrides: Partial<ProductDetails> = {}) =>
        event(
          'product.details_changed',
          {
            product: {
              id: 'prod_1',
              title: 'Stoneware mug',
              active: true,
              defaultPriceId: 'price_a',
              updatedAt: iso(minutes),
              ...overrides,
            },
          },
          iso(minutes),
        );
      const price = (minutes: number, overrides: Partial<ProductPrice> = {}) =>
        event(
          'product.price_changed',
          {
            price: {
              id: 'price_a',
              productId: 'prod_1',
              amount: { amount: 2400, currency: 'EUR' },
              active: true,
              recurring: false,
              changedAt: iso(minutes),
              ...overrides,
            },
          },
          iso(minutes),
        );
      let told: BusEvent[] = [];
      beforeEach(() => {
        told = [];
      });
      const keep = (change: CatalogueEvent) =>
        keepCatalogue(
          {
            store,
            publisher: { publish: async (events) => void told.push(...events) },
            clock: { now: () => new Date() },
            config: testConfig(),
          },
          change,
        );

      it('tells those interested of a price drop or a return to stock that came as a part', async () => {
        await store.recordInterest('stripe', 'prod_1', 'c-1', new Date(Date.now() + 86_400_000));
        await keep(details(1));
        await keep(price(1));
        expect(told).toEqual([]);
        // 2,400 → 2,300 is 4 %: below the 10 % a drop must reach.
        await keep(price(2, { amount: { amount: 2300, currency: 'EUR' } }));
        expect(told).toEqual([]);
        await keep(price(3, { amount: { amount: 1900, currency: 'EUR' } }));
        expect(told.map((event) => [event.detailType, (event.detail as { id: string }).id])).toEqual([
          ['product.price_dropped', `price_dropped:stripe:prod_1:${iso(3)}:c-1`],
        ]);
        await keep(details(4, { active: false }));
        await keep(details(5, { active: true }));
        expect(told.map((event) => event.detailType)).toEqual(['product.price_dropped', 'product.back_in_stock']);
      });

      it('makes no product until it has details and a price; then the default price, newest of each part', async () => {
        expect(await keep(price(1))).toEqual({ outcome: 'catalogued', write: 'written' });
        expect(await store.findProduct('stripe', 'prod_1')).toBeUndefined();
        expect(await keep(details(2))).toEqual({ outcome: 'catalogued', write: 'written' });
        expect(await store.findProduct('stripe', 'prod_1')).toEqual({
          id: 'prod_1',
          title: 'Stoneware mug',
          price: { amount: 2400, currency: 'EUR' },
          availability: 'in_stock',
          updatedAt: iso(2),
        });
        // The price archived later; then the older product creation and price creation arrive late.
        expect(await keep(price(5, { active: false }))).toMatchObject({ write: 'written' });
        expect(await keep(details(0, { title: 'Old name', active: true }))).toMatchObject({ write: 'stale' });
        expect(await keep(price(1))).toMatchObject({ write: 'stale' });
        expect(await store.findProduct('stripe', 'prod_1')).toMatchObject({
          title: 'Stoneware mug',
          availability: 'out_of_stock',
          updatedAt: iso(5),
        });
      });

      it('a price event older than the product state regresses nothing of it, and is still kept', async () => {
        await keep(details(10, { title: 'Renamed', defaultPriceId: 'price_b' }));
        // price_b was made before the rename, and arrives after it: its own part, its own time.
        expect(await keep(price(3, { id: 'price_b', amount: { amount: 1900, currency: 'EUR' } }))).toMatchObject({
          write: 'written',
        });
        expect(await store.findProduct('stripe', 'prod_1')).toMatchObject({
          title: 'Renamed',
          price: { amount: 1900 },
          updatedAt: iso(10),
        });
      });

      it('two parts kept at once are both kept', async () => {
        await Promise.all([
          keep(details(1, { defaultPriceId: undefined })),
          keep(price(1, { id: 'price_x', amount: { amount: 3000, currency: 'EUR' } })),
          keep(price(1, { id: 'price_y', amount: { amount: 2500, currency: 'EUR' } })),
          keep(price(1, { id: 'price_z', amount: { amount: 900, currency: 'EUR' }, recurring: true })),
        ]);
        // No default price: the lowest active one-time price.
        expect(await store.findProduct('stripe', 'prod_1')).toMatchObject({ price: { amount: 2500 } });
      });

      it('a deleted product stays deleted whatever part arrives after', async () => {
        await keep(details(1));
        await keep(price(1));
        expect(await keep(event('product.deleted', { product: { id: 'prod_1' } }, iso(2)))).toMatchObject({
          write: 'written',
        });
        expect(await keep(price(9, { amount: { amount: 100, currency: 'EUR' } }))).toMatchObject({ write: 'stale' });
        expect(await keep(details(9))).toMatchObject({ write: 'stale' });
        expect(await store.findProduct('stripe', 'prod_1')).toBeUndefined();
      });
    });

    it("keeps inventory links, and each item's stock per location only when newer", async () => {
      const link = { itemId: 'inv-1', variantId: 'v1', alwaysAvailable: false, forSale: true, productId: 'p1' };
      await store.keepInventoryLinks('shopify', [link]);
      expect(await store.findInventoryLink('shopify', 'inv-1')).toEqual(link);
      expect(await store.findInventoryLink('shopify', 'inv-2')).toBeUndefined();
      expect(await store.findInventoryLink('generic', 'inv-1')).toBeUndefined();

      const level = (locationId: string, available: number, minutes: number) => ({
        itemId: 'inv-1',
        locationId,
        available,
        updatedAt: iso(minutes),
      });
      expect(await store.keepInventoryLevel('shopify', 'p1', level('l1', 3, 10))).toBe('written');
      expect(await store.keepInventoryLevel('shopify', 'p1', level('l1', 9, 5))).toBe('stale');
      expect(await store.keepInventoryLevel('shopify', 'p1', level('l1', 9, 10))).toBe('stale');
      expect(await store.keepInventoryLevel('shopify', 'p1', level('l2', 0, 1))).toBe('written');
      await store.keepInventoryLevel('shopify', 'p1', { ...level('l1', 4, 1), itemId: 'inv-10' });
      expect(await store.findInventoryLevels('shopify', 'p1', 'inv-1')).toEqual([
        level('l1', 3, 10),
        level('l2', 0, 1),
      ]);
      // The levels live beside the product without being one.
      await store.upsertProduct('shopify', aProduct('p1', iso(0)));
      expect(await store.findProducts('shopify', ['p1'])).toEqual([aProduct('p1', iso(0))]);
    });

    it('returns the state a kept change replaced, and nothing for a change refused as out of date', async () => {
      expect(await store.replaceProduct('shopify', aProduct('p1', iso(10), { availability: 'out_of_stock' }))).toEqual({
        write: 'written',
        replaced: undefined,
      });
      expect(await store.replaceProduct('shopify', aProduct('p1', iso(20)))).toEqual({
        write: 'written',
        replaced: aProduct('p1', iso(10), { availability: 'out_of_stock' }),
      });
      // Older than the one kept: refused, and no state to compare with.
      expect(await store.replaceProduct('shopify', aProduct('p1', iso(15), { title: 'Late' }))).toEqual({
        write: 'stale',
      });
      expect((await store.findProduct('shopify', 'p1'))?.updatedAt).toBe(iso(20));
      // After a deletion there is no state to compare with.
      await store.deleteProduct('shopify', 'p1', iso(30));
      expect(await store.replaceProduct('shopify', aProduct('p1', iso(40)))).toEqual({
        write: 'written',
        replaced: undefined,
      });
    });

    it('keeps one interest per product and customer until it expires, listed page by page', async () => {
      const until = at(60 * 24 * 30);
      for (const customerId of ['c-1', 'c-2', 'c-3', 'c-4', 'c-5']) {
        await store.recordInterest('shopify', 'p1', customerId, until);
      }
      // Again for the same customer: still one entry, kept longer.
      await store.recordInterest('shopify', 'p1', 'c-2', at(60 * 24 * 60));
      await store.recordInterest('shopify', 'p2', 'c-9', until);
      await store.recordInterest('generic', 'p1', 'c-8', until);

      const listed: string[] = [];
      let resumeAfter: string | undefined;
      let pages = 0;
      do {
        const page = await store.interestedCustomers('shopify', 'p1', { now: at(0), limit: 2, resumeAfter });
        expect(page.customerIds.length).toBeLessThanOrEqual(2);
        listed.push(...page.customerIds);
        resumeAfter = page.resumeAfter;
        pages++;
      } while (resumeAfter !== undefined && pages < 10);
      expect(listed.sort()).toEqual(['c-1', 'c-2', 'c-3', 'c-4', 'c-5']);

      // Past the window, only the interest recorded again is left.
      const later = await store.interestedCustomers('shopify', 'p1', { now: at(60 * 24 * 31), limit: 10 });
      expect(later.customerIds).toEqual(['c-2']);
      expect((await store.interestedCustomers('woocommerce', 'p1', { now: at(0), limit: 10 })).customerIds).toEqual([]);
    });

    it('lists more products than one read returns, and hands out copies', async () => {
      const ids = Array.from({ length: 105 }, (_, i) => `p${String(i).padStart(3, '0')}`);
      for (const id of ids) await store.upsertProduct('shopify', aProduct(id, iso(0)));
      const listed = await store.findProducts('shopify', [...ids].reverse());
      expect(listed.map((product) => product.id)).toEqual([...ids].reverse());

      const found = (await store.findProduct('shopify', 'p000')) as CatalogueProduct & { title: string };
      found.title = 'changed';
      (listed[0] as { title: string }).title = 'changed';
      expect((await store.findProduct('shopify', 'p000'))?.title).toBe('Product p000');
      expect((await store.findProduct('shopify', 'p104'))?.title).toBe('Product p104');
    });
  });

  describe('store-wide data', () => {
    it('saves and loads the store model, a copy each time', async () => {
      expect(await store.loadModel()).toBeUndefined();
      const model: StoreModel = {
        computedAt: T0,
        reportingCurrency: 'EUR',
        customersWithOrders: 1234,
        medianLatencyDays: 41.25,
        vipRevenueThreshold: 123_456,
      };
      await store.saveModel(model);
      const loaded = (await store.loadModel()) as any;
      expect(loaded).toEqual(model);
      loaded.customersWithOrders = 0;
      expect(await store.loadModel()).toEqual(model);
      await store.saveModel({ ...model, computedAt: iso(60 * 24), customersWithOrders: 1300 });
      expect((await store.loadModel())?.customersWithOrders).toBe(1300);
    });

    it('scans every customer exactly once across segments and pages, with customer and anonymous orders', async () => {
      const ids = Array.from({ length: 10 }, (_, i) => `cus_s${i}`);
      for (const id of ids) {
        await createCustomer(id, {
          orders: id === 'cus_s0' ? [anOrder(`${id}-a`), anOrder(`${id}-b`)] : [anOrder(id)],
          enrollments: [{ enrollment: aRun('welcome', iso(5)), expectedVersion: undefined }],
          timeline: [{ at: T0, kind: 'event_received' }],
        });
      }
      await store.commitAnonymousOrder({
        eventId: 'evt-a1',
        order: anOrder('anon-1'),
        expectedVersion: undefined,
        receivedAt: new Date(T0),
      });
      await store.commitAnonymousOrder({
        eventId: 'evt-a2',
        order: anOrder('anon-2'),
        expectedVersion: undefined,
        receivedAt: new Date(T0),
      });
      // The catalogue is no customer's: never in a scan of customers.
      await store.upsertProduct('generic', aProduct('p-scan', T0));
      await store.deleteProduct('generic', 'p-gone', T0);

      const byKey = (a: { order: OrderRecord }, b: { order: OrderRecord }) => a.order.key.localeCompare(b.order.key);
      const expectedOrders = [
        { customerId: 'cus_s0', order: anOrder('cus_s0-a') },
        { customerId: 'cus_s0', order: anOrder('cus_s0-b') },
        ...ids.slice(1).map((id) => ({ customerId: id, order: anOrder(id) })),
        { order: anOrder('anon-1') },
        { order: anOrder('anon-2') },
      ].sort(byKey);

      for (const segments of [1, 3, 8]) {
        const pages = await scanAll(segments);
        const customers = pages.flatMap((page) => page.customers);
        expect(customers.map(({ customer }) => customer.id).sort()).toEqual(ids);
        expect(customers.every(({ version }) => version === 1)).toBe(true);
        const orders = [...pages.flatMap((page) => page.orders)].sort(byKey);
        expect(orders).toEqual(expectedOrders);
        for (const order of orders.filter((entry) => entry.order.orderId.startsWith('anon'))) {
          expect(order).not.toHaveProperty('customerId');
        }
      }
      await expect(store.scanCustomers(3, 3, undefined)).rejects.toThrow();
    });

    it('adds journey statistics without losing counts to concurrent writers', async () => {
      await Promise.all(
        Array.from({ length: 10 }, () =>
          store.addJourneyStats([
            { journeyId: 'welcome', counters: { entered: 1, sent: 2, revenue: 0 } },
            { journeyId: 'welcome', stepId: 'email-1', counters: { sent: 1, opened: undefined } },
          ]),
        ),
      );
      await store.addJourneyStats([
        { journeyId: 'welcome', stepId: 'email-1', counters: { clicked: 3, sent: -1 } },
        { journeyId: 'quiet', counters: { sent: 0 } },
      ]);
      // Per step first, then the totals (the order of their keys).
      expect(await store.journeyStats(['welcome', 'quiet', 'unknown'])).toEqual([
        { journeyId: 'welcome', stepId: 'email-1', counters: { sent: 9, clicked: 3 } },
        { journeyId: 'welcome', counters: { entered: 10, sent: 20 } },
      ]);
    });

    it('keeps a row per variant of a step beside the step, and reads each back with its variant', async () => {
      await store.addJourneyStats([
        { journeyId: 'welcome', stepId: 'email-1', counters: { sent: 2 } },
        { journeyId: 'welcome', stepId: 'email-1', variantId: 'control', counters: { sent: 1, opened: 1 } },
        { journeyId: 'welcome', stepId: 'email-1', variantId: 'story', counters: { sent: 1 } },
        { journeyId: 'welcome', stepId: 'email-1', variantId: 'story', counters: { clicked: 1 } },
      ]);
      expect(await store.journeyStats(['welcome'])).toEqual([
        { journeyId: 'welcome', stepId: 'email-1', counters: { sent: 2 } },
        { journeyId: 'welcome', stepId: 'email-1', variantId: 'control', counters: { sent: 1, opened: 1 } },
        { journeyId: 'welcome', stepId: 'email-1', variantId: 'story', counters: { sent: 1, clicked: 1 } },
      ]);
    });

    it("keeps an experiment's first start and first decision: later writers get the kept ones", async () => {
      expect(await store.experiment('welcome', 'email-1')).toEqual({});
      const starts = await Promise.all(
        [iso(0), iso(1), iso(2)].map((t) => store.recordExperimentStart('welcome', 'email-1', t)),
      );
      expect(new Set(starts).size).toBe(1);
      const decision = (winner: string) => ({
        journeyId: 'welcome',
        stepId: 'email-1',
        decidedAt: iso(240),
        metric: 'opens',
        confidence: 0.95,
        outcome: { winner, reason: 'significant' as const, alpha: 0.05, variants: [] },
      });
      const decided = await Promise.all(
        ['story', 'control'].map((winner) => store.recordExperimentDecision(decision(winner))),
      );
      expect(decided[0]).toEqual(decided[1]);
      expect(await store.recordExperimentDecision(decision('other'))).toEqual(decided[0]);
      expect(await store.experiment('welcome', 'email-1')).toEqual({ startedAt: starts[0], decision: decided[0] });
      expect(await store.experiment('welcome', 'email-2')).toEqual({});
    });
  });

  describe('offers', () => {
    const issued = (key: string, code: string) => ({
      key,
      offer: 'comeback',
      code,
      customerId: 'cus_o1',
      journeyId: 'win-back',
      stepId: 'miss-you',
      issuedAt: T0,
      expiresAt: iso(14 * 24 * 60),
    });

    it('a pool takes each code once: a code imported again, even after it was drawn, is not available again', async () => {
      expect(await store.addPoolCodes('comeback', ['CODE-A', 'CODE-B', 'CODE-A'])).toBe(2);
      expect(await store.drawPoolCode('comeback', 'run_1/miss-you')).toBe('CODE-A');
      expect(await store.addPoolCodes('comeback', ['CODE-A', 'CODE-C'])).toBe(1);
      expect(await store.availablePoolCodes('comeback')).toBe(2);
      expect(await store.availablePoolCodes('other')).toBe(0);
    });

    it('draws one code per reservation: the same reservation gets the same code, an empty pool none', async () => {
      await store.addPoolCodes('comeback', ['CODE-A', 'CODE-B']);
      const first = await store.drawPoolCode('comeback', 'run_1/miss-you');
      expect(await store.drawPoolCode('comeback', 'run_1/miss-you')).toBe(first);
      const second = await store.drawPoolCode('comeback', 'run_2/miss-you');
      expect(second).not.toBe(first);
      expect(await store.drawPoolCode('comeback', 'run_3/miss-you')).toBeUndefined();
      expect(await store.drawPoolCode('comeback', 'run_1/miss-you')).toBe(first);
      expect(await store.availablePoolCodes('comeback')).toBe(0);
    });

    it('draws at the same time never hand one code to two reservations', async () => {
      const codes = Array.from({ length: 6 }, (_, n) => `CODE-${n}`);
      await store.addPoolCodes('comeback', codes);
      const drawn = await Promise.all(
        Array.from({ length: 8 }, (_, n) => store.drawPoolCode('comeback', `run_${n}/miss-you`)),
      );
      const given = drawn.filter((code) => code !== undefined);
      expect(given.sort()).toEqual(codes);
      expect(drawn.filter((code) => code === undefined)).toHaveLength(2);
    });

    it('keeps the first offer recorded for a reservation, and hands it back to a second writer', async () => {
      expect(await store.findIssuedOffer('cus_o1', 'run_1/miss-you')).toBeUndefined();
      expect(await store.recordIssuedOffer(issued('run_1/miss-you', 'CODE-A'))).toEqual(
        issued('run_1/miss-you', 'CODE-A'),
      );
      expect(await store.recordIssuedOffer(issued('run_1/miss-you', 'CODE-B'))).toEqual(
        issued('run_1/miss-you', 'CODE-A'),
      );
      expect(await store.findIssuedOffer('cus_o1', 'run_1/miss-you')).toEqual(issued('run_1/miss-you', 'CODE-A'));
      await store.recordIssuedOffer(issued('run_2/miss-you', 'CODE-C'));
      expect(await store.issuedOffers('cus_o1')).toEqual([
        issued('run_1/miss-you', 'CODE-A'),
        issued('run_2/miss-you', 'CODE-C'),
      ]);
      expect(await store.issuedOffers('cus_other')).toEqual([]);
    });
  });

  describe('campaigns', () => {
    const state = (overrides: Partial<CampaignState> = {}): CampaignState => ({
      campaignId: 'winter-sale',
      status: 'scheduled',
      startsAt: T0,
      scheduledAt: T0,
      scheduledBy: 'marketer',
      ...overrides,
    });
    const run = (dueAt: string): Enrollment => ({
      journeyId: 'campaign-winter-sale',
      runId: 'campaign-winter-sale.cus_c1',
      status: 'active',
      stepId: 'send',
      dueAt,
      enteredAt: T0,
      entries: 1,
    });

    it("writes a campaign's state once as new, then only over the version read", async () => {
      expect(await store.campaignStates(['winter-sale', 'other'])).toEqual(new Map());
      expect(await store.writeCampaignState(state())).toBe(true);
      // A second scheduler that read no state loses.
      expect(await store.writeCampaignState(state({ scheduledBy: 'someone else' }))).toBe(false);
      const read = (await store.campaignStates(['winter-sale'])).get('winter-sale');
      expect(read).toEqual(state({ version: 1 }));
      expect(await store.writeCampaignState({ ...state({ version: 1 }), status: 'sending', startedAt: iso(1) })).toBe(
        true,
      );
      // A cancellation decided on the state before that change loses, and reads again.
      expect(await store.writeCampaignState({ ...state({ version: 1 }), status: 'cancelled' })).toBe(false);
      expect((await store.campaignStates(['winter-sale'])).get('winter-sale')).toMatchObject({
        status: 'sending',
        startedAt: iso(1),
        version: 2,
      });
    });

    it("keeps each segment of a campaign's enrollment in an item of its own, written over its own version", async () => {
      const sending = state({
        status: 'sending',
        startedAt: iso(1),
        enrollment: [
          { targeted: 0, enqueuedUntil: iso(3) },
          { targeted: 0, enqueuedUntil: iso(3) },
        ],
      });
      expect(await store.writeCampaignState(sending)).toBe(true);
      // Before its item is written, a segment stands at its first page, its time on the queue over.
      expect((await store.campaignStates(['winter-sale'])).get('winter-sale')?.enrollment).toEqual([
        { targeted: 0, enqueuedUntil: iso(1) },
        { targeted: 0, enqueuedUntil: iso(1) },
      ]);
      for (const segment of [0, 1]) {
        expect(await store.writeSegmentProgress('winter-sale', segment, { targeted: 0, enqueuedUntil: iso(3) })).toBe(
          true,
        );
      }
      // A second writer of segment 0's first page loses; segment 1 moves on over its own version meanwhile.
      expect(await store.writeSegmentProgress('winter-sale', 0, { targeted: 9, enqueuedUntil: iso(4) })).toBe(false);
      expect(
        await store.writeSegmentProgress('winter-sale', 1, {
          targeted: 2,
          lastDueAt: iso(9),
          resumeAfter: 'cus_k',
          enqueuedUntil: iso(5),
          version: 1,
        }),
      ).toBe(true);
      expect(
        await store.writeSegmentProgress('winter-sale', 1, {
          targeted: 7,
          done: true,
          enqueuedUntil: iso(6),
          version: 1,
        }),
      ).toBe(false);
      // The state item itself is untouched by its segments: a change decided on it still goes through.
      expect(await store.writeCampaignState({ ...sending, version: 1, audienceIndex: true })).toBe(true);
      expect((await store.campaignStates(['winter-sale'])).get('winter-sale')).toEqual({
        ...sending,
        audienceIndex: true,
        version: 2,
        enrollment: [
          { targeted: 0, enqueuedUntil: iso(3), version: 1 },
          { targeted: 2, lastDueAt: iso(9), resumeAfter: 'cus_k', enqueuedUntil: iso(5), version: 2 },
        ],
      });
      // Once enrolled, the state reads without its segments.
      const { enrollment: _done, ...enrolled } = sending;
      expect(await store.writeCampaignState({ ...enrolled, enrolledAt: iso(7), version: 2 })).toBe(true);
      expect((await store.campaignStates(['winter-sale'])).get('winter-sale')).toEqual({
        ...enrolled,
        enrolledAt: iso(7),
        version: 3,
      });
      // Nor are its segments customers.
      expect((await scanAll(2)).flatMap((page) => page.customers)).toEqual([]);
    });

    it("reads a campaign's status without its segments' progress, as of its state item", async () => {
      const sending = state({
        status: 'sending',
        startedAt: iso(1),
        enrollment: [
          { targeted: 0, enqueuedUntil: iso(3) },
          { targeted: 0, enqueuedUntil: iso(3) },
        ],
      });
      expect(await store.campaignStatuses(['winter-sale'])).toEqual(new Map());
      expect(await store.writeCampaignState(sending)).toBe(true);
      expect(await store.writeSegmentProgress('winter-sale', 0, { targeted: 4, enqueuedUntil: iso(3) })).toBe(true);
      const { enrollment: _progress, ...withoutProgress } = sending;
      expect(await store.campaignStatuses(['winter-sale', 'other'])).toEqual(
        new Map([['winter-sale', { ...withoutProgress, version: 1 }]]),
      );
      expect(await store.writeCampaignState({ ...sending, version: 1, status: 'cancelled' })).toBe(true);
      expect((await store.campaignStatuses(['winter-sale'])).get('winter-sale')?.status).toBe('cancelled');
    });

    it('enrolls a recipient once, due at their send time, and never one whose profile is gone', async () => {
      await createCustomer('cus_c1');
      const entered: TimelineEntry = {
        at: T0,
        kind: 'journey_entered',
        journeyId: 'campaign-winter-sale',
        runId: 'campaign-winter-sale.cus_c1',
        trigger: 'campaign',
      };
      expect(await store.enrollCampaignRun('cus_c1', run(iso(60)), [entered])).toBe('enrolled');
      expect(await store.enrollCampaignRun('cus_c1', run(iso(5)), [entered])).toBe('exists');
      expect(await dueFor('cus_c1', at(60))).toEqual([
        { kind: 'journey', customerId: 'cus_c1', journeyId: 'campaign-winter-sale', dueAt: iso(60) },
      ]);
      expect(await dueFor('cus_c1', at(59))).toEqual([]);
      expect((await store.load('cus_c1'))?.enrollments.get('campaign-winter-sale')?.enrollment).toEqual(run(iso(60)));
      expect((await store.timeline('cus_c1')).filter((entry) => entry.kind === 'journey_entered')).toEqual([entered]);
      expect(await store.enrollCampaignRun('cus_gone', run(iso(60)), [])).toBe('customer_missing');
      expect(await store.load('cus_gone')).toBeUndefined();
      expect(await dueFor('cus_gone', at(60))).toEqual([]);
    });

    it('keeps the customers of an imported list', async () => {
      await store.addToCampaignList('fair', ['cus_a', 'cus_b']);
      await store.addToCampaignList('fair', ['cus_b', 'cus_c']);
      expect(await store.campaignList('fair')).toEqual(new Set(['cus_a', 'cus_b', 'cus_c']));
      expect(await store.campaignList('other')).toEqual(new Set());
    });

    it('reads the audience index by stage: each profile of those stages once, over segments and pages', async () => {
      const stages = { cus_s1: 'subscriber', cus_s2: 'subscriber', cus_s3: 'subscriber', cus_p1: 'prospect' } as const;
      for (const [id, stage] of Object.entries(stages)) await createCustomer(id, { customer: { stage } });
      // A send's write of the profile (a new version, the same stage) leaves it where it was in the index.
      expect(
        await update('cus_s1', 1, { customer: aCustomer('cus_s1', 'cus_s1@example.com', { stage: 'subscriber' }) }),
      ).toBe('committed');
      // A change of stage moves it.
      expect(
        await update('cus_p1', 1, { customer: aCustomer('cus_p1', 'cus_p1@example.com', { stage: 'lapsed' }) }),
      ).toBe('committed');
      await store.addToCampaignList('fair', ['cus_s1']);
      await store.writeCampaignState(state());

      async function readAll(only: Parameters<CustomerStore['readAudience']>[0], segments: number) {
        const read: { id: string; version: number }[] = [];
        let pages = 0;
        for (let segment = 0; segment < segments; segment++) {
          let resumeAfter: string | undefined;
          do {
            const page = await store.readAudience(only, segment, segments, resumeAfter);
            pages++;
            read.push(...page.customers.map(({ customer, version }) => ({ id: customer.id, version })));
            resumeAfter = page.resumeAfter;
          } while (resumeAfter !== undefined);
        }
        return { ids: read.map((entry) => entry.id).sort(), read, pages };
      }

      expect((await readAll(['subscriber'], 3)).ids).toEqual(['cus_s1', 'cus_s2', 'cus_s3']);
      expect((await readAll(['subscriber'], 1)).read).toContainEqual({ id: 'cus_s1', version: 2 });
      expect((await readAll(['lapsed', 'prospect'], 2)).ids).toEqual(['cus_p1']);
      expect((await readAll(['vip'], 100)).ids).toEqual([]);
      expect((await readAll(undefined, 5)).ids).toEqual(['cus_p1', 'cus_s1', 'cus_s2', 'cus_s3']);
      await expect(store.readAudience(['subscriber'], 0, 1, '{"partition":99}')).rejects.toThrow(
        'the audience position names no partition of its segment',
      );
      await expect(store.readAudience(undefined, 2, 2, undefined)).rejects.toThrow(RangeError);
    });

    it('pages a partition of the audience index by its page size', async () => {
      // Three profiles in one shard of one stage: a page of two, then the one left.
      const ids: string[] = [];
      for (let n = 0; ids.length < 3; n++) {
        const id = `cus_page${n}`;
        if (shardOf(id, AUDIENCE_SHARDS) === 0) ids.push(id);
      }
      for (const id of ids) await createCustomer(id, { customer: { stage: 'vip' } });
      const first = await store.readAudience(['vip'], 0, AUDIENCE_SHARDS, undefined);
      expect(first.customers).toHaveLength(2);
      expect(first.resumeAfter).toBeDefined();
      const second = await store.readAudience(['vip'], 0, AUDIENCE_SHARDS, first.resumeAfter);
      expect([...first.customers, ...second.customers].map(({ customer }) => customer.id).sort()).toEqual(ids.sort());
      expect(second.resumeAfter).toBeUndefined();
    });

    it('is not read through the audience index until a whole pass found every profile with its key', async () => {
      expect(await store.audienceIndexReady()).toBe(false);
      await createCustomer('cus_k1');
      // Profiles the product writes carry their key: the scan finds nothing to stamp.
      expect((await scanAll(1)).flatMap((page) => page.customers)).toEqual([
        { customer: aCustomer('cus_k1', 'cus_k1@example.com'), version: 1 },
      ]);
      // Stamping is only over the version read.
      expect(await store.stampAudienceKey(aCustomer('cus_k1', 'cus_k1@example.com'), 7)).toBe(false);
      expect(await store.stampAudienceKey(aCustomer('cus_k1', 'cus_k1@example.com'), 1)).toBe(true);
      expect((await store.load('cus_k1'))?.version).toBe(1);
      await store.markAudienceIndexReady();
      expect(await store.audienceIndexReady()).toBe(true);
      // The marker is no customer.
      expect((await scanAll(1)).flatMap((page) => page.customers.map(({ customer }) => customer.id))).toEqual([
        'cus_k1',
      ]);
    });

    it('leaves campaign items out of the scan of customers', async () => {
      await createCustomer('cus_c1');
      await store.writeCampaignState(state());
      await store.addToCampaignList('fair', ['cus_c1']);
      const customers = (await scanAll(2)).flatMap((page) => page.customers.map(({ customer }) => customer.id));
      expect(customers).toEqual(['cus_c1']);
    });
  });

  describe('template versions', () => {
    const content = (n: number): TemplateContent => ({
      subject: `Subject ${n}`,
      html: `<p>Body ${n}</p>`,
      text: `Body ${n}`,
    });
    const version = (n: number, errors: string[] = [], previous?: number) =>
      nextVersion(previous === undefined ? undefined : { number: previous }, {
        template: 'welcome-1',
        content: content(n),
        hash: `hash${n}`,
        at: iso(n),
        errors,
        ...(n === 2 ? { who: 'arn:aws:iam::123456789012:user/marketer' } : {}),
      });

    it('keeps every version with its content and verdict, and the newest as the status', async () => {
      expect(await store.templateStatus('welcome-1')).toBeUndefined();
      expect(await store.templateVersions('welcome-1')).toEqual([]);
      expect(await store.keepTemplateVersion(version(1), undefined)).toBe('kept');
      expect(await store.keepTemplateVersion(version(2, ['no unsubscribe link'], 1), 1)).toBe('kept');
      expect(await store.templateStatus('welcome-1')).toEqual({
        template: 'welcome-1',
        number: 2,
        hash: 'hash2',
        verdict: 'broken',
        seenAt: iso(2),
        who: 'arn:aws:iam::123456789012:user/marketer',
      });
      const kept = await store.templateVersions('welcome-1');
      expect(kept).toEqual([version(1), version(2, ['no unsubscribe link'], 1)]);
      expect(kept[1]).toMatchObject({ number: 2, who: 'arn:aws:iam::123456789012:user/marketer', content: content(2) });
      expect(await store.templateVersions('welcome-2')).toEqual([]);
    });

    it('keeps a version once when two writers saw the same edit', async () => {
      await store.keepTemplateVersion(version(1), undefined);
      const [a, b] = await Promise.all([
        store.keepTemplateVersion(version(2, [], 1), 1),
        store.keepTemplateVersion({ ...version(2, [], 1), seenAt: iso(3) }, 1),
      ]);
      expect([a, b].sort()).toEqual(['conflict', 'kept']);
      expect(await store.keepTemplateVersion(version(1), undefined)).toBe('conflict');
      expect((await store.templateVersions('welcome-1')).map((v) => v.number)).toEqual([1, 2]);
    });

    it('names who made the newest version, and never a version a newer one has replaced', async () => {
      const who = 'arn:aws:iam::123456789012:user/designer';
      const first = version(1);
      const second = version(3, [], 1);
      await store.keepTemplateVersion(first, undefined);
      await store.keepTemplateVersion(second, 1);
      expect(second).not.toHaveProperty('who');

      expect(await store.nameTemplateEditor({ ...second, who })).toBe('kept');
      expect(await store.templateStatus('welcome-1')).toMatchObject({ number: 2, who });
      expect(await store.templateVersions('welcome-1')).toEqual([first, { ...second, who }]);

      // The first version is no longer the newest: naming its editor changes neither it nor the status.
      expect(await store.nameTemplateEditor({ ...first, who })).toBe('conflict');
      expect(await store.templateStatus('welcome-1')).toMatchObject({ number: 2, hash: 'hash3', who });
      expect(await store.templateVersions('welcome-1')).toEqual([first, { ...second, who }]);
    });

    it('keeps a large template compressed, within the item size limit', async () => {
      const big: TemplateContent = {
        subject: 'Big',
        html: `<table>${'<tr><td>Row of a long newsletter with a product</td></tr>\n'.repeat(8000)}</table>`,
        text: 'Row\n'.repeat(20000),
      };
      expect(big.html.length).toBeGreaterThan(400_000);
      const first = { ...version(1), content: big };
      expect(await store.keepTemplateVersion(first, undefined)).toBe('kept');
      expect((await store.templateVersions('welcome-1'))[0]?.content).toEqual(big);
    });
  });
});
