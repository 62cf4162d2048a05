import { readFileSync } from 'node:fs';
import { stackFunctions } from './bundles.js';
import type { BenchContext } from './context.js';
import { fmt, money, type Section } from './report.js';
import type { EventCost } from './units.js';

/** bench/prices.json: list prices, with their region and date. */
export interface Prices {
  readonly region: string;
  readonly asOf: string;
  readonly ses: { readonly perThousandEmails: number };
  readonly lambda: { readonly perMillionRequests: number; readonly perGbSecond: number };
  readonly dynamodb: { readonly perMillionReadRequestUnits: number; readonly perMillionWriteRequestUnits: number };
  readonly eventbridge: { readonly perMillionCustomEvents: number };
  readonly apiGatewayHttpApi: { readonly perMillionRequests: number };
}

/**
 * The activity level the monthly projection assumes, per month, for a store of {@link ACTIVITY.profiles}
 * profiles. Stated in the output and in docs/performance.md; change it here.
 */
export const ACTIVITY = {
  profiles: 100_000,
  /** New signups, as a share of profiles. */
  signupsPerProfile: 0.03,
  /** Orders per profile; a quarter of them first orders. */
  ordersPerProfile: 0.2,
  firstOrderShare: 0.25,
  /** Other storefront webhooks (checkouts, profile updates, product views), priced as a repeat order. */
  otherEventsPerProfile: 1,
  /** Journey emails per profile. */
  emailsPerProfile: 4,
  /** SES reports per email: every email is delivered once; opens, clicks and bounces at these rates. */
  feedbackPerEmail: { delivery: 1, open: 0.25, click: 0.03, bounce: 0.01 },
  /** Dispatcher ticks: one a minute, 30 days. */
  ticks: 43_200,
} as const;

interface Component {
  lambdaRequests: number;
  gbSeconds: number;
  rru: number;
  wru: number;
  events: number;
  apiRequests: number;
  emails: number;
}

function zero(): Component {
  return { lambdaRequests: 0, gbSeconds: 0, rru: 0, wru: 0, events: 0, apiRequests: 0, emails: 0 };
}

/**
 * Figure 7: what running the product would cost in AWS, from the measured work per business event
 * (figure 2), the idle tick (figure 4), the functions' memory sizes (the synthesised stack) and the
 * prices of bench/prices.json. Per 1,000 emails (sending them and the SES reports they bring back), and
 * per month for a store at {@link ACTIVITY}. SES's own price is the floor the rest is overhead on.
 */
export async function costProjection(context: BenchContext): Promise<Section> {
  const prices = JSON.parse(readFileSync('bench/prices.json', 'utf8')) as Prices;
  const units = context.results.get('units')?.data as { events: EventCost[] } | undefined;
  if (!units) throw new Error('the cost projection needs the units figure');
  const idle = context.results.get('idle')?.data as
    | { measurements: { billedRruPerTick: number; medianMs: number }[] }
    | undefined;
  const { functions } = await stackFunctions();
  const memoryMb = new Map(functions.map((fn) => [fn.name, fn.memoryMb]));
  const event = (key: string) => {
    const found = units.events.find((cost) => cost.key === key);
    if (!found) throw new Error(`no measured cost for ${key}`);
    return found;
  };
  const add = (into: Component, cost: EventCost, times: number) => {
    into.rru += cost.usage.billedRru * times;
    into.wru += cost.usage.billedWru * times;
    into.events += (cost.usage.operations['EventBridge.events'] ?? 0) * times;
    into.apiRequests += cost.apiRequests * times;
    into.emails += (cost.usage.calls.SES ?? 0) * times;
    for (const [name, fn] of Object.entries(cost.lambdas)) {
      into.lambdaRequests += fn.invocations * times;
      into.gbSeconds += ((fn.ms / 1000) * (memoryMb.get(name) ?? 512) * times) / 1024;
    }
  };
  // One email: the average of a first step's send and a send after a wait, then SES's reports about it.
  const perEmail = (into: Component, emails: number) => {
    add(into, event('send-first-step'), emails / 2);
    add(into, event('send-after-wait'), emails / 2);
    for (const [kind, rate] of Object.entries(ACTIVITY.feedbackPerEmail))
      add(into, event(`ses-${kind}`), emails * rate);
  };

  const thousand = zero();
  perEmail(thousand, 1_000);

  const month = zero();
  const profiles = ACTIVITY.profiles;
  const orders = profiles * ACTIVITY.ordersPerProfile;
  const firstOrders = orders * ACTIVITY.firstOrderShare;
  const emails = profiles * ACTIVITY.emailsPerProfile;
  add(month, event('signup'), profiles * ACTIVITY.signupsPerProfile);
  add(month, event('first-order'), firstOrders);
  add(month, event('first-order-journeys'), firstOrders);
  add(month, event('repeat-order'), orders - firstOrders);
  add(month, event('repeat-order'), profiles * ACTIVITY.otherEventsPerProfile);
  perEmail(month, emails);
  const tick = idle?.measurements.at(-1);
  if (tick) {
    month.rru += tick.billedRruPerTick * ACTIVITY.ticks;
    month.lambdaRequests += ACTIVITY.ticks;
    month.gbSeconds += ((tick.medianMs / 1000) * (memoryMb.get('dispatcher') ?? 512) * ACTIVITY.ticks) / 1024;
  }

  const dollars = (c: Component) => ({
    ses: (c.emails / 1000) * prices.ses.perThousandEmails,
    lambdaRequests: (c.lambdaRequests / 1e6) * prices.lambda.perMillionRequests,
    lambdaCompute: c.gbSeconds * prices.lambda.perGbSecond,
    dynamoDbReads: (c.rru / 1e6) * prices.dynamodb.perMillionReadRequestUnits,
    dynamoDbWrites: (c.wru / 1e6) * prices.dynamodb.perMillionWriteRequestUnits,
    eventBridge: (c.events / 1e6) * prices.eventbridge.perMillionCustomEvents,
    apiGateway: (c.apiRequests / 1e6) * prices.apiGatewayHttpApi.perMillionRequests,
  });
  const perThousand = dollars(thousand);
  const perMonth = dollars(month);
  const total = (d: Record<string, number>) => Object.values(d).reduce((sum, value) => sum + value, 0);
  const thousandTotal = total(perThousand);
  const monthTotal = total(perMonth);
  const allInPerThousand = monthTotal / (emails / 1000);
  const floor = prices.ses.perThousandEmails;

  const labels: Record<keyof typeof perThousand, string> = {
    ses: 'SES (the floor)',
    lambdaRequests: 'Lambda requests',
    lambdaCompute: 'Lambda compute (GB-s)',
    dynamoDbReads: 'DynamoDB reads (RRU)',
    dynamoDbWrites: 'DynamoDB writes (WRU)',
    eventBridge: 'EventBridge events',
    apiGateway: 'API Gateway HTTP API',
  };
  const rows: (string | number)[][] = (Object.keys(labels) as (keyof typeof perThousand)[]).map((key) => [
    labels[key],
    money(perThousand[key], 4),
    money(perMonth[key], 2),
    `${fmt((100 * perMonth[key]) / monthTotal, 1)}%`,
  ]);
  rows.push(['total', money(thousandTotal, 4), money(monthTotal, 2), '100%']);
  rows.push([
    'overhead over the SES floor',
    `${fmt((100 * (thousandTotal - floor)) / floor, 0)}%`,
    `${fmt((100 * (allInPerThousand - floor)) / floor, 0)}% (all-in ${money(allInPerThousand, 4)} per 1,000)`,
    '',
  ]);
  return {
    id: 'cost',
    title: `7. Projected AWS cost (${prices.region} list prices of ${prices.asOf}, bench/prices.json)`,
    columns: ['component', 'per 1,000 emails', `per month, ${profiles.toLocaleString('en-US')} profiles`, 'share'],
    rows,
    notes: [
      `Per 1,000 emails: the dispatcher's sends (mean of a first-step send and a send after a wait) and SES's reports about them (per email: delivery ${ACTIVITY.feedbackPerEmail.delivery}, open ${ACTIVITY.feedbackPerEmail.open}, click ${ACTIVITY.feedbackPerEmail.click}, bounce ${ACTIVITY.feedbackPerEmail.bounce}).`,
      `Per month: ${fmt(profiles * ACTIVITY.signupsPerProfile, 0)} signups, ${fmt(orders, 0)} orders (${fmt(firstOrders, 0)} first), ${fmt(profiles * ACTIVITY.otherEventsPerProfile, 0)} other webhooks (priced as repeat orders), ${fmt(emails, 0)} emails (${ACTIVITY.emailsPerProfile} per profile) and their reports, ${fmt(ACTIVITY.ticks, 0)} dispatcher ticks.`,
      'DynamoDB units are the "billed" ones of figure 2 (AWS minimums applied); Lambda GB-s from the measured handler time × the memory size in the stack (arm64 price), so local engine latency is priced as if it were AWS latency.',
      'Not included: DynamoDB storage and backups, CloudWatch logs and custom metrics, Secrets Manager, the daily model job, data transfer, free tiers.',
    ],
    data: {
      prices,
      activity: ACTIVITY,
      memoryMb: Object.fromEntries(memoryMb),
      perThousandEmails: { usage: thousand, dollars: perThousand, total: thousandTotal },
      perMonth: {
        usage: month,
        dollars: perMonth,
        total: monthTotal,
        emails,
        allInPerThousandEmails: allInPerThousand,
      },
      sesFloorPerThousand: floor,
    },
  };
}
