import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { verifyExpiringToken } from '../adapters/unsubscribe-token.js';
import { confirmSubscription } from '../domain/services/change-consent.js';
import { html } from './http.js';
import {
  confirmationExpiredPage,
  confirmationQuestionPage,
  invalidLinkPage,
  noPreferencesPage,
  notAllowedPage,
  nothingToConfirmPage,
  subscribedPage,
} from './link-pages.js';
import type { LinkDependencies, LinkRoute } from './link-routes.js';

/**
 * Double opt-in: `GET /confirm?token=…` shows a button that confirms with a `POST` (mail scanners open
 * every link and must not subscribe anyone). The token expires; an expired one asks to sign up again.
 */
export function createConfirmationHandler(dependencies: LinkDependencies): LinkRoute {
  const { logger, metrics, storeName } = dependencies;

  return async (event) => {
    const token = event.queryStringParameters?.token ?? '';
    const verified = verifyExpiringToken(token, await dependencies.tokenSecret(), 'confirm', dependencies.clock.now());
    if (!verified) {
      metrics.addMetric('ConfirmTokenRejected', MetricUnit.Count, 1);
      return html(400, invalidLinkPage(storeName, 'the confirmation email'));
    }
    if (verified.expired) return html(410, confirmationExpiredPage(storeName));
    const { customerId } = verified;
    const method = event.requestContext.http.method.toUpperCase();
    if (method === 'GET') {
      const stored = await dependencies.store.load(customerId);
      if (!stored) return html(404, noPreferencesPage(storeName));
      if (stored.customer.consent.email === 'subscribed') return html(200, subscribedPage(storeName, 'already'));
      return html(200, confirmationQuestionPage(storeName, token));
    }
    if (method !== 'POST') return html(405, notAllowedPage(storeName));
    const outcome = await confirmSubscription(dependencies, customerId, {
      ip: event.requestContext.http.sourceIp,
      userAgent: event.requestContext.http.userAgent,
    });
    logger.info('subscription confirmation', { customerId, outcome });
    if (outcome === 'unknown_customer') return html(404, noPreferencesPage(storeName));
    if (outcome === 'confirmed') metrics.addMetric('SubscriptionConfirmed', MetricUnit.Count, 1);
    const stored = await dependencies.store.load(customerId);
    const subscribed = stored?.customer.consent.email === 'subscribed';
    return html(200, subscribed ? subscribedPage(storeName, 'now') : nothingToConfirmPage(storeName));
  };
}
