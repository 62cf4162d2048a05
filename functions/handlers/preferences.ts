import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { verifyToken } from '../adapters/unsubscribe-token.js';
import type { Customer } from '../domain/customer.js';
import { changeEmailConsent } from '../domain/services/change-consent.js';
import { changeUnsubscribedTopics } from '../domain/services/change-topics.js';
import { recordEngagement } from '../domain/services/survey.js';
import { html, rawBody } from './http.js';
import {
  invalidLinkPage,
  keptPage,
  noPreferencesPage,
  notAllowedPage,
  preferencePage,
  type Saved,
} from './link-pages.js';
import type { LinkDependencies, LinkRoute } from './link-routes.js';

/**
 * The preference page of the links in every email (`/unsubscribe?token=…`):
 * - `GET` shows the store, whether the person receives our emails, and one checkbox per topic. It never
 *   changes anything by itself: link scanners fetch every URL in an email.
 * - `POST` with `List-Unsubscribe=One-Click` (RFC 8058: mail clients post it with no confirmation)
 *   unsubscribes from everything at once, as does `action=unsubscribe`; `action=topics` saves the topics
 *   ticked (`topic=<id>`, repeated); `action=resubscribe` subscribes again (and, from the page, saves the
 *   topics ticked with it); `action=keep` is the "keep sending me emails" of the re-engagement emails.
 *   Each answers with the page showing what was saved; each is idempotent.
 * The customer is the token's own: nothing in the request can name another.
 */
export function createPreferencesHandler(dependencies: LinkDependencies): LinkRoute {
  const { logger, metrics, storeName } = dependencies;
  const topics = dependencies.config.topics;
  const noPreferences = () => html(404, noPreferencesPage(storeName));

  return async (event) => {
    const token = event.queryStringParameters?.token ?? '';
    const customerId = verifyToken(token, await dependencies.tokenSecret(), 'unsubscribe');
    if (!customerId) {
      metrics.addMetric('UnsubscribeTokenRejected', MetricUnit.Count, 1);
      return html(400, invalidLinkPage(storeName));
    }
    const method = event.requestContext.http.method.toUpperCase();
    if (method === 'GET') {
      const stored = await dependencies.store.load(customerId);
      if (!stored) return noPreferences();
      const keep = event.queryStringParameters?.keep === '1';
      return html(200, preferencePage(storeName, topics, token, stored.customer, { keep }));
    }
    if (method !== 'POST') return html(405, notAllowedPage(storeName));

    const form = new URLSearchParams(rawBody(event));
    const oneClick = form.get('List-Unsubscribe') === 'One-Click';
    const action = form.get('action');
    if (!oneClick && action === 'keep') {
      // "Yes, keep sending": a click that means the person is engaged (re-engagement ends, sunset lifts).
      const kept = await recordEngagement(dependencies, customerId, 'click');
      if (kept === 'unknown_customer') return noPreferences();
      return html(200, keptPage(storeName));
    }

    let saved: Saved;
    // The customer as the last change stored them: the page shows it without reading it again.
    let customer: Customer | undefined;
    // From the page, the topics come with the form: the ones ticked are the ones the person wants.
    const ticked = new Set(form.getAll('topic'));
    const chooseTopics = !oneClick && (action === 'topics' || (action === 'resubscribe' && form.has('topics-shown')));
    if (chooseTopics) {
      const unsubscribed = Object.keys(topics).filter((topic) => !ticked.has(topic));
      const changed = await changeUnsubscribedTopics(dependencies, customerId, unsubscribed, 'preference-page');
      logger.info('topics changed from link', { customerId, outcome: changed.outcome });
      if (changed.outcome === 'unknown_customer') return noPreferences();
      if (changed.outcome === 'changed') metrics.addMetric('TopicsChanged', MetricUnit.Count, 1);
      customer = changed.customer;
    }
    if (!oneClick && action === 'topics') {
      saved = 'topics';
    } else {
      const wanted = !oneClick && action === 'resubscribe' ? 'subscribed' : 'unsubscribed';
      const source = oneClick ? 'one-click' : 'preference-page';
      const changed = await changeEmailConsent(dependencies, customerId, wanted, source);
      logger.info('email consent changed from link', { customerId, to: wanted, source, outcome: changed.outcome });
      if (changed.outcome === 'unknown_customer') return noPreferences();
      if (changed.outcome === 'changed') {
        metrics.addMetric(wanted === 'unsubscribed' ? 'Unsubscribed' : 'Resubscribed', MetricUnit.Count, 1);
      }
      saved = wanted;
      customer = changed.customer;
    }
    if (!customer) return noPreferences();
    return html(200, preferencePage(storeName, topics, token, customer, { saved }));
  };
}
