import { describe, expect, it } from 'vitest';
import { EmulatedTableCustomerStore } from '../../../functions/adapters/dynamodb/emulated-table.js';
import { hashEmail } from '../../../functions/adapters/email-hash.js';
import type { Customer } from '../../../functions/domain/customer.js';
import { withConsent } from '../../../functions/domain/customer.js';
import { quietUntil } from '../../../functions/domain/guardrails.js';
import { dispatchDueRuns } from '../../../functions/domain/services/dispatch/tick.js';
import { recordCustomerEvent } from '../../../functions/domain/services/record-customer-event.js';
import { recordEmailFeedback } from '../../../functions/domain/services/record-email-feedback.js';
import { customerChanges, dispatcherDependencies } from '../../../functions/handlers/wiring.js';
import type { CustomerStore } from '../../../functions/ports/customer-store.js';
import type { Mailer, OutgoingEmail } from '../../../functions/ports/mailer.js';
import { testConfig } from '../../helpers/config.js';
import { aCustomer, aRun } from '../../helpers/customers.js';

/*
 * One focused test per way the sending guarantees of docs/journeys.md were found broken (by review, then by
 * the interleaving explorer, tests/explorer): each failed before its fix.
 */

const config = testConfig({
  quietHours: { start: '21:00', end: '08:00' },
  frequencyCap: [{ max: 1, per: 'PT16H' }],
  journeys: { repeatIncentive: { discountCode: 'COMEBACK10', discountText: '10% off' } },
});
const LINKS = (id: string) => ({
  unsubscribeUrl: `https://api.example.com/unsubscribe?token=${id}`,
  keepSubscribedUrl: `https://api.example.com/unsubscribe?token=${id}&keep=1`,
  npsUrl: (score: number) => `https://api.example.com/feedback?token=${id}&score=${score}`,
  confirmUrl: `https://api.example.com/confirm?token=${id}`,
});

let ids = 0;
function world(options: { timezone?: string; runs?: [string, string][]; customer?: Partial<Customer> } = {}) {
  const store = new EmulatedTableCustomerStore({ dueShards: 2 });
  const delivered: OutgoingEmail[] = [];
  const changes = (clock: () => Date, actorStore: CustomerStore = store) =>
    customerChanges({
      store: actorStore,
      clock: { now: clock },
      config,
      publisher: { publish: async () => undefined },
      loadModel: async () => undefined,
      newId: (prefix) => `${prefix}_${++ids}`,
    });
  const seed = async (due: string) => {
    const customer = aCustomer('cus_1', 'ada@example.com', {
      timezone: options.timezone ?? 'Europe/London',
      aliases: ['generic:ext-1'],
      ...options.customer,
    });
    await store.commitEvent({
      eventId: 'seed',
      customer,
      expectedVersion: undefined,
      claimEmail: customer.email,
      claimAliases: ['generic:ext-1'],
      enrollments: (options.runs ?? [['welcome-series', 'welcome-1']]).map(([journeyId, stepId]) => ({
        enrollment: aRun(journeyId, due, { stepId, runId: `run_${journeyId}` }),
        expectedVersion: undefined,
      })),
      timeline: [],
    });
  };
  const tick = (at: string, mailer: Mailer, owner = 'dispatcher', actorStore: CustomerStore = store) =>
    dispatchDueRuns({
      ...dispatcherDependencies(
        changes(() => new Date(at), actorStore),
        { mailer, links: LINKS },
      ),
      owner,
    });
  const accepting: Mailer = {
    send: async (email) => {
      delivered.push(email);
      return { messageId: `msg-${delivered.length}` };
    },
  };
  return { store, delivered, changes, seed, tick, accepting };
}

/** SES takes the email, and its answer is lost (a time-out after the request went out). */
function answerLost(delivered: OutgoingEmail[]): Mailer {
  return {
    send: async (email) => {
      delivered.push(email);
      throw Object.assign(new Error('socket hang up'), { name: 'TimeoutError' });
    },
  };
}

describe('the sending guarantees, one broken way each', () => {
  it('1. a deferral between two uncertain sends does not let a third copy go', async () => {
    const w = world();
    // 20:58 in London (UTC+1): quiet hours begin at 21:00.
    await w.seed('2026-06-01T19:58:00.000Z');
    await w.tick('2026-06-01T19:58:00.000Z', answerLost(w.delivered)); // attempt 1: SES took it, answer lost
    await w.tick('2026-06-01T20:00:30.000Z', w.accepting); // attempt 2: deferred by quiet hours to 08:00
    await w.tick('2026-06-02T07:01:00.000Z', answerLost(w.delivered)); // attempt 2 again: sent, answer lost
    await w.tick('2026-06-02T07:04:00.000Z', w.accepting);
    await w.tick('2026-06-02T07:30:00.000Z', w.accepting);
    expect(w.delivered.map((email) => email.templateName)).toEqual(['lifecycle-welcome-1', 'lifecycle-welcome-1']);
    const timeline = await w.store.timeline('cus_1');
    expect(timeline.find((e) => e.kind === 'email_skipped')).toMatchObject({ reason: 'delivery_uncertain' });
  });

  it('2. an order recorded between the claim and the reservation: no email, and the run has exited', async () => {
    const w = world();
    await w.seed('2026-06-01T11:00:00.000Z');
    let ordered = false;
    // The customer function records an order right before the dispatcher reserves its send.
    const racing = new Proxy(w.store, {
      get(target, property, receiver) {
        const value = Reflect.get(target, property, receiver);
        if (property !== 'commitEvent' || typeof value !== 'function') return value;
        return async (...args: unknown[]) => {
          const commit = args[0] as { eventId: string };
          if (commit.eventId.startsWith('send:') && !ordered) {
            ordered = true;
            await recordCustomerEvent({ ...w.changes(() => new Date('2026-06-01T12:00:00Z')), hashEmail }, order());
          }
          return value.apply(target, args);
        };
      },
    }) as CustomerStore;
    await w.tick('2026-06-01T12:00:00.000Z', w.accepting, 'dispatcher', racing);
    expect(ordered).toBe(true);
    expect(w.delivered).toEqual([]);
    const run = (await w.store.load('cus_1'))?.enrollments.get('welcome-series')?.enrollment;
    expect(run).toMatchObject({ status: 'exited', exitReason: 'event:order.placed' });
  });

  it('3. two dispatchers whose clocks differ by a second keep the cap between them', async () => {
    const w = world({
      runs: [
        ['welcome-series', 'welcome-1'],
        ['repeat-incentive', 'incentive'],
      ],
    });
    await w.seed('2026-06-01T11:00:00.000Z');
    let interleaved = false;
    // B reads its clock (12:00:00) and claims; A, a second ahead, sends first; then B reserves.
    const b = new Proxy(w.store, {
      get(target, property, receiver) {
        const value = Reflect.get(target, property, receiver);
        if (property !== 'commitEvent' || typeof value !== 'function') return value;
        return async (...args: unknown[]) => {
          if (!interleaved && (args[0] as { eventId: string }).eventId.startsWith('send:')) {
            interleaved = true;
            await w.tick('2026-06-01T12:00:01.000Z', w.accepting, 'dispatcher-A');
          }
          return value.apply(target, args);
        };
      },
    }) as CustomerStore;
    await w.tick('2026-06-01T12:00:00.000Z', w.accepting, 'dispatcher-B', b);
    expect(interleaved).toBe(true);
    expect(w.delivered).toHaveLength(1);
  });

  it('4. an email change onto a suppressed address suppresses the customer', async () => {
    const w = world();
    await w.seed('2026-06-01T13:00:00.000Z');
    await w.store.suppress({
      emailHash: hashEmail('bounced@example.com'),
      reason: 'hard_bounce',
      at: '2026-05-01T00:00:00Z',
    });
    await recordCustomerEvent(
      { ...w.changes(() => new Date('2026-06-01T12:00:00Z')), hashEmail },
      {
        schemaVersion: 1,
        id: 'generic:update-1',
        source: 'generic',
        occurredAt: '2026-06-01T12:00:00Z',
        type: 'customer.updated',
        data: { customer: { externalId: 'ext-1', email: 'bounced@example.com' } },
      },
    );
    expect((await w.store.load('cus_1'))?.customer).toMatchObject({
      email: 'bounced@example.com',
      suppressed: { reason: 'hard_bounce' },
    });
    await w.tick('2026-06-01T13:00:00.000Z', w.accepting);
    expect(w.delivered).toEqual([]);
  });

  it('5. a bounce of a previous address suppresses that address, not the customer at the new one', async () => {
    const w = world();
    await w.seed('2026-06-01T13:00:00.000Z');
    const dependencies = { ...w.changes(() => new Date('2026-06-01T12:00:00Z')), hashEmail };
    await recordCustomerEvent(dependencies, {
      schemaVersion: 1,
      id: 'generic:update-1',
      source: 'generic',
      occurredAt: '2026-06-01T12:00:00Z',
      type: 'customer.updated',
      data: { customer: { externalId: 'ext-1', email: 'ada.new@example.com' } },
    });
    await recordEmailFeedback(dependencies, {
      kind: 'bounce',
      messageId: 'msg-old',
      at: '2026-06-01T12:00:00Z',
      tags: { customer: 'cus_1', journey: 'welcome-series', step: 'welcome-1' },
      recipient: 'ada@example.com',
      bounce: { type: 'permanent' },
    });
    expect(await w.store.findSuppression(hashEmail('ada@example.com'))).toMatchObject({ reason: 'hard_bounce' });
    expect(await w.store.findSuppression(hashEmail('ada.new@example.com'))).toBeUndefined();
    expect((await w.store.load('cus_1'))?.customer.suppressed).toBeUndefined();
  });

  it('6. of a subscribe and an unsubscribe stated at the same instant, the unsubscribe wins in either order', () => {
    const at = '2026-06-01T12:00:00Z';
    const start = aCustomer('cus_1', 'ada@example.com', {
      consent: { email: 'subscribed', source: 'generic', updatedAt: '2026-05-01T00:00:00Z' },
    });
    const apply = (customer: Customer, email: 'subscribed' | 'unsubscribed') =>
      withConsent(customer, { email, at }, 'generic', at, at).customer;
    expect(apply(apply(start, 'unsubscribed'), 'subscribed').consent.email).toBe('unsubscribed');
    expect(apply(apply(start, 'subscribed'), 'unsubscribed').consent.email).toBe('unsubscribed');
    // The same instant written without milliseconds is the same instant.
    const unsubscribed = apply(start, 'unsubscribed');
    const later = withConsent(unsubscribed, { email: 'subscribed', at: '2026-06-01T12:00:00.000Z' }, 'generic', at, at);
    expect(later.customer.consent.email).toBe('unsubscribed');
  });

  it('7. quiet hours ending in the hour a fall-back repeats end the second time too, not a day later', () => {
    // New York, 2026-11-01: 01:00–02:00 happens twice. Quiet hours 22:00–01:30; at 01:15 of the second pass.
    const secondPass = new Date('2026-11-01T06:15:00Z'); // 01:15 EST
    const until = quietUntil(secondPass, 'America/New_York', { start: '22:00', end: '01:30' });
    expect(until?.toISOString()).toBe('2026-11-01T06:30:00.000Z'); // 01:30 EST, fifteen minutes on
    const firstPass = new Date('2026-11-01T05:15:00Z'); // 01:15 EDT
    expect(quietUntil(firstPass, 'America/New_York', { start: '22:00', end: '01:30' })?.toISOString()).toBe(
      '2026-11-01T05:30:00.000Z',
    );
  });
});

function order() {
  return {
    schemaVersion: 1 as const,
    id: 'generic:order-1',
    source: 'generic' as const,
    occurredAt: '2026-06-01T12:00:00Z',
    type: 'order.placed' as const,
    data: {
      customer: { email: 'ada@example.com', externalId: 'ext-1' },
      order: {
        id: 'ord-1',
        placedAt: '2026-06-01T12:00:00Z',
        total: { amount: 2_500, currency: 'USD' },
        lineItems: [{ productId: 'p1', name: 'Coffee', quantity: 1, unitPrice: { amount: 2_500, currency: 'USD' } }],
      },
    },
  };
}
