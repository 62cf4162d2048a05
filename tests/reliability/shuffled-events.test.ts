import type { EventBridgeEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CanonicalEvent, eventCustomer, STOREFRONT_EVENT_SOURCE } from '../../functions/domain/events.js';
import { enabledJourneys } from '../../functions/domain/journeys/catalogue.js';
import type { DispatchSummary } from '../../functions/domain/services/dispatch/summary.js';
import { invokeLocally } from '../../functions/local/lambda-context.js';
import { createRandom, type Random } from '../../functions/simulation/random.js';
import { generateStorefront } from '../../functions/simulation/storefront-generator.js';
import { inboxByRecipient } from './support/inbox.js';
import { config, type Rig, seedLocalTemplates, startRig } from './support/rig.js';
import { type CustomerSnapshot, customerSnapshot, sorted } from './support/snapshot.js';

/**
 * 1,000 canonical events of the synthetic storefront (functions/simulation), delivered to the
 * customer handler in order and one at a time (the calm run), then shuffled, concurrently and with
 * duplicates, as EventBridge may deliver them.
 *
 * - Shuffled across customers, each customer's own events still in order: everything equals the calm run:
 *   customers, their runs and timelines, then, after the same dispatcher ticks, every email and every
 *   journey counter.
 * - Shuffled completely, a customer's own events out of order too: the facts converge (profile, consent,
 *   orders and metrics, stage and segments, event receipts), as docs/webhooks.md promises ("Out of order is
 *   normal"). What journeys did is not compared: the product reacts to what it knows when it learns it (a
 *   welcome series starts for a subscriber whose order has not arrived yet), and an email cannot be unsent.
 */

const NOW = '2026-05-15T00:00:00.000Z';
/** Dispatcher ticks after the deliveries: at once, after the 2-hour and 1-day waits, and a week on. */
const TICKS = [
  '2026-05-15T00:00:00.000Z',
  '2026-05-15T03:00:00.000Z',
  '2026-05-16T01:00:00.000Z',
  '2026-05-22T02:00:00.000Z',
];
const CONCURRENCY = 8;

const base = generateStorefront({
  customers: 200,
  days: 150,
  start: new Date('2026-01-01T00:00:00Z'),
  seed: 7,
}).slice(0, 1000);
/** Every address of the store, untagged. */
const addresses = [...new Set(base.map((event) => eventCustomer(event)?.email).filter((e) => e !== undefined))];

/** The events of one run, with addresses tagged so that runs do not share the local SES inbox. */
function tagged(tag: string): CanonicalEvent[] {
  return base.map((event) => JSON.parse(JSON.stringify(event).replaceAll('@example.com', `+${tag}@example.com`)));
}

const addressOf = (email: string, tag: string) => email.replace('@example.com', `+${tag}@example.com`);

function envelope(event: CanonicalEvent, delivery: number): EventBridgeEvent<string, unknown> {
  return {
    version: '0',
    id: `${event.id}/${delivery}`,
    'detail-type': event.type,
    source: STOREFRONT_EVENT_SOURCE,
    account: '000000000000',
    time: event.occurredAt,
    region: 'local',
    resources: [],
    detail: event,
  };
}

interface Delivery {
  readonly event: CanonicalEvent;
  readonly key: string;
  readonly n: number;
}

const customerKey = (event: CanonicalEvent) =>
  eventCustomer(event)?.email ?? eventCustomer(event)?.externalId ?? event.id;

/**
 * Delivers to the customer handler, `concurrency` invocations at a time. `perCustomerOrder`: an event
 * waits while an earlier delivery for the same customer is in flight, and a failed one is retried before
 * the customer's next (a FIFO per customer); otherwise a failure goes to the back of the queue, as a late
 * EventBridge retry.
 */
async function deliver(rig: Rig, deliveries: Delivery[], options: { perCustomerOrder: boolean; concurrency?: number }) {
  const queue = [...deliveries];
  const busy = new Set<string>();
  let failures = 0;
  const worker = async () => {
    while (queue.length > 0) {
      const index = options.perCustomerOrder ? queue.findIndex((d) => !busy.has(d.key)) : 0;
      if (index < 0) {
        await new Promise((resolve) => setTimeout(resolve, 5));
        continue;
      }
      const [delivery] = queue.splice(index, 1) as [Delivery];
      busy.add(delivery.key);
      try {
        for (let attempt = 1; ; attempt++) {
          try {
            await invokeLocally('customer', rig.calm.customer, envelope(delivery.event, delivery.n));
            break;
          } catch (error) {
            failures++;
            if (attempt >= 10) throw error;
            if (!options.perCustomerOrder) {
              queue.push(delivery);
              break;
            }
          }
        }
      } finally {
        busy.delete(delivery.key);
      }
    }
  };
  await Promise.all(Array.from({ length: options.concurrency ?? CONCURRENCY }, worker));
  return { failures };
}

/** A seeded shuffle (Fisher–Yates). */
function shuffle<T>(items: readonly T[], random: Random): T[] {
  const copy = [...items];
  for (let i = copy.length - 1; i > 0; i--) {
    const j = random.int(0, i);
    [copy[i], copy[j]] = [copy[j] as T, copy[i] as T];
  }
  return copy;
}

/** Some deliveries again, later: at least once, as EventBridge delivers. */
function withDuplicates(deliveries: Delivery[], random: Random, share: number): Delivery[] {
  const out = [...deliveries];
  for (const delivery of deliveries) {
    if (!random.chance(share)) continue;
    const at = random.int(out.indexOf(delivery) + 1, out.length);
    out.splice(at, 0, { ...delivery, n: delivery.n + 1 });
  }
  return out;
}

/**
 * Customers' streams interleaved at random: at each step the next event of a customer drawn at random
 * (weighted by what each has left), so that each customer's own events keep their order.
 */
function interleave(events: readonly CanonicalEvent[], random: Random): Delivery[] {
  const streams = new Map<string, CanonicalEvent[]>();
  for (const event of events) streams.set(customerKey(event), [...(streams.get(customerKey(event)) ?? []), event]);
  const pool = [...events].map(customerKey);
  const out: Delivery[] = [];
  for (const key of shuffle(pool, random)) {
    const event = streams.get(key)?.shift() as CanonicalEvent;
    out.push({ event, key, n: 1 });
  }
  return out;
}

interface RunResult {
  readonly facts: Map<string, CustomerSnapshot>;
  readonly afterTicks?: Map<string, CustomerSnapshot>;
  readonly emails?: Map<string, number>;
  readonly counters?: unknown;
  readonly summary?: Record<string, number>;
}

async function snapshots(rig: Rig, tag: string): Promise<Map<string, CustomerSnapshot>> {
  const out = new Map<string, CustomerSnapshot>();
  for (const email of addresses) {
    const id = await rig.store.findCustomerId(addressOf(email, tag));
    if (id === undefined) throw new Error(`no customer for ${email} in run ${tag}`);
    out.set(
      email,
      await customerSnapshot(rig.clean.dynamodb.document, rig.tableName, id, { tokens: { [`+${tag}`]: '' } }),
    );
  }
  return out;
}

const SUMMED = ['claimed', 'sent', 'suppressed', 'deferred', 'dropped', 'skipped', 'failed', 'completed', 'exited'];

async function tickAll(rig: Rig, tag: string): Promise<Omit<RunResult, 'facts'>> {
  const summaries: DispatchSummary[] = [];
  // Each tick reads the whole backlog in one batch. Of the runs due at the very same moment (the burst of
  // events all arrived "now"), the due index returns any order and cuts its batches anywhere; a customer's
  // runs cut apart would go in another order, and the frequency cap would hold back another email.
  for (const at of TICKS) summaries.push(await rig.dispatch(at, { calmly: true, batchSize: 10_000 }));
  const inbox = await inboxByRecipient();
  return {
    afterTicks: await snapshots(rig, tag),
    emails: new Map(addresses.map((email) => [email, inbox.get(addressOf(email, tag))?.length ?? 0])),
    counters: sorted(await rig.store.journeyStats([...enabledJourneys(config).keys()])),
    summary: Object.fromEntries(
      SUMMED.map((key) => [key, summaries.reduce((sum, s) => sum + (s[key as keyof DispatchSummary] as number), 0)]),
    ),
  };
}

const rigs: Rig[] = [];
let calm: RunResult;

async function newRig(): Promise<Rig> {
  const rig = await startRig();
  rigs.push(rig);
  rig.clock.set(NOW);
  return rig;
}

beforeAll(async () => {
  await seedLocalTemplates();
  const rig = await newRig();
  // The calm run: every event once, in order, one at a time.
  const events = tagged('calm');
  await deliver(
    rig,
    events.map((event) => ({ event, key: customerKey(event), n: 1 })),
    { perCustomerOrder: true, concurrency: 1 },
  );
  calm = { facts: await snapshots(rig, 'calm'), ...(await tickAll(rig, 'calm')) };
});

afterAll(async () => {
  await Promise.all(rigs.map((rig) => rig.stop()));
});

/** What is compared of a customer when their own events came in any order: the facts. */
function factsOf(snapshot: CustomerSnapshot | undefined) {
  return snapshot && { profile: snapshot.profile, orders: snapshot.orders, receipts: snapshot.receipts };
}

describe('1,000 storefront events, shuffled', () => {
  it('the calm run is a real store: customers, orders, journeys and emails', () => {
    expect(base).toHaveLength(1000);
    expect(addresses.length).toBeGreaterThan(100);
    expect(new Set(base.map((event) => event.type)).size).toBeGreaterThanOrEqual(6);
    expect(calm.summary?.sent).toBeGreaterThan(100);
    expect([...(calm.emails?.values() ?? [])].reduce((a, b) => a + b, 0)).toBe(calm.summary?.sent);
  });

  it('across customers, concurrently and twice over: customers, emails and journey counters as in the calm run', async () => {
    const rig = await newRig();
    const random = createRandom(2026);
    const deliveries = withDuplicates(interleave(tagged('interleaved'), random), random, 0.2);
    expect(deliveries.length).toBeGreaterThan(1100);
    await deliver(rig, deliveries, { perCustomerOrder: true });
    const facts = await snapshots(rig, 'interleaved');
    for (const email of addresses) expect(facts.get(email), email).toEqual(calm.facts.get(email));

    const after = await tickAll(rig, 'interleaved');
    for (const email of addresses) {
      expect(after.afterTicks?.get(email), email).toEqual(calm.afterTicks?.get(email));
      expect(after.emails?.get(email), email).toBe(calm.emails?.get(email));
    }
    expect(after.counters).toEqual(calm.counters);
    expect(after.summary).toEqual(calm.summary);
  });

  it('completely, a customer’s own events out of order too: the same facts for every customer', async () => {
    const rig = await newRig();
    const random = createRandom(4711);
    const events = tagged('shuffled');
    const deliveries = withDuplicates(
      shuffle(events, random).map((event) => ({ event, key: customerKey(event), n: 1 })),
      random,
      0.1,
    );
    await deliver(rig, deliveries, { perCustomerOrder: false });
    const facts = await snapshots(rig, 'shuffled');
    for (const email of addresses) expect(factsOf(facts.get(email)), email).toEqual(factsOf(calm.facts.get(email)));
    // Each event was applied once to its customer, however often and in whatever order it came.
    for (const email of addresses) {
      const received = facts.get(email)?.timeline.filter((e) => (e as { kind: string }).kind === 'event_received');
      expect(received?.length, email).toBe(facts.get(email)?.receipts.length);
    }
  });
});
