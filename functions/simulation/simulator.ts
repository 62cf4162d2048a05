import { EmulatedTableCustomerStore } from '../adapters/dynamodb/emulated-table.js';
import { hashEmail } from '../adapters/email-hash.js';
import type { LifecycleConfig } from '../domain/config.js';
import { normaliseEmail } from '../domain/email-address.js';
import type { CanonicalEvent } from '../domain/events.js';
import type { StoreModel } from '../domain/intelligence/store-model.js';
import type { JourneyDefinition } from '../domain/journeys/definition.js';
import { type IssuedOffer, type OfferCodeRequest, redeemedOffers } from '../domain/offers.js';
import { countersRow } from '../domain/reporting/counters-row.js';
import { type LiftFigures, liftGroups, liftOf } from '../domain/reporting/lift.js';
import { type CustomerView, customerView } from '../domain/services/customer-view.js';
import { dispatchDueRuns } from '../domain/services/dispatch/tick.js';
import { type ExperimentFigures, experimentFigures } from '../domain/services/experiment-figures.js';
import { recordCustomerEvent } from '../domain/services/record-customer-event.js';
import { recordEmailFeedback } from '../domain/services/record-email-feedback.js';
import { refreshStoreModel } from '../domain/services/refresh-store-model.js';
import { customerChanges, dispatcherDependencies, emailLinks } from '../handlers/wiring.js';
import { SimulatedClock } from '../local/simulated-clock.js';
import { nextDailyRun, runUntil } from '../local/time-machine.js';
import type { JourneyStats } from '../ports/customer-store.js';
import type { BusEvent } from '../ports/event-publisher.js';
import type { Mailer, OutgoingEmail } from '../ports/mailer.js';
import type { OfferCodes } from '../ports/offer-codes.js';
import { createRandom, type Random } from './random.js';
import {
  type ResponseSettings,
  type ResponseSettingsInput,
  resolveResponseSettings,
  SimulatedRecipients,
} from './response-model.js';
import { DEFAULT_STOREFRONT_PROFILE } from './storefront-generator.js';

/** What to play: canonical events in any order, the configuration, and a seed for every random draw. */
export interface SimulationOptions {
  readonly config: LifecycleConfig;
  readonly events: readonly CanonicalEvent[];
  /** Seeds run ids and the model's CLV sample: the same inputs and seed give the same result. */
  readonly seed: number;
  /** Start of the simulated period. @default the first event's time */
  readonly start?: Date | undefined;
  /** End of the simulated period: the clock runs on to here after the last event. @default the last event's time */
  readonly end?: Date | undefined;
  /**
   * Share of the orders a customer places while holding a single-use code an email gave them (unexpired,
   * not used yet) that use it: the order carries the code. 0 plays the orders as they are.
   * @default the synthetic storefront's `offers.useShare`
   */
  readonly offerUseShare?: number | undefined;
  /**
   * How recipients respond to the emails: opens, clicks and the orders a click brings, through the same
   * email-feedback path as the deployed engine's (docs/journeys.md, "Simulating before deploying").
   * Without it nobody reads their email, as before.
   */
  readonly response?: ResponseSettingsInput | undefined;
  /**
   * The addresses whose timelines {@link Simulation.customer} will show. Timelines are most of what a
   * simulated year holds in memory and nothing in the figures reads them: with this list, only the
   * customers who hold one of these addresses keep theirs (from the first write that finds the address on
   * their profile), and `customer()` refuses any other address. `[]` keeps none.
   * @default every customer's timeline is kept
   */
  readonly timelinesOf?: readonly string[] | undefined;
  /** Called every so often with the simulated time and the events played so far. */
  readonly onProgress?: ((progress: { readonly at: Date; readonly events: number }) => void) | undefined;
}

/** One step of a journey: what its sends did. */
export interface SimulatedStep {
  readonly stepId: string;
  readonly type: string;
  readonly template?: string | undefined;
  readonly sent: number;
  readonly deferred: number;
  readonly dropped: number;
  readonly suppressed: number;
  readonly skipped: number;
  readonly failed: number;
}

/** One journey over the period. */
export interface SimulatedJourney {
  /**
   * The experiments of its send steps: each variant's sends, SES reports, conversions and revenue, and the
   * decision once taken (docs/campaigns.md#experiments). Only for a journey that has any.
   */
  readonly experiments?: readonly ExperimentFigures[] | undefined;
  readonly journeyId: string;
  readonly name: string;
  readonly entered: number;
  readonly completed: number;
  readonly exited: number;
  /** Exits by reason (`event:order.placed`, `left:unengaged`, `holdout`, `suppressed:unsubscribed`…). */
  readonly exits: Readonly<Record<string, number>>;
  /** Runs still under way when the period ended. */
  readonly active: number;
  readonly sent: number;
  /** Opens and clicks the mail service reported (only with a response model). */
  readonly opened: number;
  readonly clicked: number;
  readonly converted: number;
  /** Attributed revenue, reporting minor units. */
  readonly revenue: number;
  /** The treated group against the holdout, for a journey that put anyone in a split's holdout. */
  readonly lift?: LiftFigures | undefined;
  /** Single-use codes its sends were given. */
  readonly offersIssued: number;
  /** Orders that used one of those codes while it worked. */
  readonly offersRedeemed: number;
  /** The value of those orders, reporting minor units. */
  readonly offerRevenue: number;
  readonly steps: readonly SimulatedStep[];
}

export interface SimulationResult {
  readonly from: string;
  readonly to: string;
  readonly seed: number;
  readonly currency: string;
  readonly events: {
    readonly played: number;
    /** The same event id twice: ignored, as in production. */
    readonly duplicates: number;
    /** Events that named no customer the store could place (an erasure of nobody, for example). */
    readonly ignored: number;
  };
  readonly customers: number;
  readonly emails: { readonly sent: number; readonly byTemplate: Readonly<Record<string, number>> };
  readonly modelRuns: number;
  /** What the response model made recipients do, when there is one. */
  readonly responses?:
    | {
        readonly settings: ResponseSettings;
        readonly opened: number;
        readonly clicked: number;
        /** Orders the clicks added, beside the storefront's own. */
        readonly extraOrders: number;
      }
    | undefined;
  readonly journeys: readonly SimulatedJourney[];
  /** The customer who received the most emails: a good first `--customer`. */
  readonly busiestCustomer?: string | undefined;
  /** How many emails that customer received. */
  readonly busiestCustomerEmails?: number | undefined;
}

export interface Simulation {
  readonly result: SimulationResult;
  /** A customer's document as of the end of the period: profile, runs and the full timeline. */
  customer(email: string): Promise<CustomerView | undefined>;
}

/** Links in simulated emails point nowhere: nothing is ever clicked. */
const SIMULATED_BASE_URL = 'https://simulator.invalid';
const PROGRESS_EVERY = 500;

/**
 * Plays a stream of canonical events through the configured journeys on a simulated clock, in memory,
 * with the same services the Lambda functions and the local runtime use: events are recorded, customers
 * assessed, the daily model job runs at 03:00 UTC, and the dispatcher runs whenever something falls due,
 * through the guardrails, into a mailer that only counts. Deterministic for a given seed.
 */
export async function simulate(options: SimulationOptions): Promise<Simulation> {
  const { config } = options;
  const events = [...options.events].sort((a, b) => Date.parse(a.occurredAt) - Date.parse(b.occurredAt));
  const first = events[0] === undefined ? undefined : new Date(events[0].occurredAt);
  const start = options.start ?? first;
  if (start === undefined) throw new SimulationError('there are no events to play and no start was given');
  const last = events.at(-1);
  const end = options.end ?? (last === undefined ? start : new Date(last.occurredAt));
  if (end < start) throw new SimulationError('the end of the period is before its start');
  const offerUseShare = options.offerUseShare ?? DEFAULT_STOREFRONT_PROFILE.offers.useShare;
  if (!(offerUseShare >= 0 && offerUseShare <= 1))
    throw new SimulationError(`offerUseShare must be between 0 and 1, got ${offerUseShare}`);

  const startMs = start.getTime();
  const clock = new SimulatedClock({ wall: () => startMs });
  // Its readers only read: the scans (the daily model job's, the campaigns' audiences), every event's and
  // send's load of a customer and the dispatcher's claims are handed the stored items, frozen, rather than
  // copies of them (a copy of the whole table every simulated day, and of a customer at every event).
  const timelinesOf = options.timelinesOf && new Set(options.timelinesOf.map(normaliseEmail));
  const keepingTimelines = new Set<string>();
  const store = new EmulatedTableCustomerStore({
    dueShards: config.dispatcher.dueShards,
    readOnlyReads: true,
    keepsTimelineOf:
      timelinesOf &&
      ((customer) => {
        // Once kept, always: the address may change later, the timeline asked for is the customer's.
        if (customer.email !== undefined && timelinesOf.has(customer.email)) keepingTimelines.add(customer.id);
        return keepingTimelines.has(customer.id);
      }),
  });
  const random = createRandom(options.seed);
  let ids = 0;
  const newId = (prefix: string) => `${prefix}_sim${(++ids).toString(36).padStart(8, '0')}`;
  // Nothing listens to the bus in a simulation: what the engine publishes is dropped, not held for the year.
  const publisher = { publish: async (_batch: readonly BusEvent[]) => undefined };
  const offers = new SimulatedOffers(random.fork('offer-use'), offerUseShare);
  const recipients =
    options.response && new SimulatedRecipients(responseSettings(options.response), random.fork('response'));
  const mailer = new CountingMailer(offers, (email, messageId) =>
    recipients?.sent(email, messageId, clock.now().getTime()),
  );
  // The model changes only when the daily job runs: read it once per day, as the Lambda cache does.
  let model: Promise<StoreModel | undefined> | undefined;
  const loadModel = () => {
    model ??= store.loadModel();
    return model;
  };
  const changes = customerChanges({ store, clock, config, newId, publisher, loadModel });
  const dispatching = dispatcherDependencies(changes, {
    mailer,
    links: emailLinks(SIMULATED_BASE_URL, `simulation-${options.seed}`, changes),
    offerCodes: offers,
  });

  let lastModelRun: Date | undefined;
  let modelRuns = 0;
  const runModelJob = async () => {
    await refreshStoreModel({ ...changes, loadModel: () => store.loadModel(), random: random.next });
    model = undefined;
    lastModelRun = clock.now();
    modelRuns++;
  };
  const play = async (event: CanonicalEvent) => {
    recipients?.played(event);
    return recordCustomerEvent({ ...changes, hashEmail }, offers.onOrder(event));
  };
  // The recipients' responses due now: the mail service's reports, and the orders clicks brought.
  const respond = async (): Promise<number> => {
    const due = recipients?.due(clock.now().getTime()) ?? [];
    for (const response of due) {
      if (response.kind === 'feedback') await recordEmailFeedback({ ...changes, hashEmail }, response.feedback);
      else await play(response.event);
    }
    return due.length;
  };
  const parts = {
    clock,
    nextDueAt: async () => earliest(await store.nextDueAt(), recipients?.nextAt()),
    nextModelRun: () => nextDailyRun(lastModelRun ?? clock.now()),
    runModelJob,
    dispatch: async () => {
      const responded = await respond();
      const summary = await dispatchDueRuns(
        { ...dispatching, owner: 'simulator' },
        // One customer at a time: the order of work, and so the result, never depends on timing.
        { concurrency: 1 },
      );
      // Responses handled are work done at this time: the clock must not take it for a stuck lease.
      return { ...summary, claimed: summary.claimed + responded };
    },
    idle: async () => undefined,
  };

  await runModelJob();
  let duplicates = 0;
  let ignored = 0;
  let played = 0;
  for (const event of events) {
    const at = new Date(event.occurredAt);
    if (at > end) break;
    if (at > clock.now()) await runUntil(at, parts);
    const outcome = await play(event);
    played++;
    if (outcome.outcome === 'duplicate') duplicates++;
    else if (outcome.outcome === 'ignored') ignored++;
    if (played % PROGRESS_EVERY === 0) options.onProgress?.({ at: clock.now(), events: played });
  }
  await runUntil(end, parts);
  options.onProgress?.({ at: clock.now(), events: played });

  const { journeys } = changes;
  const stats = await store.journeyStats([...journeys.keys()]);
  const experiments = await experimentFigures(store, journeys.values());
  let customers = 0;
  let resumeAfter: string | undefined;
  do {
    const page = await store.scanCustomers(0, 1, resumeAfter);
    customers += page.customers.length;
    resumeAfter = page.resumeAfter;
  } while (resumeAfter !== undefined);
  const [busiest, busiestEmails] = [...mailer.byRecipient.entries()].sort(
    ([a, x], [b, y]) => y - x || a.localeCompare(b),
  )[0] ?? [undefined, undefined];
  const byTemplate: Record<string, number> = {};
  for (const [name, count] of mailer.byTemplate) byTemplate[name.slice(config.templatePrefix.length)] = count;

  const result: SimulationResult = {
    from: start.toISOString(),
    to: clock.now().toISOString(),
    seed: options.seed,
    currency: config.reportingCurrency,
    events: { played, duplicates, ignored },
    customers,
    emails: { sent: mailer.total, byTemplate: sortedRecord(byTemplate) },
    modelRuns,
    ...(recipients ? { responses: { settings: responseSettings(options.response ?? {}), ...recipients.counts } } : {}),
    journeys: [...journeys.values()].map((journey) => journeyResult(journey, stats, experiments)),
    busiestCustomer: busiest,
    busiestCustomerEmails: busiestEmails,
  };
  return {
    result,
    customer: async (email) => {
      if (timelinesOf !== undefined && !timelinesOf.has(normaliseEmail(email)))
        throw new SimulationError("that customer's timeline was not kept: name their address in timelinesOf");
      return customerView(store, email, {
        now: clock.now(),
        config,
        model: await store.loadModel(),
        timelineLimit: 10_000,
      });
    },
  };
}

/** Something about the simulation's input that makes it impossible to run. */
export class SimulationError extends Error {
  override readonly name = 'SimulationError';
}

function journeyResult(
  journey: JourneyDefinition,
  stats: readonly JourneyStats[],
  experiments: readonly ExperimentFigures[],
): SimulatedJourney {
  const mine = stats.filter((row) => row.journeyId === journey.id);
  const itsExperiments = experiments.filter((experiment) => experiment.journeyId === journey.id);
  const counters = mine.find((row) => row.stepId === undefined)?.counters ?? {};
  const groups = journey.goal ? liftGroups(counters) : undefined;
  const total = countersRow(counters);
  return {
    journeyId: journey.id,
    name: journey.name,
    entered: total.entered,
    completed: total.completed,
    exited: total.exited,
    exits: total.exits,
    active: Math.max(0, total.entered - total.completed - total.exited),
    sent: total.sent,
    opened: total.opened,
    clicked: total.clicked,
    converted: total.converted,
    revenue: total.revenue,
    offersIssued: total.offersIssued,
    offersRedeemed: total.offersRedeemed,
    offerRevenue: total.offerRevenue,
    ...(groups ? { lift: liftOf(groups.treated, groups.holdout) } : {}),
    steps: journey.steps
      .filter((step) => step.type === 'send')
      .map((step) => {
        const c = countersRow(mine.find((row) => row.stepId === step.id && row.variantId === undefined)?.counters);
        return {
          stepId: step.id,
          type: step.type,
          template: step.type === 'send' ? step.template : undefined,
          sent: c.sent,
          deferred: c.deferred,
          dropped: c.dropped,
          suppressed: c.suppressed,
          skipped: c.skipped,
          failed: c.failed,
        };
      }),
    ...(itsExperiments.length > 0 ? { experiments: itsExperiments } : {}),
  };
}

function sortedRecord(record: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => a.localeCompare(b)));
}

/**
 * Single-use offers in the simulation: the code provider of the send path (a new code per reservation,
 * the same one for the same reservation), the codes customers received by email, and their use. A code is
 * held from the email that carries it; an order placed while it works uses it with the share's chance
 * (one draw per order placed while holding one), once, the latest received first.
 */
class SimulatedOffers implements OfferCodes {
  private issued = 0;
  private readonly byKey = new Map<string, string>();
  private readonly byCode = new Map<string, IssuedOffer>();
  /** Codes received and not used yet, by recipient (lower-cased), in the order received. */
  private readonly held = new Map<string, IssuedOffer[]>();

  constructor(
    private readonly random: Random,
    private readonly useShare: number,
  ) {}

  async issue(request: OfferCodeRequest, idempotencyKey: string): Promise<{ readonly code: string }> {
    let code = this.byKey.get(idempotencyKey);
    if (code === undefined) {
      code = `SIM${(++this.issued).toString(36).toUpperCase().padStart(8, '0')}`;
      this.byKey.set(idempotencyKey, code);
      const { offer, customerId, journeyId, stepId, issuedAt, expiresAt } = request;
      this.byCode.set(code, {
        key: idempotencyKey,
        offer: offer.name,
        code,
        customerId,
        journeyId,
        stepId,
        issuedAt,
        expiresAt,
      });
    }
    return { code };
  }

  /** An email went out: a code of ours in it is now the recipient's. */
  received(email: OutgoingEmail): void {
    const code = email.templateData.discountCode;
    const offer = typeof code === 'string' ? this.byCode.get(code) : undefined;
    if (offer === undefined) return;
    const recipient = email.to.toLowerCase();
    const held = this.held.get(recipient) ?? [];
    if (!held.some((h) => h.code === offer.code)) held.push(offer);
    this.held.set(recipient, held);
  }

  /** The event as played: an order of a customer holding a working code may carry it. */
  onOrder(event: CanonicalEvent): CanonicalEvent {
    if (event.type !== 'order.placed' || this.useShare === 0) return event;
    const email = event.data.customer?.email?.toLowerCase();
    const held = email === undefined ? undefined : this.held.get(email);
    if (held === undefined || held.length === 0) return event;
    // The codes that work when the order is placed, by the rule its redemption is recorded by.
    const { placedAt } = event.data.order;
    const working = redeemedOffers(held, { placedAt, discountCodes: held.map((h) => h.code) }).at(-1);
    if (working === undefined || !this.random.chance(this.useShare)) return event;
    this.held.set(
      email as string,
      held.filter((h) => h.code !== working.code),
    );
    return { ...event, data: { ...event.data, order: { ...event.data.order, discountCodes: [working.code] } } };
  }
}

/**
 * A mailer that accepts everything and counts it, by template and by recipient, hands offers over, and
 * tells the recipients (the response model) what went out.
 */
class CountingMailer implements Mailer {
  total = 0;
  readonly byTemplate = new Map<string, number>();
  readonly byRecipient = new Map<string, number>();

  constructor(
    private readonly offers: SimulatedOffers,
    private readonly delivered: (email: OutgoingEmail, messageId: string) => void,
  ) {}

  async send(email: OutgoingEmail): Promise<{ messageId: string }> {
    this.offers.received(email);
    this.total++;
    this.byTemplate.set(email.templateName, (this.byTemplate.get(email.templateName) ?? 0) + 1);
    this.byRecipient.set(email.to, (this.byRecipient.get(email.to) ?? 0) + 1);
    const messageId = `sim-${this.total}`;
    this.delivered(email, messageId);
    return { messageId };
  }
}

/** The response model's settings, or a SimulationError naming the one that is wrong. */
function responseSettings(input: ResponseSettingsInput): ResponseSettings {
  try {
    return resolveResponseSettings(input);
  } catch (error) {
    throw new SimulationError(error instanceof Error ? error.message : String(error));
  }
}

/** The earlier of the store's next due item (an ISO time) and the next response (ms), as an ISO time. */
function earliest(due: string | undefined, response: number | undefined): string | undefined {
  if (response === undefined) return due;
  if (due === undefined || response < Date.parse(due)) return new Date(response).toISOString();
  return due;
}
