import type { LifecycleConfig } from '../config.js';
import { formatMoney } from '../money.js';
import { instantAt, localDatePlus } from '../schedule/local-time.js';
import { plainText } from '../template-data.js';
import { TemplateLinkSchema } from '../web-address.js';
import { WEEKDAYS } from '../weekdays.js';
import * as z from '../zod.js';
import type { BestAndWorst, WeeklySummary, WeekOverWeek } from './weekly-summary.js';

/** The stored SES template of the weekly email (templates/weekly-report), sent to the team, never to customers. */
export const WEEKLY_REPORT_TEMPLATE = 'weekly-report';

const Line = z.object({
  label: z.string().check(z.minLength(1), z.maxLength(120)),
  value: z.string().check(z.minLength(1), z.maxLength(120)),
});

/**
 * The data contract of the weekly email: figures as text ready to print (money in the reporting currency,
 * rates as percentages), lists of at most ten lines. A marketer may use any of them, and only them.
 */
export const WeeklyReportDataSchema = z.object({
  storeName: z.string().check(z.minLength(1)),
  /** The week, e.g. "30 Nov – 7 Dec 2026". */
  week: z.string().check(z.minLength(1)),
  revenue: z.string().check(z.minLength(1)),
  revenueBefore: z.string().check(z.minLength(1)),
  /** "+12.5%", "−3.0%", or empty when the week before had none. */
  revenueChange: z.string(),
  orders: z.string().check(z.minLength(1)),
  ordersBefore: z.string().check(z.minLength(1)),
  ordersChange: z.string(),
  newCustomers: z.string().check(z.minLength(1)),
  /** New customers by the stage they are in now. */
  newByStage: z.array(Line).check(z.maxLength(10)),
  lostCustomers: z.string().check(z.minLength(1)),
  /** Customers who became at risk or lapsed, by that stage. */
  lostByStage: z.array(Line).check(z.maxLength(10)),
  /** Best and worst journeys and campaigns: "Best journey by revenue" → "welcome-series: $120.00". */
  highlights: z.array(Line).check(z.maxLength(10)),
  sent: z.string().check(z.minLength(1)),
  deliveryRate: z.string().check(z.minLength(1)),
  bounceRate: z.string().check(z.minLength(1)),
  complaintRate: z.string().check(z.minLength(1)),
  /** The full report, through the links function; it opens for `validDays` days. */
  reportUrl: TemplateLinkSchema,
  validDays: z.number().check(z.int(), z.positive()),
});
export type WeeklyReportData = z.infer<typeof WeeklyReportDataSchema>;

const STAGE_LABELS: Readonly<Record<string, string>> = {
  prospect: 'Prospect',
  subscriber: 'Subscriber',
  first_time_customer: 'First-time customer',
  repeat_customer: 'Repeat customer',
  loyal: 'Loyal',
  vip: 'VIP',
  advocate: 'Advocate',
  at_risk: 'At risk',
  lapsed: 'Lapsed',
};

/** The weekly email's data from the week's summary. Pure; every text from configuration is made plain. */
export function weeklyReportData(
  summary: WeeklySummary,
  link: { readonly reportUrl: string; readonly validDays: number },
  config: Pick<LifecycleConfig, 'timezone'> & { readonly timeZone?: string | undefined },
): WeeklyReportData {
  const money = (minor: number) => formatMoney(minor, summary.reportingCurrency);
  const count = (n: number) => n.toLocaleString('en-US');
  const stages = (list: WeeklySummary['newCustomers']['byStage']) =>
    list.slice(0, 10).map(({ stage, customers }) => ({ label: STAGE_LABELS[stage] ?? stage, value: count(customers) }));
  const highlights = [
    ...lines('journey', 'revenue', summary.journeys.byRevenue, money),
    ...lines('journey', 'lift', summary.journeys.byLift, (v) => `${money(v)} per customer`),
    ...lines('campaign', 'revenue', summary.campaigns.byRevenue, money),
    ...lines('campaign', 'lift', summary.campaigns.byLift, (v) => `${money(v)} per customer`),
  ];
  const d = summary.deliverability;
  return {
    storeName: plainText(summary.storeName),
    week: weekLabel(summary.weekStart, summary.weekEnd, config.timeZone ?? config.timezone),
    revenue: money(summary.revenue.thisWeek),
    revenueBefore: money(summary.revenue.weekBefore),
    revenueChange: change(summary.revenue),
    orders: count(summary.orders.thisWeek),
    ordersBefore: count(summary.orders.weekBefore),
    ordersChange: change(summary.orders),
    newCustomers: count(summary.newCustomers.total),
    newByStage: stages(summary.newCustomers.byStage),
    lostCustomers: count(summary.lostCustomers.total),
    lostByStage: stages(summary.lostCustomers.byStage),
    highlights,
    sent: count(d.sent),
    deliveryRate: percent(d.deliveryRate),
    bounceRate: percent(d.bounceRate),
    complaintRate: percent(d.complaintRate, 2),
    reportUrl: link.reportUrl,
    validDays: link.validDays,
  };
}

function lines(
  kind: 'journey' | 'campaign',
  by: 'revenue' | 'lift',
  ranking: BestAndWorst | undefined,
  format: (value: number) => string,
): { label: string; value: string }[] {
  if (!ranking) return [];
  const line = (which: 'Best' | 'Worst', entry: { journeyId: string; value: number }) => ({
    label: `${which} ${kind} by ${by}`,
    value: plainText(`${entry.journeyId}: ${format(entry.value)}`, 120),
  });
  return [line('Best', ranking.best), ...(ranking.worst ? [line('Worst', ranking.worst)] : [])];
}

function change(figure: WeekOverWeek): string {
  if (figure.change === undefined) return '';
  const text = `${(Math.abs(figure.change) * 100).toFixed(1)}%`;
  return figure.change > 0 ? `+${text}` : figure.change < 0 ? `−${text}` : '0.0%';
}

function percent(rate: number | undefined, digits = 1): string {
  return rate === undefined ? 'n/a' : `${(rate * 100).toFixed(digits)}%`;
}

/** "30 Nov – 7 Dec 2026": the first and the last day the week touches, in the report's time zone. */
function weekLabel(start: string, end: string, timeZone: string): string {
  const day = new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'short', timeZone });
  const year = new Intl.DateTimeFormat('en-GB', { year: 'numeric', timeZone });
  const last = new Date(Date.parse(end) - 1);
  return `${day.format(new Date(start))} – ${day.format(last)} ${year.format(last)}`;
}

/**
 * The first moment strictly after `after` at which the weekly email is due: `hour`:00 on `weekday` in
 * `timeZone` (the earlier one when a fall-back repeats the hour; the moment the clocks jump to when a
 * spring-forward skips it), as EventBridge Scheduler's cron in that time zone runs it.
 */
export function nextWeeklyRun(
  after: Date,
  schedule: { readonly weekday: (typeof WEEKDAYS)[number]; readonly hour: number; readonly timeZone: string },
): Date {
  const wanted = WEEKDAYS.indexOf(schedule.weekday);
  for (let days = 0; days <= 8; days++) {
    const date = localDatePlus(after, schedule.timeZone, days);
    // Monday is 0, as in WEEKDAYS.
    const weekday = (new Date(Date.UTC(date.year, date.month - 1, date.day)).getUTCDay() + 6) % 7;
    if (weekday !== wanted) continue;
    const at = instantAt(date, schedule.hour * 60, schedule.timeZone);
    if (at > after) return at;
  }
  throw new Error('no weekly run within eight days');
}

/**
 * Whether a run at `at` is the weekly one: its time fell within the hour before `at`. The stack's hourly
 * schedule asks at each hour (in UTC, with a delay of seconds), so exactly one run a week answers yes, in
 * summer and in winter time alike.
 */
export function isWeeklyRunDue(
  at: Date,
  schedule: { readonly weekday: (typeof WEEKDAYS)[number]; readonly hour: number; readonly timeZone: string },
): boolean {
  return nextWeeklyRun(new Date(at.getTime() - 3_600_000), schedule) <= at;
}
