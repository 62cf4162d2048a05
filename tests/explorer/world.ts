import { EmulatedTableCustomerStore } from '../../functions/adapters/dynamodb/emulated-table.js';
import { hashEmail } from '../../functions/adapters/email-hash.js';
import { type LifecycleConfig, parseConfig } from '../../functions/domain/config.js';
import type { Customer } from '../../functions/domain/customer.js';
import { durationMs } from '../../functions/domain/duration.js';
import type { EmailFeedback } from '../../functions/domain/email-feedback.js';
import type { CanonicalEvent } from '../../functions/domain/events.js';
import type { Enrollment } from '../../functions/domain/journeys/enrollment.js';
import { inWindow, minutesOfDay, parseClockTime } from '../../functions/domain/schedule/local-time.js';
import { dispatchDueRuns } from '../../functions/domain/services/dispatch/tick.js';
import { recordCustomerEvent } from '../../functions/domain/services/record-customer-event.js';
import { recordEmailFeedback } from '../../functions/domain/services/record-email-feedback.js';
import type { TimelineEntry } from '../../functions/domain/timeline.js';
import { customerChanges, dispatcherDependencies } from '../../functions/handlers/wiring.js';
import type { CustomerStore, StoredCustomer } from '../../functions/ports/customer-store.js';
import type { Mailer, OutgoingEmail } from '../../functions/ports/mailer.js';
import { type ChoiceSource, InjectedFailure, Scheduler, type StepFate } from './scheduler.js';

/*
 * One world the explorer plays a schedule in: a store (the in-memory twin of the table, which shares the
 * DynamoDB adapter's write plans), one customer with journey runs falling due, two or three dispatchers,
 * and the customer and engagement functions recording what the scenario throws at them (an order, an
 * unsubscribe, an email change, an erasure, a bounce, consent changes at the same instant). After the
 * schedule, a calm dispatcher finishes what is left, and the promises of docs/journeys.md are checked.
 */

const CUSTOMER_ID = 'cus_explore';
const ADDRESS = 'ada@example.com';
const NEW_ADDRESS = 'ada.new@example.com';
const SUPPRESSED_ADDRESS = 'bounced@example.com';
const ALIAS = 'generic:ext-1';

/** What a scenario is made of, drawn from the seed. */
export interface Scenario {
  readonly start: string;
  readonly timezone: string;
  readonly quietHours: { readonly start: string; readonly end: string };
  readonly dispatchers: readonly { readonly name: string; readonly skewMs: number; readonly ticks: number }[];
  readonly events: readonly ScenarioEvent[];
}

export type ScenarioEvent =
  | { readonly kind: 'order' }
  | { readonly kind: 'unsubscribe' }
  | { readonly kind: 'consent-tie'; readonly status: 'subscribed' | 'unsubscribed' }
  | { readonly kind: 'email-change'; readonly to: 'suppressed' | 'new' }
  | { readonly kind: 'erasure' }
  | { readonly kind: 'bounce'; readonly address: 'first' | 'current' };

/** An email the mail service accepted. */
export interface Delivery {
  readonly ref: string;
  readonly to: string;
  readonly journeyId: string;
  readonly stepId: string;
  readonly category: string;
  /** The dispatcher's clock when it sent. */
  readonly at: number;
  readonly by: string;
  /** Order among reservations and deliveries. */
  readonly seq: number;
}

/** The state of the customer and the run at the moment a send was reserved. */
interface Reservation {
  readonly ref: string;
  /** The reserving dispatcher's clock, as the reservation recorded it for the cap. */
  readonly reservedAt: number;
  readonly customer: Customer | undefined;
  readonly run: Enrollment | undefined;
  readonly addressSuppressed: boolean;
  readonly seq: number;
}

export interface WorldResult {
  readonly violations: string[];
  readonly trace: string[];
  readonly scenario: Scenario;
}

/** Draws a scenario from the choices. */
export function drawScenario(choices: ChoiceSource): Scenario {
  const pick = <T>(options: readonly T[], what: string): T => options[choices.choose(options.length, what)] as T;
  const zone = pick(['Europe/London', 'America/New_York', 'UTC'], 'zone');
  // Moments where the guardrails matter: just before quiet hours, in them, midday, and a fall-back night.
  const start = pick(
    zone === 'America/New_York'
      ? ['2026-06-01T00:58:00Z', '2026-06-01T16:00:00Z', '2026-11-01T06:10:00Z', '2026-11-01T05:10:00Z']
      : [
          '2026-06-01T19:58:00Z',
          '2026-06-01T19:59:30Z',
          '2026-06-01T20:59:30Z',
          '2026-06-01T12:00:00Z',
          '2026-06-01T06:59:00Z',
        ],
    'start',
  );
  const quietHours = pick(
    [
      { start: '21:00', end: '08:00' },
      { start: '22:00', end: '01:30' },
    ],
    'quiet hours',
  );
  const dispatchers = Array.from({ length: 2 + choices.choose(2, 'dispatchers') }, (_, i) => ({
    name: `dispatcher-${String.fromCharCode(65 + i)}`,
    skewMs: (choices.choose(7, 'skew') - 3) * 1000,
    ticks: 1 + choices.choose(5, 'ticks'),
  }));
  const all: ScenarioEvent[] = [
    { kind: 'order' },
    { kind: 'unsubscribe' },
    { kind: 'consent-tie', status: 'subscribed' },
    { kind: 'consent-tie', status: 'unsubscribed' },
    { kind: 'email-change', to: 'suppressed' },
    { kind: 'email-change', to: 'new' },
    { kind: 'erasure' },
    { kind: 'bounce', address: 'first' },
  ];
  const events: ScenarioEvent[] = [];
  const count = choices.choose(4, 'events');
  for (let i = 0; i < count; i++) events.push(pick(all, 'event'));
  return { start, timezone: zone, quietHours, dispatchers, events };
}

function configOf(scenario: Scenario): LifecycleConfig {
  return parseConfig({
    storeName: 'Explorer Shop',
    storeUrl: 'https://shop.example.com',
    sender: { from: 'Explorer Shop <shop@example.com>' },
    postalAddress: 'Explorer Shop, 1 Test Road, Testville 12345',
    timezone: scenario.timezone,
    quietHours: scenario.quietHours,
    frequencyCap: [{ max: 1, per: 'PT16H' }],
    journeys: {
      welcomeSeries: { secondAfter: 'PT2H', thirdAfter: 'PT2H' },
      repeatIncentive: { discountCode: 'COMEBACK10', discountText: '10% off' },
    },
  });
}

/** Plays one schedule of `scenario` with `choices`, then checks the promises. */
export async function playWorld(
  scenario: Scenario,
  choices: ChoiceSource,
  options: {
    readonly faults: { readonly probability: number; readonly max: number };
    /** Whether time may leap between steps (past leases, into quiet hours). @default true */
    readonly leaps?: boolean;
    /** Bound the preemptions of the schedule (the exhaustive search). @default unbounded */
    readonly preemptions?: number;
  },
): Promise<WorldResult> {
  const config = configOf(scenario);
  const store = new EmulatedTableCustomerStore({ dueShards: config.dispatcher.dueShards });
  let now = Date.parse(scenario.start);
  const deliveries: Delivery[] = [];
  const reservations: Reservation[] = [];
  const bounced: string[] = [];
  const consentStatements: { status: string; at: string }[] = [];
  let ids = 0;
  const newId = (prefix: string) => `${prefix}_x${(++ids).toString(36)}`;
  let seq = 0;

  await seedCustomer(store, scenario, config);
  const firstAddress = ADDRESS;

  const scheduler = new Scheduler({
    choices,
    faults: options.faults,
    ...(options.preemptions === undefined ? {} : { preemptions: options.preemptions }),
    tick: (source) => {
      now += 50;
      // Now and then, time leaps in the middle of work (a stall: a slow network, a paused process).
      if (options.leaps === false || source.choose(100, 'leap?') >= 2) return undefined;
      const leap = [30_000, 130_000, 600_000, 3_600_000, 11 * 3_600_000][source.choose(5, 'leap')] as number;
      now += leap;
      return `time +${leap / 1000}s → ${new Date(now).toISOString()}`;
    },
  });

  /** The store, noting the state every send is reserved on. */
  const observed = new Proxy(store, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver);
      if (property !== 'commitEvent' || typeof value !== 'function') return value;
      return async (...args: unknown[]) => {
        const result = await (value as (...a: unknown[]) => Promise<unknown>).apply(target, args);
        if (result === 'committed') await noteReservation(args[0]);
        return result;
      };
    },
  });

  /**
   * When each dispatcher's current invocation times out, by its own clock: Lambda stops the process then,
   * whatever it was doing (the lease outlasts the timeout, so the step is nobody's until it expires).
   */
  const deadlines = new Map<string, { at: number; clock: () => number }>();
  const stepOf = async (actor: string, label: string, faultWeight?: number): Promise<StepFate> => {
    const fate = await scheduler.step(actor, label, faultWeight);
    const deadline = deadlines.get(actor);
    if (deadline && deadline.clock() > deadline.at && fate !== 'crash-before') {
      scheduler.crashed(actor);
      scheduler.trace.push(`      ${actor} timed out (Lambda stopped it) before: ${label}`);
      return new Promise<StepFate>(() => undefined);
    }
    return fate;
  };

  /** The store as `actor` sees it: every call is a step of the schedule, which may fail or crash. */
  const gatedStore = (actor: string): CustomerStore =>
    new Proxy(observed, {
      get(target, property, receiver) {
        const value = Reflect.get(target, property, receiver);
        if (typeof value !== 'function') return value;
        return async (...args: unknown[]) => {
          const label = `${String(property)} ${describe(args)}`;
          const fate = await stepOf(actor, label);
          if (fate === 'fail-before') throw new InjectedFailure(label);
          const result = await (value as (...a: unknown[]) => Promise<unknown>).apply(target, args);
          scheduler.note(actor, summarise(result));
          return afterEffect(actor, fate, label, result);
        };
      },
    });

  const afterEffect = <T>(actor: string, fate: StepFate, label: string, result: T): Promise<T> | T => {
    if (fate === 'crash-after') {
      scheduler.crashed(actor);
      return new Promise<T>(() => undefined);
    }
    if (fate === 'fail-after') throw new InjectedFailure(label);
    return result;
  };

  /** A send reserved: the state it was reserved on, as the store holds it now (all other actors wait). */
  const noteReservation = async (commit: unknown) => {
    const { eventId, customer: reservedFor } = commit as { eventId: string; customer: Customer };
    if (!eventId.startsWith('send:')) return;
    const [, runId, stepId] = eventId.split(':');
    const stored = await store.load(reservedFor.id);
    const run = [...(stored?.enrollments.values() ?? [])].find((e) => e.enrollment.runId === runId)?.enrollment;
    const email = stored?.customer.email;
    const suppression = email === undefined ? undefined : await store.findSuppression(hashEmail(email));
    const ref = `${runId}/${stepId}`;
    const reservedAt = stored?.customer.recentSends?.find((send) => send.ref === ref)?.at;
    reservations.push({
      ref,
      reservedAt: reservedAt === undefined ? Number.NaN : Date.parse(reservedAt),
      customer: stored?.customer,
      run,
      addressSuppressed: suppression !== undefined && suppression.reason !== 'erased',
      seq: ++seq,
    });
  };

  const mailerOf = (actor: string, clock: () => number): Mailer => ({
    send: async (email: OutgoingEmail) => {
      const label = `SendEmail ${email.tags.journey}/${email.tags.step}`;
      // The mail service is where an answer lost matters most: its calls fail five times as often.
      const fate = await stepOf(actor, label, 5);
      if (fate === 'fail-before') throw new InjectedFailure(label);
      deliveries.push(deliveryOf(email, clock(), actor, ++seq));
      return afterEffect(actor, fate, label, { messageId: `msg-${deliveries.length}` });
    },
  });

  const changesFor = (actorStore: CustomerStore, clock: () => number) =>
    customerChanges({
      store: actorStore,
      clock: { now: () => new Date(clock()) },
      config,
      publisher: { publish: async () => undefined },
      loadModel: async () => undefined,
      newId,
    });
  const links = (id: string) => ({
    unsubscribeUrl: `https://api.example.com/unsubscribe?token=${id}`,
    keepSubscribedUrl: `https://api.example.com/unsubscribe?token=${id}&keep=1`,
    npsUrl: (score: number) => `https://api.example.com/feedback?token=${id}&score=${score}`,
    confirmUrl: `https://api.example.com/confirm?token=${id}`,
  });

  for (const dispatcher of scenario.dispatchers) {
    const clock = () => now + dispatcher.skewMs;
    const actorStore = gatedStore(dispatcher.name);
    scheduler.spawn(dispatcher.name, async () => {
      let started = Number.NEGATIVE_INFINITY;
      for (let tick = 1; tick <= dispatcher.ticks; tick++) {
        // The schedule invokes the dispatcher once a minute: the next tick starts a minute after this one,
        // or later (this dispatcher's next invocation may be hours away: into or out of quiet hours).
        if (tick > 1) {
          await stepOf(dispatcher.name, 'waits for its next tick');
          const gap =
            options.leaps === false
              ? 60_000
              : ([60_000, 60_000, 120_000, 600_000, 3_600_000, 11 * 3_600_000][choices.choose(6, 'gap')] as number);
          if (clock() < started + gap) {
            now += started + gap - clock();
            scheduler.trace.push(`      time → ${new Date(now).toISOString()} (${dispatcher.name}'s next tick)`);
          }
        }
        started = clock();
        // A Lambda invocation of 60 s, that stops claiming 15 s before its end (handlers/dispatcher.ts).
        const deadline = clock() + 60_000;
        deadlines.set(dispatcher.name, { at: deadline, clock });
        await dispatchDueRuns(
          {
            ...dispatcherDependencies(changesFor(actorStore, clock), {
              mailer: mailerOf(dispatcher.name, clock),
              links,
            }),
            owner: `${dispatcher.name}#${tick}`,
          },
          { concurrency: 2, shouldContinue: () => clock() < deadline - 15_000 },
        );
      }
    });
  }

  /** What an event does, by the customer or engagement function; EventBridge redelivers it if it fails. */
  const eventDeliveries: { name: string; done: boolean; play: (actorStore: CustomerStore) => Promise<void> }[] = [];
  const completed = new Set<string>();
  scenario.events.forEach((event, i) => {
    const name = `${event.kind}-${i + 1}`;
    const at = new Date(now).toISOString();
    const play = async (actorStore: CustomerStore) => {
      const dependencies = { ...changesFor(actorStore, () => now), hashEmail };
      if (event.kind === 'bounce') {
        const address = event.address === 'first' ? firstAddress : (await store.load(CUSTOMER_ID))?.customer.email;
        if (!address) return;
        await recordEmailFeedback(dependencies, bounceOf(address, at, i));
        bounced.push(address);
        return;
      }
      for (const canonical of canonicalEvents(event, at, i)) {
        await recordCustomerEvent(dependencies, canonical);
        if (canonical.type === 'consent.changed') {
          consentStatements.push({
            status: canonical.data.consent.email,
            at: canonical.data.consent.at ?? canonical.occurredAt,
          });
        }
      }
      completed.add(event.kind);
    };
    const delivery = { name, done: false, play };
    eventDeliveries.push(delivery);
    scheduler.spawn(name, async () => {
      await play(gatedStore(name));
      delivery.done = true;
    });
  });

  const { cut } = await scheduler.run();
  const trace = scheduler.trace;
  const violations: string[] = [];
  if (cut) violations.push('the schedule did not end (livelock guard)');

  // EventBridge redelivers an event whose function failed or died: the same event, played calmly.
  for (const delivery of eventDeliveries.filter((d) => !d.done)) {
    trace.push(`      redelivered: ${delivery.name}`);
    try {
      await delivery.play(observed);
    } catch (error) {
      // Every retry failed: the event waits in the dead-letter queue.
      trace.push(
        `      ${delivery.name} failed again (dead letter): ${error instanceof Error ? error.message : String(error)}`,
      );
    }
  }

  // A calm dispatcher finishes what the schedule left: leases expire, due steps run, nothing fails.
  for (let round = 0; round < 40; round++) {
    now = Math.max(now + durationMs(config.dispatcher.lease) + 1, Date.parse((await store.nextDueAt()) ?? '') || 0);
    if (now > Date.parse(scenario.start) + 30 * 86_400_000) break;
    const clock = () => now;
    const summary = await dispatchDueRuns({
      ...dispatcherDependencies(changesFor(observed, clock), {
        mailer: {
          send: async (email) => {
            deliveries.push(deliveryOf(email, now, 'recovery', ++seq));
            return { messageId: `msg-${deliveries.length}` };
          },
        },
        links,
      }),
      owner: `recovery#${round}`,
    });
    if (summary.claimed === 0 && (await store.nextDueAt()) === undefined) break;
  }

  violations.push(
    ...(await checkPromises({
      store,
      config,
      scenario,
      deliveries,
      reservations,
      bounced,
      consentStatements,
      erased: completed.has('erasure'),
    })),
  );
  return { violations, trace, scenario };
}

async function seedCustomer(
  store: EmulatedTableCustomerStore,
  scenario: Scenario,
  config: LifecycleConfig,
): Promise<void> {
  const due = scenario.start;
  const customer: Customer = {
    id: CUSTOMER_ID,
    email: ADDRESS,
    firstName: 'Ada',
    timezone: scenario.timezone,
    consent: { email: 'subscribed', source: 'generic', updatedAt: '2026-05-01T00:00:00.000Z' },
    stage: 'subscriber',
    metrics: { orderCount: 0, revenue: { amount: 0, currency: config.reportingCurrency } },
    segments: [],
    sources: ['generic'],
    aliases: [ALIAS],
    recentlyViewed: [],
    recentEvents: [],
    createdAt: '2026-05-01T00:00:00.000Z',
    updatedAt: '2026-05-01T00:00:00.000Z',
  };
  const run = (journeyId: string, stepId: string): Enrollment => ({
    journeyId,
    runId: `run_${journeyId}`,
    status: 'active',
    stepId,
    dueAt: due,
    enteredAt: due,
    entries: 1,
  });
  await store.commitEvent({
    eventId: 'seed',
    customer,
    expectedVersion: undefined,
    claimEmail: ADDRESS,
    claimAliases: [ALIAS],
    enrollments: [
      { enrollment: run('welcome-series', 'welcome-1'), expectedVersion: undefined },
      { enrollment: run('repeat-incentive', 'incentive'), expectedVersion: undefined },
    ],
    timeline: [],
  });
  await store.suppress({ emailHash: hashEmail(SUPPRESSED_ADDRESS), reason: 'bounce', at: '2026-05-01T00:00:00.000Z' });
}

function canonicalEvents(event: Exclude<ScenarioEvent, { kind: 'bounce' }>, at: string, i: number): CanonicalEvent[] {
  const envelope = (suffix: string) => ({
    schemaVersion: 1 as const,
    id: `generic:explore-${i}-${suffix}`,
    source: 'generic' as const,
    occurredAt: at,
  });
  const who = { email: ADDRESS, externalId: 'ext-1' };
  switch (event.kind) {
    case 'order':
      return [
        {
          ...envelope('order'),
          type: 'order.placed',
          data: {
            customer: who,
            order: {
              id: `ord-${i}`,
              placedAt: at,
              total: { amount: 2_500, currency: 'USD' },
              lineItems: [
                { productId: 'p1', name: 'Coffee', quantity: 1, unitPrice: { amount: 2_500, currency: 'USD' } },
              ],
            },
          },
        },
      ];
    case 'unsubscribe':
      return [
        {
          ...envelope('unsub'),
          type: 'consent.changed',
          data: { customer: who, consent: { email: 'unsubscribed', at } },
        },
      ];
    case 'consent-tie': {
      // Statements made at the same instant, a minute ago (a form and an admin change), arriving apart.
      const tie = new Date(Math.floor(Date.parse(at) / 3_600_000) * 3_600_000 - 60_000).toISOString();
      return [
        {
          ...envelope(`consent-${event.status}`),
          type: 'consent.changed',
          data: { customer: who, consent: { email: event.status, at: tie } },
        },
      ];
    }
    case 'email-change':
      return [
        {
          ...envelope('update'),
          type: 'customer.updated',
          data: {
            customer: { externalId: 'ext-1', email: event.to === 'suppressed' ? SUPPRESSED_ADDRESS : NEW_ADDRESS },
          },
        },
      ];
    case 'erasure':
      return [{ ...envelope('erase'), type: 'customer.erased', data: { customer: who } }];
  }
}

function bounceOf(address: string, at: string, i: number): EmailFeedback {
  return {
    kind: 'bounce',
    messageId: `msg-bounce-${i}`,
    at,
    tags: { customer: CUSTOMER_ID, journey: 'welcome-series', step: 'welcome-1', category: 'marketing' },
    recipient: address,
    bounce: { type: 'permanent', subType: 'General' },
  };
}

function deliveryOf(email: OutgoingEmail, at: number, by: string, seq: number): Delivery {
  return {
    ref: `${email.tags.run}/${email.tags.step}`,
    to: email.to,
    journeyId: email.tags.journey ?? '',
    stepId: email.tags.step ?? '',
    category: email.category,
    at,
    by,
    seq,
  };
}

/** What a store call returned, in a few words. */
function summarise(result: unknown): string {
  if (result === undefined) return 'none';
  if (typeof result === 'string') return result;
  if (Array.isArray(result)) return `${result.length}`;
  if (result && typeof result === 'object') {
    const value = result as Record<string, unknown>;
    if ('attempt' in value) return `claimed v${value.version} attempt ${value.attempt}`;
    if ('customer' in value && 'version' in value) return `v${value.version}`;
    if ('version' in value) return `v${value.version}`;
  }
  return 'ok';
}

function describe(args: unknown[]): string {
  const [first] = args;
  if (first && typeof first === 'object') {
    const value = first as Record<string, unknown>;
    if (typeof value.eventId === 'string') return value.eventId;
    if (typeof value.journeyId === 'string') return `${value.journeyId}`;
    if (value.enrollment && typeof value.enrollment === 'object')
      return `${(value.enrollment as Enrollment).journeyId}@${(value.enrollment as Enrollment).stepId}`;
  }
  return typeof first === 'string' ? first : '';
}

/** The promises of docs/journeys.md ("The sending guarantees"), checked after a schedule. */
async function checkPromises(input: {
  readonly store: EmulatedTableCustomerStore;
  readonly config: LifecycleConfig;
  readonly scenario: Scenario;
  readonly deliveries: readonly Delivery[];
  readonly reservations: readonly Reservation[];
  readonly bounced: readonly string[];
  readonly consentStatements: readonly { status: string; at: string }[];
  /** An erasure was recorded: the person's timeline went with it, by design. */
  readonly erased: boolean;
}): Promise<string[]> {
  const { store, config, deliveries, reservations } = input;
  const violations: string[] = [];
  const stored: StoredCustomer | undefined = await store.load(CUSTOMER_ID);
  const timeline: TimelineEntry[] = stored ? await store.timeline(CUSTOMER_ID) : [];

  // 1. At most two copies of one email.
  const copies = new Map<string, number>();
  for (const delivery of deliveries) copies.set(delivery.ref, (copies.get(delivery.ref) ?? 0) + 1);
  for (const [ref, count] of copies) if (count > 2) violations.push(`${ref} was sent ${count} times (at most twice)`);

  // 2. No send that its reservation should have stopped: run ended, customer erased, address suppressed,
  //    consent or topic withdrawn before the reservation.
  for (const delivery of deliveries) {
    const reservation = [...reservations].reverse().find((r) => r.ref === delivery.ref && r.seq < delivery.seq);
    if (!reservation) {
      violations.push(`${delivery.ref} was sent without a reservation`);
      continue;
    }
    const { customer, run } = reservation;
    const why = !customer
      ? 'the customer was erased'
      : customer.suppressed || reservation.addressSuppressed
        ? 'the address was suppressed'
        : delivery.category === 'marketing' && customer.consent.email !== 'subscribed'
          ? `consent was ${customer.consent.email}`
          : run?.status !== 'active'
            ? `the run had ${run ? run.status : 'gone'}${run?.exitReason ? ` (${run.exitReason})` : ''}`
            : run.stepId !== delivery.stepId
              ? `the run was at ${run.stepId}`
              : undefined;
    if (why) violations.push(`${delivery.ref} was sent to ${delivery.to} although ${why} when it was reserved`);
  }

  // 3. The frequency cap: distinct marketing emails reserved in any window of the cap; and each sent within
  //    the lease of its reservation, so that the cap holds for when they go, within the lease.
  //    The cap is a relationship's: a person erased and back is a new one, with a history of its own.
  const firstReservation = (ref: string) => reservations.find((r) => r.ref === ref);
  const marketing = [...new Set(deliveries.filter((d) => d.category === 'marketing').map((d) => d.ref))].map((ref) => ({
    ref,
    at: firstReservation(ref)?.reservedAt ?? Number.NaN,
    relationship: firstReservation(ref)?.customer?.createdAt,
  }));
  for (const rule of config.frequencyCap) {
    const window = durationMs(rule.per);
    for (const first of marketing) {
      const inWindow = marketing.filter(
        (d) => d.relationship === first.relationship && d.at >= first.at && d.at < first.at + window,
      );
      if (inWindow.length > rule.max) {
        violations.push(
          `${inWindow.length} marketing emails reserved within ${rule.per} (cap ${rule.max}): ${inWindow.map((d) => d.ref).join(', ')}`,
        );
        break;
      }
    }
  }
  const lease = durationMs(config.dispatcher.lease);
  for (const delivery of deliveries) {
    const reservation = [...reservations].reverse().find((r) => r.ref === delivery.ref && r.seq < delivery.seq);
    if (reservation && delivery.at - reservation.reservedAt > lease)
      violations.push(
        `${delivery.ref} was sent ${(delivery.at - reservation.reservedAt) / 1000} s after its reservation, past the lease`,
      );
  }

  // 4. Every email sent is on the timeline: sent, or at least reserved (its sender stopped after SES took
  //    it), or its uncertain retry recorded as skipped.
  if (stored && !input.erased) {
    for (const ref of copies.keys()) {
      const [runId, stepId] = ref.split('/');
      const recorded = timeline.some(
        (entry) =>
          entry.runId === runId &&
          entry.stepId === stepId &&
          (entry.kind === 'email_sent' ||
            entry.kind === 'email_reserved' ||
            (entry.kind === 'email_skipped' && entry.reason === 'delivery_uncertain')),
      );
      if (!recorded) violations.push(`${ref} was sent but is not on the customer's timeline`);
    }
  }

  // 5. A bounce suppresses the address that bounced.
  for (const address of input.bounced) {
    if (!(await store.findSuppression(hashEmail(address)))) violations.push(`${address} bounced but is not suppressed`);
  }

  // 6. Consent: the newest statement wins; at the same instant, an unsubscribe wins.
  if (stored && input.consentStatements.length > 0 && !input.scenario.events.some((e) => e.kind === 'erasure')) {
    const newest = [...input.consentStatements].sort(
      (a, b) => Date.parse(b.at) - Date.parse(a.at) || (a.status === 'unsubscribed' ? -1 : 1),
    )[0];
    const held = stored.customer.consent.email;
    if (
      newest &&
      Date.parse(newest.at) >= Date.parse(stored.customer.consent.updatedAt ?? '') &&
      held !== newest.status
    )
      violations.push(`consent is ${held}, but the newest statement (${newest.at}) says ${newest.status}`);
  }

  // 7. A send held by quiet hours waits until they end, not longer.
  const quiet = input.config.quietHours;
  if (quiet !== false) {
    const start = parseClockTime(quiet.start);
    const end = parseClockTime(quiet.end);
    const zone = stored?.customer.timezone ?? input.config.timezone;
    for (const entry of timeline) {
      if (entry.kind !== 'email_deferred' || entry.reason !== 'quiet_hours' || typeof entry.until !== 'string')
        continue;
      const from = Date.parse(entry.at);
      let first = Math.ceil(from / 60_000) * 60_000;
      while (inWindow(minutesOfDay(new Date(first), zone), start, end) && first < from + 2 * 86_400_000)
        first += 60_000;
      // Priorities add at most a minute to the moment quiet hours end.
      if (Date.parse(entry.until) > first + 61_000)
        violations.push(
          `a send at ${entry.at} waited for quiet hours until ${entry.until}; they end at ${new Date(first).toISOString()}`,
        );
    }
  }
  return violations;
}
