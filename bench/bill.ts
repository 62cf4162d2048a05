import { readFileSync } from 'node:fs';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { loadConfigFile } from '../functions/adapters/config-file.js';
import type { LifecycleConfig } from '../functions/domain/config.js';
import type { SourceName } from '../functions/domain/events.js';
import { enabledJourneys, enabledOffers } from '../functions/domain/journeys/catalogue.js';
import { type MetricName, PUBLISHED_METRICS, type PublishedMetric } from '../functions/handlers/published-metrics.js';
import { LifecycleStack } from '../lib/lifecycle-stack.js';
import type { BenchContext } from './context.js';
import { ACTIVITY, type Prices } from './cost.js';
import { fmt, money, type Section } from './report.js';

/** The store sizes of the bill, in profiles. */
export const SIZES = [1_000, 10_000, 100_000, 1_000_000] as const;

/**
 * When a metric receives a value, which decides what CloudWatch bills for it (each hour in which a metric
 * receives a value is billed, 1/730 of its monthly price):
 * - `run`: at every run of a scheduled function (every minute or every 5 minutes): billed all month;
 * - `activity`: when something happens that a store with traffic does every hour: billed all month;
 * - `daily`: once a day (the model job): 30 hours a month;
 * - `rare`: only when something goes wrong or is asked for (a refused token, an erasure): not priced.
 */
type Written = 'run' | 'activity' | 'daily' | 'rare';

/** How the bill prices a metric: when it is written, now and before counts of zero were left out. */
interface Billing {
  /** When it is written today. */
  readonly written: Written;
  /** When it was written before counts of zero were left out, if different. */
  readonly before?: Written;
  /** Only when the configuration gives single-use offers. */
  readonly offers?: boolean;
}

const run: Billing = { written: 'run' };
const activity: Billing = { written: 'activity' };
const daily: Billing = { written: 'daily' };
const rare: Billing = { written: 'rare' };
const activityWithOffers: Billing = { written: 'activity', offers: true };
const activityOnceRun: Billing = { written: 'activity', before: 'run' };
const rareOnceActivity: Billing = { written: 'rare', before: 'activity' };

/**
 * How each metric the functions publish (functions/handlers/published-metrics.ts) is billed, by its name:
 * every name of that table is here, and no other (the type says so).
 */
const BILLING: Record<MetricName, Billing> = {
  WebhookAccepted: activity,
  WebhookRejected: activity,
  WebhookIgnored: rare,
  CollectAccepted: activity,
  CollectViewsMerged: activity,
  CollectRejected: activity,
  CollectThrottled: rare,
  CollectDropped: rare,
  CustomerEventRecorded: activity,
  CustomerCreated: activity,
  JourneyEntered: activity,
  CustomerEventDeduplicated: activity,
  CustomerEventIgnored: activity,
  StoreOrderRecorded: activity,
  ProductRecorded: activity,
  ProductChangeSuperseded: activity,
  OfferRedeemed: activityWithOffers,
  OrderCurrencyUnconverted: rare,
  CustomerErased: rare,
  CustomerDataExported: rare,
  InventoryItemUnknown: rare,
  ProductNewsTold: rare,
  DueBacklogAgeSeconds: run,
  DueWorkEnqueued: activityOnceRun,
  EmailSent: activity,
  EmailDeferred: activity,
  EmailSuppressed: activity,
  EmailSkipped: activity,
  OfferIssued: activity,
  EmailDropped: rareOnceActivity,
  EmailFailed: rareOnceActivity,
  TemplateNotFound: rareOnceActivity,
  EmailDeferredForQuota: rareOnceActivity,
  EmailHeldForTemplate: rareOnceActivity,
  EmailRefused: rareOnceActivity,
  OfferCodesExhausted: rareOnceActivity,
  SesSandbox: rare,
  SesSendingPaused: rare,
  EmailDelivered: activity,
  EmailOpened: activity,
  EmailClicked: activity,
  EmailBounced: activity,
  AddressSuppressed: activity,
  EmailComplained: rare,
  EmailRejected: rare,
  TemplateRenderingFailed: rare,
  EmailEventDiscarded: rare,
  Unsubscribed: activity,
  TopicsChanged: activity,
  Resubscribed: rare,
  SubscriptionConfirmed: rare,
  SurveyAnswered: rare,
  UnsubscribeTokenRejected: rare,
  FeedbackTokenRejected: rare,
  ConfirmTokenRejected: rare,
  ReportTokenRejected: rare,
  StoreModelRefreshed: daily,
  CustomersReassessed: daily,
  TemplateVersionKept: run,
  TemplateEditBroken: run,
  WeeklyReportSent: rare,
};

/** Every metric the functions publish, as the bill prices it. */
export const METRICS: readonly (PublishedMetric & Billing)[] = PUBLISHED_METRICS.map((metric) => ({
  ...metric,
  ...BILLING[metric.name],
}));

/** The share of a month's hours in which a metric written so receives a value. */
const BILLED_SHARE: Record<Written, number> = { run: 1, activity: 1, daily: 30 / 730, rare: 0 };

/**
 * Estimates where the bench measures nothing, stated in the output. Log bytes: Lambda's JSON platform
 * lines (start and report, about 650 bytes), one EMF line (about 400 bytes) and about one INFO line of
 * the function's own per invocation. Storage: docs/intelligence.md's 10 KB per customer (profile, orders,
 * timeline). The template history's check and the model job: no figure measures them.
 */
export const ESTIMATES = {
  logBytesPerInvocation: 1_500,
  storedBytesPerProfile: 10_000,
  /** Template history: a check every 5 minutes; SES calls for each template dominate it. */
  templateHistoryRunsPerMonth: 8_640,
  templateHistorySeconds: 2,
  templateHistoryRruPerRun: 30,
  /** Weekly report: an hourly invocation that mostly finds it is not the hour. */
  weeklyReportRunsPerMonth: 720,
  weeklyReportSeconds: 0.1,
  /** Model job: 30 runs; its scan reads every item once (RRU = bytes / 4 KB / 2), 0.3 ms of work per customer (5 minutes for 1,000,000). */
  modelJobRunsPerMonth: 30,
  modelJobMsPerCustomer: 0.3,
  /** The due work queue's event source mapping polls it when empty: 5 long polls of 20 s at a time. */
  sqsIdlePollsPerMonth: 5 * 3 * 60 * 24 * 30,
} as const;

/** What the synthesized stack holds that is billed by the month, and its functions' memory sizes. */
export interface StackCount {
  readonly alarms: number;
  readonly dashboards: number;
  readonly secrets: number;
  readonly schedules: readonly string[];
  readonly queues: number;
  readonly logGroups: number;
  readonly logRetentionDays: readonly number[];
  readonly memoryMb: Readonly<Record<string, number>>;
}

interface Resource {
  readonly Type: string;
  readonly Properties?: {
    readonly MemorySize?: number;
    readonly Environment?: { readonly Variables?: Record<string, unknown> };
    readonly ScheduleExpression?: unknown;
    readonly RetentionInDays?: number;
  };
}

/** Synthesizes the stack of `config` as the tests do (bundling skipped: only the template is read) and counts. */
export function countStack(config: LifecycleConfig): StackCount {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new LifecycleStack(app, 'LifecycleBill', {
    config,
    env: { account: '123456789012', region: 'us-east-1' },
  });
  const resources = Object.values(Template.fromStack(stack).toJSON().Resources as Record<string, Resource>);
  const of = (type: string) => resources.filter((resource) => resource.Type === type);
  const memoryMb: Record<string, number> = {};
  for (const fn of of('AWS::Lambda::Function')) {
    const service = fn.Properties?.Environment?.Variables?.POWERTOOLS_SERVICE_NAME;
    if (typeof service === 'string') memoryMb[service] = fn.Properties?.MemorySize ?? 128;
  }
  return {
    alarms: of('AWS::CloudWatch::Alarm').length,
    dashboards: of('AWS::CloudWatch::Dashboard').length,
    secrets: of('AWS::SecretsManager::Secret').length,
    schedules: of('AWS::Events::Rule')
      .map((rule) => rule.Properties?.ScheduleExpression)
      .filter((expression): expression is string => typeof expression === 'string'),
    queues: of('AWS::SQS::Queue').length,
    logGroups: of('AWS::Logs::LogGroup').length,
    logRetentionDays: of('AWS::Logs::LogGroup').map((group) => group.Properties?.RetentionInDays ?? 0),
    memoryMb,
  };
}

/** How many metrics of METRICS the configuration publishes, by how they are written, now or before the cut. */
export function countMetrics(config: LifecycleConfig, when: 'now' | 'before'): Record<Written, number> {
  const sources = (Object.keys(config.sources) as SourceName[]).filter(
    (source) => config.sources[source as keyof typeof config.sources].enabled,
  ).length;
  const multiplier = {
    source: sources,
    journey: enabledJourneys(config).size,
    key: config.collect.keys.length,
  };
  const offers = enabledOffers(config).size > 0;
  const counts: Record<Written, number> = { run: 0, activity: 0, daily: 0, rare: 0 };
  for (const entry of METRICS) {
    if (entry.offers && !offers) continue;
    const written = when === 'before' ? (entry.before ?? entry.written) : entry.written;
    counts[written] += entry.dimension ? multiplier[entry.dimension] : 1;
  }
  return counts;
}

interface Usage {
  lambdaRequests: number;
  gbSeconds: number;
  rru: number;
}

/**
 * The whole bill: what a stack costs a month at 1,000 to 1,000,000 profiles, what it sends (figure 7's
 * projection, scaled from its 100,000 profiles) and what it costs whatever it sends (the synthesized
 * stack's alarms, dashboard, secrets and schedules, the metrics the code publishes, logs, storage and
 * backups), next to Customer.io's and Klaviyo's published prices for the same sizes.
 */
export async function wholeBill(context: BenchContext): Promise<Section> {
  const prices = JSON.parse(readFileSync('bench/prices.json', 'utf8')) as Prices & FixedPrices;
  const cost = context.results.get('cost')?.data as
    | { perMonth: { usage: Usage & { emails: number }; dollars: Record<string, number> } }
    | undefined;
  if (!cost) throw new Error('the bill needs the cost figure');
  const idle = context.results.get('idle')?.data as
    | { measurements: { customers: number; billedRruPerTick: number; medianMs: number }[] }
    | undefined;
  const config = await loadConfigFile();
  const stack = countStack(config);
  const metrics = { now: countMetrics(config, 'now'), before: countMetrics(config, 'before') };
  const billedMetrics = (counts: Record<Written, number>) =>
    (Object.keys(counts) as Written[]).reduce((sum, written) => sum + counts[written] * BILLED_SHARE[written], 0);

  const lambda = (usage: Usage) =>
    (usage.lambdaRequests / 1e6) * prices.lambda.perMillionRequests +
    usage.gbSeconds * prices.lambda.perGbSecond +
    (usage.rru / 1e6) * prices.dynamodb.perMillionReadRequestUnits;
  const run = (runs: number, seconds: number, memoryMb: number, rru = 0): Usage => ({
    lambdaRequests: runs,
    gbSeconds: (runs * seconds * memoryMb) / 1024,
    rru,
  });
  const memory = (service: string) => stack.memoryMb[service] ?? 512;

  // Figure 7's month at ACTIVITY.profiles, without its dispatcher ticks (a fixed cost, priced below).
  const tickAt = (profiles: number) => {
    const measured = [...(idle?.measurements ?? [])].sort((a, b) => a.customers - b.customers);
    return measured.find((m) => m.customers >= profiles) ?? measured.at(-1);
  };
  const ticks = (profiles: number): Usage => {
    const tick = tickAt(profiles);
    return run(
      ACTIVITY.ticks,
      (tick?.medianMs ?? 0) / 1000,
      memory('dispatcher'),
      (tick?.billedRruPerTick ?? 0) * ACTIVITY.ticks,
    );
  };
  const dollars = cost.perMonth.dollars;
  const sesAt100k = dollars.ses ?? 0;
  const restAt100k =
    Object.entries(dollars)
      .filter(([key]) => key !== 'ses')
      .reduce((sum, [, value]) => sum + value, 0) - lambda(ticks(ACTIVITY.profiles));
  const invocationsAt100k = cost.perMonth.usage.lambdaRequests - ACTIVITY.ticks;

  const columns = SIZES.map((profiles) => {
    const scale = profiles / ACTIVITY.profiles;
    const storedGb = (profiles * ESTIMATES.storedBytesPerProfile) / 1e9;
    const invocations =
      invocationsAt100k * scale +
      ACTIVITY.ticks +
      ESTIMATES.templateHistoryRunsPerMonth +
      ESTIMATES.weeklyReportRunsPerMonth +
      ESTIMATES.modelJobRunsPerMonth;
    const logGb = (invocations * ESTIMATES.logBytesPerInvocation) / 1e9;
    const modelJob = run(
      ESTIMATES.modelJobRunsPerMonth,
      (profiles * ESTIMATES.modelJobMsPerCustomer) / 1000,
      memory('model-job'),
      (ESTIMATES.modelJobRunsPerMonth * (profiles * ESTIMATES.storedBytesPerProfile)) / 4096 / 2,
    );
    const rows = {
      ses: sesAt100k * scale,
      variable: restAt100k * scale,
      metrics: billedMetrics(metrics.now) * prices.cloudwatch.perCustomMetricMonth,
      metricsBefore: billedMetrics(metrics.before) * prices.cloudwatch.perCustomMetricMonth,
      alarms: stack.alarms * prices.cloudwatch.perAlarmMetricMonth,
      dashboard: stack.dashboards * prices.cloudwatch.perDashboardMonth,
      logs: logGb * (prices.cloudwatch.logsIngestionPerGb + prices.cloudwatch.logsStoragePerGbMonth),
      secrets: stack.secrets * prices.secretsManager.perSecretMonth,
      schedules:
        lambda(ticks(profiles)) +
        lambda(
          run(
            ESTIMATES.templateHistoryRunsPerMonth,
            ESTIMATES.templateHistorySeconds,
            memory('template-history'),
            ESTIMATES.templateHistoryRunsPerMonth * ESTIMATES.templateHistoryRruPerRun,
          ),
        ) +
        lambda(run(ESTIMATES.weeklyReportRunsPerMonth, ESTIMATES.weeklyReportSeconds, memory('weekly-report'))),
      modelJob: lambda(modelJob),
      sqs: (ESTIMATES.sqsIdlePollsPerMonth / 1e6) * prices.sqs.perMillionRequests,
      storage: storedGb * (prices.dynamodb.storagePerGbMonth + prices.dynamodb.pitrPerGbMonth),
    };
    const fixed =
      rows.metrics + rows.alarms + rows.dashboard + rows.secrets + rows.schedules + rows.sqs + rows.modelJob;
    const total = rows.ses + rows.variable + fixed + rows.logs + rows.storage;
    const totalBefore = total - rows.metrics + rows.metricsBefore;
    const emails = profiles * ACTIVITY.emailsPerProfile;
    const cio = prices.competitors.customerIo;
    const customerIo =
      cio.perMonth +
      Math.max(0, profiles - cio.includedProfiles) * cio.perExtraProfile +
      (Math.max(0, emails - cio.includedEmails) / 1000) * cio.perThousandExtraEmails;
    return { profiles, storedGb, logGb, invocations, rows, fixed, total, totalBefore, customerIo };
  });

  const line = (label: string, pick: (column: (typeof columns)[number]) => string) => [
    label,
    ...columns.map((column) => pick(column)),
  ];
  const rows: (string | number)[][] = [
    line('SES (the floor)', (c) => money(c.rows.ses)),
    line('sends, events, reports (figure 7, scaled)', (c) => money(c.rows.variable)),
    line(
      `CloudWatch metrics (${fmt(billedMetrics(metrics.now), 1)} billed; before: ${fmt(billedMetrics(metrics.before), 1)})`,
      (c) => `${money(c.rows.metrics)} (was ${money(c.rows.metricsBefore)})`,
    ),
    line(`CloudWatch alarms (${stack.alarms})`, (c) => money(c.rows.alarms)),
    line(`dashboard (${stack.dashboards})`, (c) => money(c.rows.dashboard)),
    line(`Secrets Manager (${stack.secrets} secrets)`, (c) => money(c.rows.secrets)),
    line(`schedules (${stack.schedules.join(', ')}, weekly report hourly)`, (c) => money(c.rows.schedules, 3)),
    line('daily model job', (c) => money(c.rows.modelJob, 3)),
    line('SQS (idle polling of the due work queue)', (c) => money(c.rows.sqs, 3)),
    line('CloudWatch Logs (ingestion, 30 days kept)', (c) => `${money(c.rows.logs)} (${fmt(c.logGb, 2)} GB)`),
    line('DynamoDB storage and PITR backups', (c) => `${money(c.rows.storage)} (${fmt(c.storedGb, 2)} GB)`),
    line('fixed (the same at every size)', (c) => money(c.fixed)),
    line('**total**', (c) => `**${money(c.total)}** (was ${money(c.totalBefore)})`),
    line('total over SES alone', (c) => `${fmt(c.total / c.rows.ses, 2)} ×`),
    line('Customer.io Essentials', (c) => money(c.customerIo, 0)),
    line('Klaviyo email plan', () => `from ${money(prices.competitors.klaviyo.fromPerMonth, 0)} (calculator only)`),
  ];
  return {
    id: 'bill',
    title: `9. The whole bill per month, by number of profiles (${prices.region} list prices, bench/prices.json)`,
    columns: ['component', ...SIZES.map((size) => size.toLocaleString('en-US'))],
    rows,
    notes: [
      `Activity as figure 7 (${ACTIVITY.emailsPerProfile} emails, ${ACTIVITY.ordersPerProfile} orders, ${ACTIVITY.otherEventsPerProfile} other webhook per profile a month), scaled linearly from its ${ACTIVITY.profiles.toLocaleString('en-US')} profiles; the dispatcher's ticks are priced at each size from figure 4.`,
      `Counted from the stack of lifecycle.config.ts: ${stack.alarms} alarms, ${stack.dashboards} dashboard, ${stack.secrets} secrets, ${stack.queues} queues, ${stack.logGroups} log groups kept ${[...new Set(stack.logRetentionDays)].join(', ')} days; metrics from functions/handlers/published-metrics.ts, billed as bench/bill.ts's METRICS: run ${metrics.now.run}, activity ${metrics.now.activity}, daily ${metrics.now.daily}, rare ${metrics.now.rare} (before: run ${metrics.before.run}, activity ${metrics.before.activity}, rare ${metrics.before.rare}).`,
      'A metric written at every run or by hourly activity is billed all month, a daily one 30 hours, a rare one (written only when something goes wrong) not at all.',
      `Estimates, not measurements: ${ESTIMATES.logBytesPerInvocation} log bytes per invocation, ${ESTIMATES.storedBytesPerProfile / 1000} KB stored per profile (docs/intelligence.md), the template history ${ESTIMATES.templateHistorySeconds} s a check, the model job ${ESTIMATES.modelJobMsPerCustomer} ms per customer, 5 idle long polls of the due work queue.`,
      "Customer.io: Essentials, $100 for 5,000 profiles and 1M emails, $0.009 a profile and $0.12 per 1,000 emails beyond (docs.customer.io's billing page; the plan's price from a March 2026 review: customer.io/pricing is not in the stored pages). Klaviyo prices by active profiles through a calculator whose tiers no stored page holds.",
      'Not included: free tiers, data transfer, the bus archive (under 1 KB per event), API Gateway custom domains, SES dedicated IPs, taxes.',
    ],
    data: { prices, stack, metrics, estimates: ESTIMATES, columns },
  };
}

/** The prices of bench/prices.json that figure 7 does not read. */
interface FixedPrices {
  readonly cloudwatch: {
    readonly perCustomMetricMonth: number;
    readonly perAlarmMetricMonth: number;
    readonly perDashboardMonth: number;
    readonly logsIngestionPerGb: number;
    readonly logsStoragePerGbMonth: number;
  };
  readonly secretsManager: { readonly perSecretMonth: number };
  readonly sqs: { readonly perMillionRequests: number };
  readonly dynamodb: { readonly storagePerGbMonth: number; readonly pitrPerGbMonth: number };
  readonly competitors: {
    readonly customerIo: {
      readonly perMonth: number;
      readonly includedProfiles: number;
      readonly includedEmails: number;
      readonly perExtraProfile: number;
      readonly perThousandExtraEmails: number;
    };
    readonly klaviyo: { readonly fromPerMonth: number };
  };
}
