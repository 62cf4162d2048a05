import { escapeHtml } from '../adapters/html.js';
import type { LifecycleConfig } from '../domain/config.js';
import type { Customer } from '../domain/customer.js';

/**
 * Every page the links of emails answer with (preferences, survey, confirmation), and the one place their
 * HTML is written. Plain HTML forms: no script, no external resource. Every text that comes from data (the
 * store name, topic ids, labels and descriptions) is escaped here; a token goes into a form's action only
 * URL-encoded. `data-state` tells tests and tools which outcome a page shows.
 */

type Topics = LifecycleConfig['topics'];
/** What a `POST` of the preference page saved, for the page to confirm it. */
export type Saved = 'topics' | 'subscribed' | 'unsubscribed';

/** A link whose token does not verify (forged, altered, for another purpose, or a bad survey score). */
export function invalidLinkPage(storeName: string, from: 'an email' | 'the confirmation email' = 'an email'): string {
  const where = from === 'an email' ? 'one of our emails' : 'your confirmation email';
  return page(storeName, 'This link is not valid', `<p>Please use the link from ${where}.</p>`);
}

/** The token's customer is not held (erased, or never stored). */
export function noPreferencesPage(storeName: string): string {
  return page(storeName, 'Nothing to change', '<p>We hold no email preferences for this link.</p>');
}

/** A method other than `GET` and `POST`. */
export function notAllowedPage(storeName: string): string {
  return page(storeName, 'Not allowed', '');
}

/** The answer to "Yes, keep sending me emails". */
export function keptPage(storeName: string): string {
  return page(storeName, 'Thank you', '<p>You will keep receiving our emails.</p>', 'subscribed');
}

/** The survey's chosen score, with the button that records it. */
export function surveyQuestionPage(storeName: string, token: string, score: number): string {
  const action = `?token=${encodeURIComponent(token)}&amp;score=${score}`;
  return page(
    storeName,
    'Thank you for answering',
    `<p>How likely are you to recommend us to a friend? You chose <strong>${score}</strong> out of 10.</p>
<form method="post" action="${action}"><button type="submit">Send my answer</button></form>`,
    'unanswered',
  );
}

/** The survey answer is recorded. */
export function surveyRecordedPage(storeName: string): string {
  return page(storeName, 'Thank you', '<p>Your answer is recorded. It helps us a lot.</p>', 'answered');
}

/** A survey answer for a customer not held. */
export function nothingToRecordPage(storeName: string): string {
  return page(storeName, 'Nothing to record', '<p>We hold no record for this link.</p>');
}

/** A weekly report link past its expiry. */
export function reportExpiredPage(storeName: string): string {
  return page(
    storeName,
    'This link has expired',
    '<p>Links to the weekly report open it for a limited time. Please use the link of a newer weekly email.</p>',
  );
}

/** A genuine weekly report link whose report is no longer kept. */
export function reportGonePage(storeName: string): string {
  return page(storeName, 'This report is no longer kept', '<p>Weekly reports are kept for 90 days.</p>');
}

/** A confirmation link past its expiry. */
export function confirmationExpiredPage(storeName: string): string {
  return page(
    storeName,
    'This link has expired',
    '<p>Please sign up again: we will send you a new confirmation email.</p>',
  );
}

/** The question of double opt-in, with the button that confirms. */
export function confirmationQuestionPage(storeName: string, token: string): string {
  return page(
    storeName,
    'Confirm your subscription',
    `<p>Please confirm that you want to receive emails from ${escapeHtml(storeName)}.</p>
<form method="post" action="?token=${encodeURIComponent(token)}"><button type="submit">Yes, subscribe me</button></form>`,
    'pending',
  );
}

/** Subscribed: already before this visit, or by this confirmation. */
export function subscribedPage(storeName: string, when: 'already' | 'now'): string {
  return when === 'already'
    ? page(storeName, 'You are subscribed', '<p>Your subscription is already confirmed. Thank you!</p>', 'subscribed')
    : page(storeName, 'You are subscribed', '<p>Thank you for confirming. Welcome!</p>', 'subscribed');
}

/** A confirmation for an address that is not waiting for one. */
export function nothingToConfirmPage(storeName: string): string {
  return page(storeName, 'Nothing to confirm', '<p>This address is not waiting for a confirmation.</p>', 'unchanged');
}

/**
 * The preference page of one customer, as stored. Subscribed, the topics form and "Unsubscribe from
 * everything"; otherwise the topics go with the "Subscribe again" form, so that a person coming back
 * chooses what they come back to.
 */
export function preferencePage(
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

/** The frame of every page: title, store name, style, and the page's state for tests and tools. */
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
