import { randomUUID } from 'node:crypto';
import type { DispatchSummary } from '../functions/domain/services/dispatch/summary.js';
import { invokeLocally } from '../functions/local/lambda-context.js';
import type { LocalReportKind } from '../functions/local/ses-feedback-local.js';
import { perEvent, type Usage, usageSince } from './aws-meter.js';
import type { BenchContext } from './context.js';
import { createWiring, type Wiring } from './harness.js';
import { fmt, type Section } from './report.js';
import { signedGenericOrderRequest, signedSignupRequest } from './requests.js';

/** What one business event costs, on average over `count` alike. */
export interface EventCost {
  /** Stable name, for the cost projection. */
  readonly key: string;
  readonly event: string;
  readonly count: number;
  /** DynamoDB units and AWS calls, per event. */
  readonly usage: Usage;
  /** Lambda invocations and busy milliseconds per event, by function. */
  readonly lambdas: Record<string, { readonly invocations: number; readonly ms: number }>;
  /** HTTP API requests per event (webhooks). */
  readonly apiRequests: number;
  /** What the dispatcher did in the ticks measured, when the event is a send. */
  readonly dispatch?: DispatchSummary | undefined;
}

/**
 * Figure 2: what each business event costs in AWS calls and DynamoDB units, through the whole path as
 * deployed: a signup and an order (webhook function → PutEvents → customer function), a journey send (the
 * dispatcher: claim, load, reservation, SendEmail, outcome, counters) and each SES report (engagement
 * function). Each phase runs alone, so the meter sees only its work, and is divided by its count.
 */
export async function unitsPerEvent(context: BenchContext): Promise<Section> {
  const n = context.quick ? 40 : 200;
  const wiring = await createWiring(await context.engines());
  const customers = Array.from({ length: n }, () => `unit-${randomUUID().slice(0, 12)}@example.com`);
  // Warm the engines and the code paths on other customers first.
  await signupAll(wiring, ['warm-1@example.com', 'warm-2@example.com', 'warm-3@example.com']);
  await wiring.dispatch();
  await wiring.releaseSesReports();

  const costs: EventCost[] = [];
  const phase = async (
    key: string,
    event: string,
    count: number,
    work: () => Promise<{ apiRequests?: number; dispatch?: DispatchSummary } | undefined>,
  ) => {
    const usage = wiring.meter.snapshot();
    const lambdas = wiring.lambdas.snapshot();
    const outcome = await work();
    const spent = usageSince(usage, wiring.meter.snapshot());
    const after = wiring.lambdas.snapshot();
    const perFunction: EventCost['lambdas'] = {};
    for (const [name, totals] of Object.entries(after)) {
      const invocations = totals.invocations - (lambdas[name]?.invocations ?? 0);
      if (invocations === 0) continue;
      perFunction[name] = { invocations: invocations / count, ms: (totals.ms - (lambdas[name]?.ms ?? 0)) / count };
    }
    costs.push({
      key,
      event,
      count,
      usage: perEvent(spent, count),
      lambdas: perFunction,
      apiRequests: (outcome?.apiRequests ?? 0) / count,
      dispatch: outcome?.dispatch,
    });
    context.log(`units       ${event}: ${count}`);
  };

  await phase('signup', 'signup (generic webhook → customer)', n, async () => {
    await signupAll(wiring, customers);
    return { apiRequests: n };
  });
  await phase('send-first-step', 'journey send: welcome-1 (dispatcher)', n, async () => ({
    dispatch: await drain(wiring, n),
  }));
  for (const kind of ['delivery', 'open', 'click'] as const) {
    if (kind !== 'delivery') report(wiring, customers, kind);
    await phase(`ses-${kind}`, `SES ${kind} (engagement function)`, n, async () => {
      await wiring.releaseSesReports();
      return undefined;
    });
  }

  // A day later, their first order; two hours after it the post-purchase thank-you is due.
  wiring.clock.setTo(new Date(wiring.clock.now().getTime() + 86_400_000));
  await phase('first-order', 'first order (generic webhook → customer)', n, async () => {
    await orderAll(wiring, customers);
    return { apiRequests: n };
  });
  // The journeys the order started begin with a wait: the next tick moves each run to it.
  await phase('first-order-journeys', 'first order: its journeys started (dispatcher)', n, async () => ({
    dispatch: await drain(wiring, 0),
  }));
  wiring.clock.setTo(new Date(wiring.clock.now().getTime() + 2 * 3_600_000 + 60_000));
  await phase('send-after-wait', 'journey send: thank-you-first (dispatcher)', n, async () => ({
    dispatch: await drain(wiring, n),
  }));
  await wiring.releaseSesReports();
  wiring.clock.setTo(new Date(wiring.clock.now().getTime() + 3_600_000));
  await phase('repeat-order', 'repeat order (generic webhook → customer)', n, async () => {
    await orderAll(wiring, customers);
    return { apiRequests: n };
  });
  const bounced = customers.slice(0, Math.max(1, Math.floor(n / 4)));
  report(wiring, bounced, 'bounce');
  await phase('ses-bounce', 'SES bounce (engagement function)', bounced.length, async () => {
    await wiring.releaseSesReports();
    return undefined;
  });

  const rows = costs.map((cost) => [
    cost.event,
    cost.count,
    fmt(cost.usage.rru, 2),
    fmt(cost.usage.wru, 2),
    fmt(cost.usage.billedRru, 2),
    fmt(cost.usage.billedWru, 2),
    fmt(cost.usage.calls.DynamoDB ?? 0, 2),
    fmt(cost.usage.calls.EventBridge ?? 0, 2),
    fmt(cost.usage.calls.SES ?? 0, 2),
    fmt(
      Object.values(cost.lambdas).reduce((sum, fn) => sum + fn.invocations, 0),
      2,
    ),
    fmt(
      Object.values(cost.lambdas).reduce((sum, fn) => sum + fn.ms, 0),
      1,
    ),
  ]);
  return {
    id: 'units',
    title: '2. AWS work per business event (DynamoDB Local ConsumedCapacity, SDK calls by service)',
    columns: [
      'business event',
      'n',
      'RRU',
      'WRU',
      'RRU billed',
      'WRU billed',
      'DynamoDB',
      'EventBridge',
      'SES',
      'Lambda inv.',
      'Lambda ms',
    ],
    rows,
    notes: [
      'RRU/WRU: ConsumedCapacity as DynamoDB Local reports it (ReturnConsumedCapacity added by an SDK middleware), per event.',
      '"billed" applies AWS minimums Local reports as 0: a read that finds nothing costs 0.5 RRU (1 consistent), a failed conditional write 1 WRU.',
      'DynamoDB/EventBridge/SES: SDK commands per event (middleware counting commands by client). SES reports reach the engagement function from the default bus: no PutEvents of ours.',
      'A send is one dispatcher tick divided by the emails it sent: the due-index queries, claims, reservation, SendEmail, outcome and journey counters.',
    ],
    data: { customers: n, events: costs },
  };
}

async function signupAll(wiring: Wiring, emails: readonly string[]): Promise<void> {
  for (const email of emails) {
    const response = await wiring.lambdas.invoke('webhook', () =>
      invokeLocally('webhook', wiring.webhook, signedSignupRequest(email), 30_000),
    );
    if (response.statusCode !== 200) throw new Error(`signup answered ${response.statusCode}: ${response.body}`);
    await wiring.deliverBusEvents();
  }
}

async function orderAll(wiring: Wiring, emails: readonly string[]): Promise<void> {
  for (const email of emails) {
    const response = await wiring.lambdas.invoke('webhook', () =>
      invokeLocally('webhook', wiring.webhook, signedGenericOrderRequest(email, `ord_${randomUUID()}`), 30_000),
    );
    if (response.statusCode !== 200) throw new Error(`order answered ${response.statusCode}: ${response.body}`);
    await wiring.deliverBusEvents();
  }
}

/** Dispatcher ticks until nothing is due; checks that `expected` emails went out. */
async function drain(wiring: Wiring, expected: number): Promise<DispatchSummary> {
  const summary = await wiring.dispatch();
  await wiring.deliverBusEvents();
  if (summary.sent !== expected) {
    throw new Error(`expected ${expected} sends, the dispatcher did ${JSON.stringify(summary)}`);
  }
  return summary;
}

/** Has SES report `kind` about the latest email to each address (held until released). */
function report(wiring: Wiring, emails: readonly string[], kind: LocalReportKind): void {
  for (const email of emails) {
    const messageId = wiring.sesFeedback.latestMessageTo(email);
    if (messageId === undefined) throw new Error(`no email was sent to ${email}`);
    void wiring.sesFeedback.report(messageId, kind);
  }
}
