import type { Clock } from '../../ports/clock.js';
import type { Mailer } from '../../ports/mailer.js';
import { type ReportArchive, reportIdAt } from '../../ports/report-archive.js';
import type { SendingLimiter } from '../../ports/sending-limiter.js';
import type { LifecycleConfig } from '../config.js';
import { durationMs } from '../duration.js';
import { buildReport, type ReportData } from '../reporting/report-data.js';
import { WEEKLY_REPORT_TEMPLATE, weeklyReportData } from '../reporting/weekly-email.js';
import { weeklySummary } from '../reporting/weekly-summary.js';
import { gatherStoreReport, type StoreReportRecords } from './store-report.js';

/** The account's 24-hour sending quota is spent: nothing was sent; the job is to run again later. */
export class WeeklyReportDeferredError extends Error {
  override readonly name = 'WeeklyReportDeferredError';
  constructor(readonly retryAt: Date) {
    super(`the sending quota is spent: the weekly report waits until ${retryAt.toISOString()}`);
  }
}

export interface WeeklyReportDependencies {
  readonly store: StoreReportRecords;
  readonly clock: Clock;
  readonly config: LifecycleConfig;
  readonly archive: ReportArchive;
  readonly mailer: Mailer;
  /** The account's shared send rate and quota, where there is one (the deployed stack). */
  readonly limiter?: SendingLimiter | undefined;
  /** The report's HTML (functions/adapters/report/render-report.ts). */
  readonly render: (data: ReportData) => string;
  /** The link to a stored report, opening it until `expiresAt` (`GET /report?token=…` of the links function). */
  readonly reportLink: (reportId: string, expiresAt: Date) => string;
}

export interface WeeklyReportOutcome {
  readonly reportId: string;
  /** How many of the team's addresses it was mailed to: none when the configuration has no `report`. */
  readonly sent: number;
}

/**
 * The weekly report: the store's report built as `lifecycle report` builds it, kept in the archive, and
 * the week's key figures mailed to the team with a link to it. A transactional email to the team, not to
 * customers: no guardrail of customer sends applies (consent, quiet hours, frequency caps), but it takes its
 * places in the account's send rate and quota like every other email. When the quota is spent nothing is
 * sent ({@link WeeklyReportDeferredError}), so that a later run sends to everyone once.
 */
export async function sendWeeklyReport(
  dependencies: WeeklyReportDependencies,
  recipients: readonly string[] = dependencies.config.report?.recipients ?? [],
): Promise<WeeklyReportOutcome> {
  const { store, clock, config, archive, mailer, limiter } = dependencies;
  const input = await gatherStoreReport({ store, config });
  const now = clock.now();
  const reportId = reportIdAt(now);
  await archive.save(reportId, dependencies.render(buildReport({ ...input, config, now })));
  if (recipients.length === 0) return { reportId, sent: 0 };

  const validFor = config.report?.linkValidFor ?? 'P7D';
  const validDays = Math.max(1, Math.round(durationMs(validFor) / 86_400_000));
  const summary = weeklySummary({ ...input, config, now });
  const templateData = weeklyReportData(
    summary,
    { reportUrl: dependencies.reportLink(reportId, new Date(now.getTime() + durationMs(validFor))), validDays },
    { timezone: config.timezone, timeZone: config.report?.timeZone },
  );
  for (const _ of recipients) {
    const permit = await limiter?.acquire();
    if (permit && !permit.granted) throw new WeeklyReportDeferredError(permit.retryAt);
  }
  for (const to of recipients) {
    await mailer.send({
      to,
      templateName: `${config.templatePrefix}${WEEKLY_REPORT_TEMPLATE}`,
      templateData,
      category: 'transactional',
      tags: { report: reportId },
    });
  }
  return { reportId, sent: recipients.length };
}
