import { resolve } from 'node:path';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { DynamoDbCustomerStore } from '../../functions/adapters/dynamodb/customer-store.js';
import { hashEmail } from '../../functions/adapters/email-hash.js';
import { poolOfferCodes } from '../../functions/adapters/offer-pool.js';
import { seedTemplates } from '../../functions/adapters/ses-templates.js';
import { SesV2Mailer } from '../../functions/adapters/ses-v2-mailer.js';
import { readTemplateFiles } from '../../functions/adapters/template-files.js';
import { assess } from '../../functions/domain/intelligence/assess.js';
import type { DispatchDependencies } from '../../functions/domain/services/dispatch/dependencies.js';
import { dispatchDueRuns } from '../../functions/domain/services/dispatch/tick.js';
import { recordCustomerEvent } from '../../functions/domain/services/record-customer-event.js';
import { customerChanges } from '../../functions/handlers/wiring.js';
import type { CustomerStore } from '../../functions/ports/customer-store.js';
import { testConfig } from '../helpers/config.js';
import { aCustomer, aRun } from '../helpers/customers.js';
import { dueRunDispatch } from '../helpers/due-runs.js';
import { engines, freshStore, uniqueEmail } from '../helpers/engines.js';
import { orderPlaced } from '../helpers/events.js';
import { emailsTo } from '../helpers/inbox.js';

const OFFER = {
  name: 'thanks',
  kind: 'percentage',
  value: 15,
  validFor: 'P14D',
  terms: 'One use, on orders of 40 or more.',
} as const;
const withOffer = testConfig({ journeys: { repeatIncentive: { offer: OFFER } } });
const LEASE_MS = 120_000;
/** The reservation of a customer's incentive: every test customer's run has the same id. */
const runKey = (customerId: string) => `${customerId}/run_repeat-incentive/incentive`;
let store: DynamoDbCustomerStore;
let mailer: SesV2Mailer;

beforeAll(async () => {
  const { ses } = engines();
  await seedTemplates(ses, readTemplateFiles(resolve('templates')), withOffer.templatePrefix);
  mailer = new SesV2Mailer({ client: ses, from: withOffer.sender.from, configurationSetName: 'test' });
});

beforeEach(async () => {
  ({ store } = await freshStore(4));
});

class SimulatedCrash extends Error {}

function dependencies({
  now,
  store: using = store,
  ...overrides
}: Omit<Partial<DispatchDependencies>, 'store'> & { now: Date; store?: CustomerStore }): DispatchDependencies {
  return dueRunDispatch(
    { store: using, mailer, clock: { now: () => now }, config: withOffer, owner: 'dispatcher-a' },
    { offerCodes: poolOfferCodes(using), ...overrides },
  );
}

/** A customer in Berlin, writing German, whose repeat-purchase incentive is due at `dueAt`. */
async function customerWithDueIncentive(id: string, dueAt: string) {
  const email = uniqueEmail(id);
  const customer = aCustomer(id, email, {
    locale: 'de-DE',
    timezone: 'Europe/Berlin',
    stage: 'first_time_customer',
    metrics: { orderCount: 1, revenue: { amount: 4000, currency: 'USD' }, firstOrderAt: '2026-07-10T10:00:00Z' },
  });
  const { stage, segments } = assess(customer, undefined, new Date(dueAt), withOffer);
  await store.commitEvent({
    eventId: `evt-${id}`,
    customer: { ...customer, stage, segments },
    expectedVersion: undefined,
    claimEmail: email,
    enrollments: [{ enrollment: aRun('repeat-incentive', dueAt, { stepId: 'incentive' }), expectedVersion: undefined }],
    timeline: [],
  });
  return email;
}

/** A store that dies the first `times` calls of `method`, like a Lambda timing out there. */
function crashingOn(method: keyof CustomerStore, times: number): CustomerStore {
  let left = times;
  return new Proxy(store, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver);
      if (typeof value !== 'function') return value;
      return async (...args: unknown[]) => {
        if (property === method && left > 0) {
          left--;
          throw new SimulatedCrash(`crash in ${String(method)}`);
        }
        return value.apply(target, args);
      };
    },
  }) as CustomerStore;
}

describe('single-use offers in lifecycle emails, against DynamoDB Local and the local SES', () => {
  it('each customer gets a code of their own from the pool, with its last day in their language and time zone', async () => {
    const now = new Date('2026-08-01T09:00:00.000Z');
    await store.addPoolCodes('thanks', ['THANKS-AAA1', 'THANKS-BBB2', 'THANKS-CCC3']);
    const ada = await customerWithDueIncentive('cus_offer1', now.toISOString());
    const bea = await customerWithDueIncentive('cus_offer2', now.toISOString());
    const summary = await dispatchDueRuns(dependencies({ now }));
    expect(summary).toMatchObject({ sent: 2, offersIssued: 2, offerFallbacks: 0 });

    const first = await store.findIssuedOffer('cus_offer1', runKey('cus_offer1'));
    const second = await store.findIssuedOffer('cus_offer2', runKey('cus_offer2'));
    expect(first).toMatchObject({
      offer: 'thanks',
      journeyId: 'repeat-incentive',
      stepId: 'incentive',
      customerId: 'cus_offer1',
      issuedAt: now.toISOString(),
      expiresAt: '2026-08-15T09:00:00.000Z',
    });
    expect(first?.code).not.toBe(second?.code);
    const [email] = await emailsTo(engines().sesEndpoint, ada);
    expect(email?.body.text).toContain(first?.code);
    expect(email?.body.text).toContain('until 15. August 2026. One use, on orders of 40 or more.');
    expect(email?.body.html).toContain(first?.code);
    expect(email?.body.text).not.toContain('COMEBACK10');
    expect((await emailsTo(engines().sesEndpoint, bea))[0]?.body.text).toContain(second?.code);
    expect(await store.availablePoolCodes('thanks')).toBe(1);
  });

  it('a send that crashes after drawing its code sends that same code when it is tried again', async () => {
    const now = new Date('2026-08-02T09:00:00.000Z');
    await store.addPoolCodes('thanks', ['THANKS-AAA1', 'THANKS-BBB2']);
    const ada = await customerWithDueIncentive('cus_offer3', now.toISOString());
    const crashing = crashingOn('recordIssuedOffer', 1);
    await expect(dispatchDueRuns(dependencies({ now, store: crashing }))).rejects.toMatchObject({
      cause: expect.any(SimulatedCrash),
    });
    const later = new Date(now.getTime() + LEASE_MS + 1_000);
    expect(await dispatchDueRuns(dependencies({ now: later, owner: 'b' }))).toMatchObject({ sent: 1 });
    const issued = await store.findIssuedOffer('cus_offer3', runKey('cus_offer3'));
    expect((await emailsTo(engines().sesEndpoint, ada))[0]?.body.text).toContain(issued?.code);
    // The code drawn before the crash is the one sent: the other is still in the pool.
    expect(await store.availablePoolCodes('thanks')).toBe(1);
  });

  it('the one duplicate a crash after SES may cause carries the same code, and uses no second one', async () => {
    const now = new Date('2026-08-03T09:00:00.000Z');
    await store.addPoolCodes('thanks', ['THANKS-AAA1', 'THANKS-BBB2']);
    const ada = await customerWithDueIncentive('cus_offer4', now.toISOString());
    const crashing = crashingOn('saveRunProgress', 1);
    await expect(dispatchDueRuns(dependencies({ now, store: crashing }))).rejects.toMatchObject({
      cause: expect.any(SimulatedCrash),
    });
    const later = new Date(now.getTime() + LEASE_MS + 1_000);
    await dispatchDueRuns(dependencies({ now: later, owner: 'b' }));
    const emails = await emailsTo(engines().sesEndpoint, ada);
    expect(emails).toHaveLength(2);
    const { code } = (await store.findIssuedOffer('cus_offer4', runKey('cus_offer4'))) ?? {};
    for (const email of emails) expect(email.body.text).toContain(code);
    expect(await store.availablePoolCodes('thanks')).toBe(1);
  });

  it('an empty pool sends the static code instead, and counts it', async () => {
    const now = new Date('2026-08-04T09:00:00.000Z');
    const ada = await customerWithDueIncentive('cus_offer5', now.toISOString());
    const summary = await dispatchDueRuns(dependencies({ now }));
    expect(summary).toMatchObject({ sent: 1, offersIssued: 0, offerFallbacks: 1 });
    const [email] = await emailsTo(engines().sesEndpoint, ada);
    expect(email?.body.text).toContain('COMEBACK10');
    expect(email?.body.text).toContain('It is valid for 14 days.');
    expect(await store.findIssuedOffer('cus_offer5', runKey('cus_offer5'))).toBeUndefined();
  });

  it('an order that uses the code redeems the offer once, attributed to the journey and step with its revenue', async () => {
    const now = new Date('2026-08-05T09:00:00.000Z');
    await store.addPoolCodes('thanks', ['THANKS-AAA1']);
    const ada = await customerWithDueIncentive('cus_offer6', now.toISOString());
    expect(await dispatchDueRuns(dependencies({ now }))).toMatchObject({ offersIssued: 1 });
    const changes = {
      ...customerChanges({
        store,
        clock: { now: () => new Date('2026-08-07T12:00:00.000Z') },
        config: withOffer,
        publisher: { publish: async () => undefined },
        loadModel: async () => undefined,
      }),
      hashEmail,
    };
    // Typed at checkout in lower case, beside another code; then the same order again (a redelivery, and
    // its second topic): one redemption.
    const order = orderPlaced('offer-order-1', 5200, { email: ada, placedAt: '2026-08-07T11:00:00Z' });
    const withCode = {
      ...order,
      data: { ...order.data, order: { ...order.data.order, discountCodes: ['thanks-aaa1', 'FREESHIP'] } },
    };
    // What the customer function counts as OfferRedeemed: the first delivery only.
    expect(await recordCustomerEvent(changes, withCode)).toMatchObject({ offersRedeemed: ['repeat-incentive'] });
    expect(await recordCustomerEvent(changes, withCode)).toMatchObject({ outcome: 'duplicate' });
    expect(await recordCustomerEvent(changes, { ...withCode, id: `${withCode.id}-paid` })).toMatchObject({
      offersRedeemed: [],
    });

    const redeemed = (await store.timeline('cus_offer6')).filter((entry) => entry.kind === 'offer_redeemed');
    expect(redeemed).toEqual([
      expect.objectContaining({
        journeyId: 'repeat-incentive',
        stepId: 'incentive',
        offer: 'thanks',
        orderKey: 'generic:offer-order-1',
      }),
    ]);
    const stats = await store.journeyStats(['repeat-incentive']);
    expect(stats.find((s) => s.stepId === 'incentive')?.counters).toMatchObject({
      offersIssued: 1,
      offersRedeemed: 1,
      offerRevenue: 5200,
    });
    expect(stats.find((s) => s.stepId === undefined)?.counters).toMatchObject({
      offersRedeemed: 1,
      offerRevenue: 5200,
    });
  });

  it('a code used after its last day redeems nothing', async () => {
    const now = new Date('2026-08-06T09:00:00.000Z');
    await store.addPoolCodes('thanks', ['THANKS-AAA1']);
    const ada = await customerWithDueIncentive('cus_offer7', now.toISOString());
    await dispatchDueRuns(dependencies({ now }));
    const changes = {
      ...customerChanges({
        store,
        clock: { now: () => new Date('2026-09-01T12:00:00.000Z') },
        config: withOffer,
        publisher: { publish: async () => undefined },
        loadModel: async () => undefined,
      }),
      hashEmail,
    };
    const late = orderPlaced('offer-order-2', 5200, { email: ada, placedAt: '2026-08-21T09:00:01Z' });
    await recordCustomerEvent(changes, {
      ...late,
      data: { ...late.data, order: { ...late.data.order, discountCodes: ['THANKS-AAA1'] } },
    });
    expect((await store.timeline('cus_offer7')).some((entry) => entry.kind === 'offer_redeemed')).toBe(false);
  });
});
