import type { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { type Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { verifyUnsubscribeToken } from '../adapters/unsubscribe-token.js';
import type { AssessmentDependencies } from '../domain/services/assessment.js';
import { changeEmailConsent } from '../domain/services/change-consent.js';
import { html, rawBody } from './http.js';

export interface UnsubscribeDependencies extends AssessmentDependencies {
  readonly storeName: string;
  /** The secret unsubscribe tokens are signed with. */
  readonly tokenSecret: () => Promise<string>;
  readonly logger: Logger;
  readonly metrics: Metrics;
}

/**
 * `POST /unsubscribe?token=…` unsubscribes at once (RFC 8058 one-click: mail clients post
 * `List-Unsubscribe=One-Click` with no confirmation). `GET` shows a page with a button, never unsubscribes
 * by itself: link scanners fetch every URL in an email.
 */
export function createUnsubscribeHandler(dependencies: UnsubscribeDependencies) {
  const { logger, metrics, storeName } = dependencies;

  async function handle(event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> {
    const token = event.queryStringParameters?.token ?? '';
    const customerId = verifyUnsubscribeToken(token, await dependencies.tokenSecret());
    if (!customerId) {
      metrics.addMetric('UnsubscribeTokenRejected', MetricUnit.Count, 1);
      return html(400, page(storeName, 'This link is not valid', '<p>Please use the link from one of our emails.</p>'));
    }
    const method = event.requestContext.http.method.toUpperCase();
    if (method === 'GET') {
      const stored = await dependencies.store.load(customerId);
      if (!stored)
        return html(404, page(storeName, 'Nothing to change', '<p>We hold no email preferences for this link.</p>'));
      const subscribed = stored.customer.consent.email === 'subscribed';
      return html(200, preferencePage(storeName, token, subscribed));
    }
    if (method !== 'POST') return html(405, page(storeName, 'Not allowed', ''));

    const form = new URLSearchParams(rawBody(event));
    const wanted = form.get('action') === 'resubscribe' ? 'subscribed' : 'unsubscribed';
    const source = form.get('List-Unsubscribe') === 'One-Click' ? 'one-click' : 'preference-page';
    const outcome = await changeEmailConsent(dependencies, customerId, wanted, source);
    logger.info('email consent changed from link', { customerId, to: wanted, source, outcome });
    if (outcome === 'unknown_customer') {
      return html(404, page(storeName, 'Nothing to change', '<p>We hold no email preferences for this link.</p>'));
    }
    if (outcome === 'changed') {
      metrics.addMetric(wanted === 'unsubscribed' ? 'Unsubscribed' : 'Resubscribed', MetricUnit.Count, 1);
    }
    return html(200, preferencePage(storeName, token, wanted === 'subscribed', true));
  }

  return middy(handle).use(injectLambdaContext(logger)).use(logMetrics(metrics));
}

function preferencePage(storeName: string, token: string, subscribed: boolean, saved = false): string {
  const action = `?token=${encodeURIComponent(token)}`;
  const body = subscribed
    ? `<p>${saved ? 'You are subscribed again.' : 'You receive our emails.'}</p>
<form method="post" action="${action}"><input type="hidden" name="action" value="unsubscribe">
<button type="submit">Unsubscribe from all emails</button></form>`
    : `<p>${saved ? 'You are unsubscribed. We will not send you marketing email any more.' : 'You are unsubscribed from our emails.'}</p>
<form method="post" action="${action}"><input type="hidden" name="action" value="resubscribe">
<button type="submit">Subscribe again</button></form>`;
  return page(storeName, 'Email preferences', body, subscribed ? 'subscribed' : 'unsubscribed');
}

function page(storeName: string, title: string, body: string, state = ''): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>${escapeHtml(title)} · ${escapeHtml(storeName)}</title>
<style>body{font-family:-apple-system,Segoe UI,Helvetica,Arial,sans-serif;max-width:480px;margin:48px auto;padding:0 16px;color:#18181b}
button{font-size:16px;padding:10px 16px;border-radius:6px;border:1px solid #18181b;background:#fff;cursor:pointer}</style></head>
<body data-state="${state}"><h1>${escapeHtml(title)}</h1><p><strong>${escapeHtml(storeName)}</strong></p>${body}</body></html>`;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
