import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashEmail } from '../../functions/adapters/email-hash.js';
import { STOREFRONT_EVENT_SOURCE } from '../../functions/domain/events.js';
import { enabledJourneys } from '../../functions/domain/journeys/catalogue.js';
import { invokeLocally } from '../../functions/local/lambda-context.js';
import type { JourneyStats } from '../../functions/ports/customer-store.js';
import {
  describeVariant,
  FAULT_VARIANTS,
  FaultInjector,
  type FaultRule,
  inputMentions,
  type ObservedCall,
} from '../helpers/faults.js';
import { signupBody } from '../helpers/generic-webhook.js';
import { inboxByRecipient } from './support/inbox.js';
import { config, type Rig, seedLocalTemplates, startRig } from './support/rig.js';
import { type CustomerSnapshot, customerSnapshot } from './support/snapshot.js';

/**
 * Every AWS call of the event path (webhook → PutEvents; customer handler → DynamoDB reads and the
 * transaction, outbox, counters; engagement handler) fails once, with each kind of fault, in a story of one
 * customer: a signup, the welcome email, SES reporting it delivered and opened, an order, a complaint. The
 * storefront retries a failed webhook, EventBridge redelivers a failed invocation, and the story must end
 * exactly as the calm run does: the same customer, timeline, runs and orders, the same emails, no
 * outbox entry left behind, the address suppressed for good.
 */

const T0 = '2026-09-01T09:00:00.000Z';
const ORDER_AT = '2026-09-01T09:45:00.000Z';
const COMPLAINT_AT = '2026-09-01T10:00:00.000Z';
/** After the story: the post-purchase wait (2 h after the order) is over and outbox entries are long due. */
const AFTER = ['2026-09-01T10:05:00.000Z', '2026-09-01T12:00:00.000Z'];

interface Outcome {
  readonly snapshot: CustomerSnapshot;
  readonly suppression: string | undefined;
  readonly emails: number;
  /** What the story added to the journey counters. */
  readonly counters: Record<string, number>;
  /** Canonical events of the customer put on the bus (a webhook retried after PutEvents went through: 2). */
  readonly storefrontEvents: number;
  readonly stageChanges: number;
}

let story = 0;
const journeyIds = [...enabledJourneys(config).keys()];

/**
 * The story, with whatever faults the rig's injector holds; failures are retried until they succeed.
 * Stories share a rig (and its table): each has its own customer, and each runs the dispatcher over the
 * same span of business time, so a story finds nothing left due by the ones before it.
 */
async function playStory(rig: Rig, tag: string): Promise<Outcome> {
  const email = `ev-${tag}@example.com`.toLowerCase();
  const started = new Date();
  const countersBefore = flatCounters(await rig.store.journeyStats(journeyIds));
  const busBefore = rig.bus.accepted.length;
  rig.clock.set(T0);
  await rig.postWebhook(signupBody(email, { id: `evt-${tag}-signup`, occurredAt: '2026-09-01T08:59:00Z' }));
  await rig.drainBus();
  // The welcome email (the dispatcher is not under test here); SES reports it delivered, then opened.
  const tick = await rig.tick(T0, { calmly: true });
  if (!tick.ok) throw tick.error;
  const messageId = rig.calm.sesFeedback.latestMessageTo(email);
  if (messageId === undefined) throw new Error('the welcome email was not sent');
  await rig.deliverSesReports();
  await rig.calm.sesFeedback.report(messageId, 'open');
  await rig.deliverSesReports();

  rig.clock.set(ORDER_AT);
  await rig.postWebhook(orderBody(email, tag));
  await rig.drainBus();
  rig.clock.set(COMPLAINT_AT);
  await rig.calm.sesFeedback.report(messageId, 'complaint');
  await rig.deliverSesReports();

  // What is left is not under test: outbox entries the writer could not publish, the thank-you email.
  rig.injector.clear();
  for (const at of AFTER) {
    const after = await rig.tick(at, { calmly: true });
    if (!after.ok) throw after.error;
  }

  const customerId = await rig.store.findCustomerId(email);
  if (customerId === undefined) throw new Error(`no customer for ${email}`);
  const published = rig.bus.accepted.slice(busBefore);
  return {
    snapshot: await customerSnapshot(rig.clean.dynamodb.document, rig.tableName, customerId, {
      tokens: { [email]: 'EMAIL', [tag]: 'TAG' },
    }),
    suppression: (await rig.store.findSuppression(hashEmail(email)))?.reason,
    emails: (await inboxByRecipient(started)).get(email)?.length ?? 0,
    counters: subtract(flatCounters(await rig.store.journeyStats(journeyIds)), countersBefore),
    storefrontEvents: published.filter((event) => event.envelope.source === STOREFRONT_EVENT_SOURCE).length,
    stageChanges: published.filter((event) => event.envelope['detail-type'] === 'customer.stage_changed').length,
  };
}

function flatCounters(stats: readonly JourneyStats[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const { journeyId, stepId, counters } of stats) {
    for (const [name, n] of Object.entries(counters))
      if (n !== undefined) out[`${journeyId}/${stepId ?? ''}/${name}`] = n;
  }
  return out;
}

function subtract(after: Record<string, number>, before: Record<string, number>): Record<string, number> {
  return Object.fromEntries(
    Object.entries(after)
      .map(([key, n]) => [key, n - (before[key] ?? 0)] as const)
      .filter(([, n]) => n !== 0)
      .sort(([a], [b]) => a.localeCompare(b)),
  );
}

function orderBody(email: string, tag: string) {
  return {
    id: `evt-${tag}-order`,
    type: 'order.placed',
    occurredAt: ORDER_AT,
    data: {
      customer: { email, firstName: 'Ada' },
      order: {
        id: `ord-${tag}`,
        number: '1001',
        placedAt: ORDER_AT,
        total: { amount: 5898, currency: 'USD' },
        lineItems: [
          {
            productId: 'coffee-beans',
            name: 'Coffee beans, 1 kg',
            quantity: 2,
            unitPrice: { amount: 2499, currency: 'USD' },
            categories: ['coffee'],
          },
          {
            productId: 'filter-papers',
            name: 'Filter papers',
            quantity: 1,
            unitPrice: { amount: 900, currency: 'USD' },
          },
        ],
      },
    },
  };
}

let calls: readonly ObservedCall[] = [];
let calm: Outcome;
const rigs: Rig[] = [];

async function newRig(injector: FaultInjector): Promise<Rig> {
  const rig = await startRig({ injector });
  rigs.push(rig);
  return rig;
}

beforeAll(async () => {
  await seedLocalTemplates();
  const injector = new FaultInjector({ record: true });
  const rig = await newRig(injector);
  calm = await playStory(rig, `calm-${++story}`);
  calls = [...injector.calls];
});

afterAll(async () => {
  await Promise.all(rigs.map((rig) => rig.stop()));
});

function label(call: ObservedCall): string {
  const input = JSON.stringify(call.input ?? {});
  const about = /"(?:pk|sk)":"((?:EVENT|STATS|OUTBOX|SUPPRESSION|EMAIL|CUSTOMER|STORE)[^"#]*)/.exec(input);
  return `call ${call.index}: ${call.service} ${call.operation}${about ? ` (${about[1]})` : ''}`;
}

const isRead = (call: ObservedCall) => ['GetItem', 'BatchGetItem', 'Query'].includes(call.operation);
/** Counters are best effort: the fault hit the counting itself, or a commit whose answer was lost. */
const countersMayBeShort = (call: ObservedCall, rule: Pick<FaultRule, 'phase'>) =>
  (call.operation === 'UpdateItem' && inputMentions('STATS#')(call.input)) ||
  (call.operation === 'TransactWriteItems' && rule.phase === 'after');

describe('one failed AWS call anywhere on the event path', () => {
  it('the calm story crosses every kind of call of the path', () => {
    const kinds = new Set(calls.map((call) => `${call.service} ${call.operation}`));
    expect([...kinds].sort()).toEqual(
      expect.arrayContaining([
        'dynamodb BatchGetItem',
        'dynamodb BatchWriteItem',
        'dynamodb GetItem',
        'dynamodb Query',
        'dynamodb TransactWriteItems',
        'dynamodb UpdateItem',
        'eventbridge PutEvents',
      ]),
    );
    expect(calm.emails).toBe(1);
    expect(calm.suppression).toBe('complaint');
    expect(calm.snapshot.outbox).toBe(0);
    expect(calm.storefrontEvents).toBe(2);
    const kindsOnTimeline = calm.snapshot.timeline.map((entry) => (entry as { kind: string }).kind);
    expect(kindsOnTimeline).toEqual(
      expect.arrayContaining(['journey_entered', 'email_sent', 'email_delivered', 'email_opened', 'conversion']),
    );
    expect(kindsOnTimeline).toEqual(expect.arrayContaining(['order_placed', 'email_complained', 'suppressed']));
  });

  for (const variant of FAULT_VARIANTS) {
    it(`${describeVariant(variant)}: the story ends as the calm one`, async () => {
      expect(calls.length).toBeGreaterThan(20);
      const injector = new FaultInjector();
      const rig = await newRig(injector);
      for (const call of calls) {
        if (variant.phase === 'after' && isRead(call)) continue; // a lost answer to a read is a failed read
        injector.reset().arm({ ...variant, nth: call.index });
        const outcome = await playStory(rig, `${variant.kind}-${variant.phase}-${call.index}-${++story}`);
        const where = `${label(call)} with ${describeVariant(variant)}`;
        expect(
          injector.faults.map((f) => `${f.service} ${f.operation}`),
          where,
        ).toEqual([`${call.service} ${call.operation}`]);
        expect(outcome.snapshot, where).toEqual(calm.snapshot);
        expect(outcome.suppression, where).toBe(calm.suppression);
        expect(outcome.emails, where).toBe(calm.emails);
        expect(outcome.storefrontEvents, where).toBeGreaterThanOrEqual(calm.storefrontEvents);
        expect(outcome.storefrontEvents, where).toBeLessThanOrEqual(calm.storefrontEvents + 1);
        expect(outcome.stageChanges, where).toBeGreaterThanOrEqual(calm.stageChanges);
        if (countersMayBeShort(call, variant)) {
          expect(shortfall(outcome.counters, calm.counters), where).toEqual([]);
        } else {
          expect(outcome.counters, where).toEqual(calm.counters);
        }
      }
    });
  }
});

/** Counters of `actual` above those of `expected` (none may be: a count can be lost, never invented). */
function shortfall(actual: Record<string, number>, expected: Record<string, number>): string[] {
  return Object.entries(actual)
    .filter(([key, n]) => n > (expected[key] ?? 0))
    .map(([key, n]) => `${key}: ${n} > ${expected[key] ?? 0}`);
}

describe('outages on the event path, then recovery', () => {
  it('DynamoDB down: the storefront is still answered; EventBridge redelivers; nothing is lost or doubled', async () => {
    const injector = new FaultInjector();
    const rig = await newRig(injector);
    const tag = `outage-ddb-${++story}`;
    const email = `ev-${tag}@example.com`;
    rig.clock.set(T0);
    injector.arm({ service: 'dynamodb', kind: 'server', status: 503, times: Number.POSITIVE_INFINITY });
    // The webhook function keeps nothing in DynamoDB: the event goes on the bus whatever the table's state,
    // and the shop's own redelivery puts it there again, under the same event id.
    const body = signupBody(email, { id: `evt-${tag}` });
    expect(await rig.postWebhook(body)).toMatchObject({ status: 200 });
    expect(await rig.postWebhook(body)).toMatchObject({ status: 200 });
    expect(rig.bus.ofType('customer.signed_up')).toHaveLength(2);
    injector.clear();

    // The customer function meets the outage: each invocation fails, EventBridge keeps both events.
    injector.arm({ service: 'dynamodb', kind: 'throttle', times: Number.POSITIVE_INFINITY });
    for (let i = 0; i < 3; i++) {
      expect(
        await rig.bus.deliver({ customer: (event) => invokeLocally('customer', rig.underTest.customer, event) }),
      ).toMatchObject({ delivered: 0, failed: 2, pending: 2 });
    }
    injector.clear();
    expect(await rig.drainBus()).toEqual({ failed: 0 });
    const id = await rig.store.findCustomerId(email);
    expect(id).toBeDefined();
    const timeline = await rig.store.timeline(id as string);
    expect(timeline.filter((entry) => entry.kind === 'journey_entered')).toHaveLength(1);
    expect((await rig.tick(T0, { calmly: true })).ok).toBe(true);
    expect((await inboxByRecipient()).get(email)).toHaveLength(1);
  });

  it('EventBridge refusing entries: the publisher retries them; past its retries the storefront does', async () => {
    const rig = await newRig(new FaultInjector());
    const tag = `outage-eb-${++story}`;
    const email = `ev-${tag}@example.com`;
    // Two entries failed in 200 answers: the publisher puts them again and the webhook succeeds at once.
    rig.bus.failNextEntries(2);
    expect(await rig.postWebhook(signupBody(email, { id: `evt-${tag}` }))).toMatchObject({ status: 200, failures: 0 });
    // Three: the publisher gives up, the webhook fails (5xx), the shop retries.
    const second = `ev-${tag}-2@example.com`;
    rig.bus.failNextEntries(3);
    expect(await rig.postWebhook(signupBody(second, { id: `evt-${tag}-2` }))).toMatchObject({
      status: 200,
      failures: 1,
    });
    expect(rig.bus.ofType('customer.signed_up')).toHaveLength(2);
    await rig.drainBus();
    expect(await rig.store.findCustomerId(email)).toBeDefined();
    expect(await rig.store.findCustomerId(second)).toBeDefined();
  });

  it('SES reports redelivered many times and out of order change a customer once', async () => {
    const rig = await newRig(new FaultInjector());
    const tag = `reports-${++story}`;
    const email = `ev-${tag}@example.com`;
    rig.clock.set(T0);
    await rig.postWebhook(signupBody(email, { id: `evt-${tag}` }), { calmly: true });
    await rig.drainBus({ calmly: true });
    expect((await rig.tick(T0, { calmly: true })).ok).toBe(true);
    const messageId = rig.calm.sesFeedback.latestMessageTo(email) as string;
    await rig.calm.sesFeedback.report(messageId, 'open');
    await rig.calm.sesFeedback.report(messageId, 'click');
    const reports = [...rig.sesReports];
    // Every report three times, the last first: SES and EventBridge both deliver at least once, in any order.
    rig.sesReports.splice(0, rig.sesReports.length, ...[...reports].reverse(), ...reports, ...reports);
    await rig.deliverSesReports();
    const id = (await rig.store.findCustomerId(email)) as string;
    const kinds = (await rig.store.timeline(id)).map((entry) => entry.kind);
    for (const kind of ['email_delivered', 'email_opened', 'email_clicked'] as const) {
      expect(
        kinds.filter((k) => k === kind),
        kind,
      ).toHaveLength(1);
    }
    const stats = await rig.store.journeyStats(['welcome-series']);
    expect(stats.find((s) => s.stepId === undefined)?.counters).toMatchObject({ delivered: 1, opened: 1, clicked: 1 });
  });
});
