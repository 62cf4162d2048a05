import type { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { type Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { escapeHtml } from '../adapters/html.js';
import { verifyExpiringToken, verifyToken } from '../adapters/unsubscribe-token.js';
import type { LifecycleConfig } from '../domain/config.js';
import type { Customer } from '../domain/customer.js';
import { changeEmailConsent, confirmSubscription } from '../domain/services/change-consent.js';
import { changeUnsubscribedTopics } from '../domain/services/change-topics.js';
import type { CustomerChangeDependencies } from '../domain/services/customer-change.js';
import { recordEngagement, recordSurveyAnswer } from '../domain/services/survey.js';
import { html, rawBody } from './http.js';

export interface UnsubscribeDependencies extends CustomerChangeDependencies {
  readonly storeName: string;
  /** The secret unsubscribe tokens are signed with. */
  readonly tokenSecret: () => Promise<string>;
  readonly logger: Logger;
  readonly metrics: Metrics;
}

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
export function createUnsubscribeHandler(dependencies: UnsubscribeDependencies) {
  const { logger, metrics, storeName } = dependencies;
  const topics = dependencies.config.topics;
  const noPreferences = () =>
    html(404, page(storeName, 'Nothing to change', '<p>We hold no email preferences for this link.</p>'));

  async function handle(event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> {
    if (event.rawPath.endsWith('/feedback')) return feedback(event);
    if (event.rawPath.endsWith('/confirm')) return confirm(event);
    const token = event.queryStringParameters?.token ?? '';
    const customerId = verifyToken(token, await dependencies.tokenSecret(), 'unsubscribe');
    if (!customerId) {
      metrics.addMetric('UnsubscribeTokenRejected', MetricUnit.Count, 1);
      return html(400, page(storeName, 'This link is not valid', '<p>Please use the link from one of our emails.</p>'));
    }
    const method = event.requestContext.http.method.toUpperCase();
    if (method === 'GET') {
      const stored = await dependencies.store.load(customerId);
      if (!stored) return noPreferences();
      const keep = event.queryStringParameters?.keep === '1';
      return html(200, preferencePage(storeName, topics, token, stored.customer, { keep }));
    }
    if (method !== 'POST') return html(405, page(storeName, 'Not allowed', ''));

    const form = new URLSearchParams(rawBody(event));
    const oneClick = form.get('List-Unsubscribe') === 'One-Click';
    const action = form.get('action');
    if (!oneClick && action === 'keep') {
      // "Yes, keep sending": a click that means the person is engaged (re-engagement ends, sunset lifts).
      const kept = await recordEngagement(dependencies, customerId, 'click');
      if (kept === 'unknown_customer') return noPreferences();
      return html(200, page(storeName, 'Thank you', '<p>You will keep receiving our emails.</p>', 'subscribed'));
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
  }

  /**
   * `GET /feedback?token=…&score=N` shows the chosen answer with a button that records it (`POST`): mail
   * scanners open every link of an email, and must not answer the survey eleven times.
   */
  async function feedback(event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> {
    const token = event.queryStringParameters?.token ?? '';
    const customerId = verifyToken(token, await dependencies.tokenSecret(), 'feedback');
    const score = Number(event.queryStringParameters?.score);
    if (!customerId || !Number.isInteger(score) || score < 0 || score > 10) {
      metrics.addMetric('FeedbackTokenRejected', MetricUnit.Count, 1);
      return html(400, page(storeName, 'This link is not valid', '<p>Please use the link from one of our emails.</p>'));
    }
    const action = `?token=${encodeURIComponent(token)}&amp;score=${score}`;
    if (event.requestContext.http.method.toUpperCase() === 'GET') {
      return html(
        200,
        page(
          storeName,
          'Thank you for answering',
          `<p>How likely are you to recommend us to a friend? You chose <strong>${score}</strong> out of 10.</p>
<form method="post" action="${action}"><button type="submit">Send my answer</button></form>`,
          'unanswered',
        ),
      );
    }
    const outcome = await recordSurveyAnswer(dependencies, customerId, score);
    if (outcome === 'unknown_customer')
      return html(404, page(storeName, 'Nothing to record', '<p>We hold no record for this link.</p>'));
    metrics.addMetric('SurveyAnswered', MetricUnit.Count, 1);
    logger.info('survey answered', { customerId, score });
    return html(200, page(storeName, 'Thank you', '<p>Your answer is recorded. It helps us a lot.</p>', 'answered'));
  }

  /**
   * Double opt-in: `GET /confirm?token=…` shows a button that confirms with a `POST` (mail scanners open
   * every link and must not subscribe anyone). The token expires; an expired one asks to sign up again.
   */
  async function confirm(event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> {
    const token = event.queryStringParameters?.token ?? '';
    const verified = verifyExpiringToken(token, await dependencies.tokenSecret(), 'confirm', dependencies.clock.now());
    if (!verified) {
      metrics.addMetric('ConfirmTokenRejected', MetricUnit.Count, 1);
      return html(
        400,
        page(storeName, 'This link is not valid', '<p>Please use the link from your confirmation email.</p>'),
      );
    }
    if (verified.expired) {
      return html(
        410,
        page(
          storeName,
          'This link has expired',
          '<p>Please sign up again: we will send you a new confirmation email.</p>',
        ),
      );
    }
    const { customerId } = verified;
    const method = event.requestContext.http.method.toUpperCase();
    if (method === 'GET') {
      const stored = await dependencies.store.load(customerId);
      if (!stored) return noPreferences();
      if (stored.customer.consent.email === 'subscribed') {
        return html(
          200,
          page(
            storeName,
            'You are subscribed',
            '<p>Your subscription is already confirmed. Thank you!</p>',
            'subscribed',
          ),
        );
      }
      return html(
        200,
        page(
          storeName,
          'Confirm your subscription',
          `<p>Please confirm that you want to receive emails from ${escapeHtml(storeName)}.</p>
<form method="post" action="?token=${encodeURIComponent(token)}"><button type="submit">Yes, subscribe me</button></form>`,
          'pending',
        ),
      );
    }
    if (method !== 'POST') return html(405, page(storeName, 'Not allowed', ''));
    const outcome = await confirmSubscription(dependencies, customerId, {
      ip: event.requestContext.http.sourceIp,
      userAgent: event.requestContext.http.userAgent,
    });
    logger.info('subscription confirmation', { customerId, outcome });
    if (outcome === 'unknown_customer') return noPreferences();
    if (outcome === 'confirmed') metrics.addMetric('SubscriptionConfirmed', MetricUnit.Count, 1);
    const stored = await dependencies.store.load(customerId);
    const subscribed = stored?.customer.consent.email === 'subscribed';
    return html(
      200,
      subscribed
        ? page(storeName, 'You are subscribed', '<p>Thank you for confirming. Welcome!</p>', 'subscribed')
        : page(storeName, 'Nothing to confirm', '<p>This address is not waiting for a confirmation.</p>', 'unchanged'),
    );
  }

  return middy(handle).use(injectLambdaContext(logger)).use(logMetrics(metrics));
}

type Topics = LifecycleConfig['topics'];
/** What a `POST` saved, for the page to confirm it. */
type Saved = 'topics' | 'subscribed' | 'unsubscribed';

/**
 * The preference page of one customer, as stored. Plain HTML forms: no script, no external resource.
 * Subscribed, the topics form and "Unsubscribe from everything"; otherwise the topics go with the
 * "Subscribe again" form, so that a person coming back chooses what they come back to.
 */
function preferencePage(
  storeName: string,
  topics: Topics,
  token: string,
  customer: Customer,
  options: { readonly saved?: Saved | undefined; readonly keep?: boolean | undefined },
): string {
  const action = `?token=${encodeURIComponent(token)}`;
  const consent = customer.consent.email;
  const subscribed = consent === 'subscribed';
  const optedOut = new Set(customer.unsubscribedTopics ?? []);
  const receives = Object.keys(topics).filter((id) => !optedOut.has(id));
  const parts: string[] = [];

  if (options.saved !== undefined) {
    const choice =
      receives.length === 0
        ? 'You chose no topic: we will send you no marketing email.'
        : `You will receive: ${receives.map((id) => topics[id]?.label ?? id).join(', ')}.`;
    const message = {
      unsubscribed: 'You are unsubscribed from all our emails. We will not send you marketing email any more.',
      subscribed: `You are subscribed again. ${choice}`,
      topics: subscribed
        ? `Your choices are saved. ${choice}`
        : 'Your choices are saved. You receive no emails from us.',
    }[options.saved];
    parts.push(`<p class="saved" role="status">${escapeHtml(message)}</p>`);
  }
  if (options.keep && subscribed) {
    parts.push(`<p>Do you still want to hear from us?</p>
<form method="post" action="${action}"><input type="hidden" name="action" value="keep">
<button type="submit">Yes, keep sending me emails</button></form>`);
  }
  parts.push(
    `<p>${
      subscribed
        ? 'You receive our emails. Untick what you would rather not receive, then save.'
        : consent === 'unsubscribed'
          ? 'You are unsubscribed from all our emails.'
          : 'You do not receive our emails.'
    }</p>`,
  );

  const fieldset = topicFieldset(topics, optedOut, subscribed ? 'The emails you receive' : 'The emails you would like');
  if (subscribed) {
    if (fieldset !== '') {
      parts.push(`<form method="post" action="${action}"><input type="hidden" name="action" value="topics">
${fieldset}
<button type="submit">Save my choices</button></form>`);
    }
    parts.push(`<form method="post" action="${action}"><input type="hidden" name="action" value="unsubscribe">
<button type="submit" class="secondary">Unsubscribe from everything</button></form>`);
  } else {
    const shown = fieldset === '' ? '' : `<input type="hidden" name="topics-shown" value="1">\n${fieldset}\n`;
    parts.push(`<form method="post" action="${action}"><input type="hidden" name="action" value="resubscribe">
${shown}<button type="submit">${consent === 'unsubscribed' ? 'Subscribe again' : 'Subscribe'}</button></form>`);
  }
  return page(storeName, 'Email preferences', parts.join('\n'), subscribed ? 'subscribed' : 'unsubscribed');
}

/** One checkbox per topic, ticked when the person receives it; a label and a description for each. */
function topicFieldset(topics: Topics, optedOut: ReadonlySet<string>, legend: string): string {
  const boxes = Object.entries(topics).map(([id, topic]) => {
    const field = `topic-${escapeHtml(id)}`;
    const description =
      topic.description === undefined
        ? ''
        : `\n<p class="description" id="${field}-description">${escapeHtml(topic.description)}</p>`;
    return `<div class="topic"><input type="checkbox" id="${field}" name="topic" value="${escapeHtml(id)}"${
      optedOut.has(id) ? '' : ' checked'
    }${description === '' ? '' : ` aria-describedby="${field}-description"`}>
<label for="${field}">${escapeHtml(topic.label)}</label>${description}</div>`;
  });
  return boxes.length === 0 ? '' : `<fieldset><legend>${escapeHtml(legend)}</legend>\n${boxes.join('\n')}\n</fieldset>`;
}

function page(storeName: string, title: string, body: string, state = ''): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>${escapeHtml(title)} · ${escapeHtml(storeName)}</title>
<style>body{font-family:-apple-system,Segoe UI,Helvetica,Arial,sans-serif;max-width:480px;margin:48px auto;padding:0 16px;color:#18181b}
button{font-size:16px;padding:10px 16px;border-radius:6px;border:1px solid #18181b;background:#fff;cursor:pointer;margin:8px 0}
button:focus-visible,input:focus-visible{outline:3px solid #2563eb;outline-offset:2px}
fieldset{border:1px solid #d4d4d8;border-radius:6px;margin:16px 0;padding:8px 16px}legend{font-weight:600;padding:0 4px}
.topic{margin:12px 0}.topic input{width:20px;height:20px;vertical-align:middle;margin:0 8px 0 0}.topic label{font-weight:600}
.description{margin:4px 0 0 28px;color:#52525b}.saved{padding:12px;border-radius:6px;background:#ecfdf5;border:1px solid #047857}
button.secondary{border-color:#71717a;color:#3f3f46}</style></head>
<body data-state="${state}"><main><h1>${escapeHtml(title)}</h1><p><strong>${escapeHtml(storeName)}</strong></p>${body}</main></body></html>`;
}
