import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { verifyExpiringToken } from '../adapters/unsubscribe-token.js';
import { html } from './http.js';
import { invalidLinkPage, notAllowedPage, reportExpiredPage, reportGonePage } from './link-pages.js';
import type { LinkDependencies, LinkRoute } from './link-routes.js';

/**
 * `GET /report?token=…`: the link of the weekly email. A genuine, unexpired token gets the stored report
 * itself (streamed by this function: the link in the email must outlive any presigned address); a forged,
 * altered or customer token, or one past its time, gets a page that says so, never the report.
 */
export function createReportLinkHandler(dependencies: LinkDependencies): LinkRoute {
  const { logger, metrics, storeName } = dependencies;

  return async (event) => {
    if (event.requestContext.http.method.toUpperCase() !== 'GET') return html(405, notAllowedPage(storeName));
    const token = event.queryStringParameters?.token ?? '';
    const verified = verifyExpiringToken(token, await dependencies.tokenSecret(), 'report', dependencies.clock.now());
    if (!verified || !dependencies.reports) {
      metrics.addMetric('ReportTokenRejected', MetricUnit.Count, 1);
      return html(400, invalidLinkPage(storeName));
    }
    if (verified.expired) return html(410, reportExpiredPage(storeName));
    const report = await dependencies.reports.load(verified.customerId);
    logger.info('weekly report opened', { reportId: verified.customerId, found: report !== undefined });
    if (report === undefined) return html(404, reportGonePage(storeName));
    return html(200, report);
  };
}
