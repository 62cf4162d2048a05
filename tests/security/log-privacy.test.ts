import { writeFileSync } from 'node:fs';
import { Logger } from '@aws-lambda-powertools/logger';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signShopifyBody } from '../../functions/adapters/webhooks/shopify.js';
import { signWooCommerceBody } from '../../functions/adapters/webhooks/woocommerce.js';
import type { LocalStack } from '../../functions/local/local-stack.js';
import { ALL_SOURCES, testConfig } from '../helpers/config.js';
import { postGeneric } from '../helpers/generic-webhook.js';
import { emailsTo, header } from '../helpers/inbox.js';
import { startTestStack } from '../helpers/local-stack.js';
import { fixtures, SECRETS, stripeHeader } from './harness.js';

/**
 * No personal data in any log line. The whole local runtime runs at LOG_LEVEL=DEBUG with metrics on
 * (Powertools JSON logs and EMF lines, on stdout and stderr), with the runtime's own activity log, through
 * the life of several people across every source: sign-up with consent proof (IP, user agent), double
 * opt-in confirmation, orders, emails sent, a malformed and a forged delivery, one-click unsubscribe, a
 * bounce reported by SES, a data request and two erasures. Every line written is then searched for their
 * addresses, names, IPs and user agents; an offending line is reported with the value masked.
 */

interface Person {
  readonly email: string;
  readonly firstName: string;
  readonly lastName: string;
}

const ZEBULON: Person = { email: 'zebulon.quackenbush@example.com', firstName: 'Zebulon', lastName: 'Quackenbush' };
const PHILIPPA: Person = {
  email: 'philippa.featherstonehaugh@example.org',
  firstName: 'Philippa',
  lastName: 'Featherstonehaugh',
};
const IGNATIUS: Person = {
  email: 'ignatius.wobblesworth@example.net',
  firstName: 'Ignatius',
  lastName: 'Wobblesworth',
};
const CLEMENTINE: Person = {
  email: 'clementine.bramblewood@example.com',
  firstName: 'Clementine',
  lastName: 'Bramblewood',
};
const BARTHOLOMEW: Person = {
  email: 'bartholomew.snodgrass@example.com',
  firstName: 'Bartholomew',
  lastName: 'Snodgrass',
};
const PEOPLE = [ZEBULON, PHILIPPA, IGNATIUS, CLEMENTINE, BARTHOLOMEW];
const FORM_IP = '198.51.100.77';
const FORM_USER_AGENT = 'PrivacyProbe/9.9 (Quokka; rv:42)';
const CONFIRM_USER_AGENT = 'ConfirmingBrowser/3.1 (Wombat)';

/** Everything that must never be logged. */
const PERSONAL: readonly string[] = [
  ...PEOPLE.flatMap((person) => [
    person.email,
    person.email.split('@')[0] as string,
    person.firstName,
    person.lastName,
  ]),
  FORM_IP,
  FORM_USER_AGENT,
  CONFIRM_USER_AGENT,
];

const CANARY = 'canary.address@example.com';
const mask = (value: string) => `${value[0]}${'*'.repeat(Math.max(1, value.length - 2))}${value.at(-1)}`;

/** Every line written to stdout, stderr or the console while capturing, and the local runtime's activity log. */
class Capture {
  readonly lines: string[] = [];
  private restore: (() => void) | undefined;

  start(): void {
    const record = (chunk: unknown) => {
      const text = typeof chunk === 'string' ? chunk : Buffer.isBuffer(chunk) ? chunk.toString('utf8') : String(chunk);
      this.lines.push(...text.split(/\r?\n/).filter((line) => line.trim() !== ''));
    };
    const stdout = process.stdout.write;
    const stderr = process.stderr.write;
    const methods = ['log', 'info', 'warn', 'error', 'debug', 'trace'] as const;
    const consoleMethods = methods.map((method) => [method, console[method]] as const);
    const writer = (chunk: unknown, ...rest: unknown[]) => {
      record(chunk);
      const callback = rest.find((argument) => typeof argument === 'function') as (() => void) | undefined;
      callback?.();
      return true;
    };
    process.stdout.write = writer as typeof process.stdout.write;
    process.stderr.write = writer as typeof process.stderr.write;
    for (const method of methods) console[method] = (...parts: unknown[]) => record(parts.map(String).join(' '));
    this.restore = () => {
      process.stdout.write = stdout;
      process.stderr.write = stderr;
      for (const [method, original] of consoleMethods) console[method] = original;
    };
  }

  stop(): void {
    this.restore?.();
    this.restore = undefined;
  }
}

const capture = new Capture();
let stack: LocalStack;
const metricsSetting = process.env.POWERTOOLS_METRICS_DISABLED;

beforeAll(async () => {
  // Metrics (EMF) are printed too: their dimensions and metadata must not carry personal data either.
  process.env.POWERTOOLS_METRICS_DISABLED = 'false';
  capture.start();
  try {
    stack = await startTestStack(
      'security-logs',
      testConfig({
        sources: ALL_SOURCES,
        deliverability: { doubleOptIn: ['generic'], confirmationValidFor: 'P7D' },
        frequencyCap: [{ max: 20, per: 'PT1H' }],
      }),
      {
        environment: {
          LOG_LEVEL: 'DEBUG',
          GENERIC_WEBHOOK_SECRET: SECRETS.generic,
          SHOPIFY_WEBHOOK_SECRET: SECRETS.shopify,
          WOOCOMMERCE_WEBHOOK_SECRET: SECRETS.woocommerce,
          STRIPE_WEBHOOK_SECRET: SECRETS.stripe,
        },
        log: (line) => capture.lines.push(line),
      },
    );
  } catch (error) {
    capture.stop();
    throw error;
  }
});

afterAll(async () => {
  capture.stop();
  await stack?.stop();
  if (metricsSetting === undefined) delete process.env.POWERTOOLS_METRICS_DISABLED;
  else process.env.POWERTOOLS_METRICS_DISABLED = metricsSetting;
});

let counter = 0;
const now = () => stack.clock.now().toISOString();

async function generic(type: string, data: Record<string, unknown>, expected = 200) {
  const response = await postGeneric(
    stack.urls.api,
    { id: `privacy-${++counter}`, type, occurredAt: now(), data },
    { secret: SECRETS.generic },
  );
  expect(response.status, JSON.stringify(response.json)).toBe(expected);
  await stack.settle();
}

async function shopify(fixture: string, topic: string, person: Person) {
  const text = (fixtures('shopify').find((f) => f.name === fixture)?.text ?? '')
    .replaceAll('ada.lovelace@example.com', person.email)
    .replaceAll('Ada', person.firstName)
    .replaceAll('Lovelace', person.lastName);
  const response = await fetch(`${stack.urls.api}/webhooks/shopify`, {
    method: 'POST',
    body: text,
    headers: {
      'content-type': 'application/json',
      'x-shopify-topic': topic,
      'x-shopify-hmac-sha256': signShopifyBody(text, SECRETS.shopify),
      'x-shopify-webhook-id': `privacy-${++counter}`,
      'x-shopify-triggered-at': now(),
      'x-shopify-shop-domain': 'northwind-linen.myshopify.com',
    },
  });
  expect(response.status, await response.text()).toBe(200);
  await stack.settle();
}

/** The link in an email's text part that follows `label`. */
async function linkIn(person: Person, subjectStart: string, label: RegExp): Promise<string> {
  const mail = (await emailsTo(stack.urls.inbox, person.email)).find((m) => m.subject.startsWith(subjectStart));
  const url = label.exec(mail?.body.text ?? '')?.[1];
  if (!url) throw new Error(`no link in "${subjectStart}" to ${mask(person.email)}`);
  return url;
}

async function signUpAndConfirm(person: Person) {
  await generic('customer.signed_up', {
    customer: {
      email: person.email,
      firstName: person.firstName,
      lastName: person.lastName,
      timezone: 'Europe/London',
      consent: { email: 'subscribed', source: 'footer-form', ip: FORM_IP, userAgent: FORM_USER_AGENT },
    },
  });
  const confirm = await linkIn(person, 'Please confirm', /Yes, subscribe me: (\S+)/);
  expect((await fetch(confirm, { headers: { 'user-agent': CONFIRM_USER_AGENT } })).status).toBe(200);
  const confirmed = await fetch(confirm, { method: 'POST', headers: { 'user-agent': CONFIRM_USER_AGENT } });
  expect(confirmed.status).toBe(200);
  await stack.settle();
}

describe('logs', () => {
  it('carry no address, name, IP or user agent through a whole life of several customers', async () => {
    // Sign-ups with consent proof and double opt-in; the welcome series starts.
    await signUpAndConfirm(ZEBULON);
    await signUpAndConfirm(BARTHOLOMEW);
    await generic('consent.changed', {
      customer: { email: ZEBULON.email },
      consent: { email: 'subscribed', source: 'preference-form', ip: FORM_IP, userAgent: FORM_USER_AGENT },
    });

    // Orders and customers from every source.
    await generic('order.placed', {
      customer: { email: ZEBULON.email, firstName: ZEBULON.firstName, lastName: ZEBULON.lastName },
      order: {
        id: 'privacy-order-1',
        placedAt: now(),
        total: { amount: 4200, currency: 'USD' },
        lineItems: [{ productId: 'mug', name: 'Mug', quantity: 1, unitPrice: { amount: 4200, currency: 'USD' } }],
      },
    });
    await shopify('customers-create', 'customers/create', PHILIPPA);
    await shopify('orders-create', 'orders/create', PHILIPPA);
    await shopify('customers-data-request', 'customers/data_request', PHILIPPA);

    const woo = JSON.stringify({
      ...JSON.parse(fixtures('woocommerce').find((f) => f.name === 'customer-created')?.text ?? '{}'),
      email: CLEMENTINE.email,
      first_name: CLEMENTINE.firstName,
      last_name: CLEMENTINE.lastName,
      billing: { first_name: CLEMENTINE.firstName, last_name: CLEMENTINE.lastName, email: CLEMENTINE.email },
    });
    const wooAnswer = await fetch(`${stack.urls.api}/webhooks/woocommerce`, {
      method: 'POST',
      body: woo,
      headers: {
        'content-type': 'application/json',
        'x-wc-webhook-topic': 'customer.created',
        'x-wc-webhook-signature': signWooCommerceBody(woo, SECRETS.woocommerce),
      },
    });
    expect(wooAnswer.status).toBe(200);

    const stripeEvent = JSON.parse(fixtures('stripe').find((f) => f.name === 'customer-created')?.text ?? '{}');
    stripeEvent.data.object.email = IGNATIUS.email;
    stripeEvent.data.object.name = `${IGNATIUS.firstName} ${IGNATIUS.lastName}`;
    const stripeBody = JSON.stringify(stripeEvent);
    const stripeAnswer = await fetch(`${stack.urls.api}/webhooks/stripe`, {
      method: 'POST',
      body: stripeBody,
      headers: {
        'content-type': 'application/json',
        'stripe-signature': stripeHeader(stripeBody, SECRETS.stripe, Math.floor(Date.now() / 1000)),
      },
    });
    expect(stripeAnswer.status).toBe(200);
    await stack.settle();

    // A malformed but well-signed delivery, and a forged one, both carrying personal data.
    await generic(
      'customer.signed_up',
      { customer: { email: `${ZEBULON.firstName}@@${ZEBULON.lastName}`, consent: { email: 'subscribed' } } },
      400,
    );
    const forged = await postGeneric(
      stack.urls.api,
      { id: 'forged', type: 'customer.erased', occurredAt: now(), data: { customer: { email: ZEBULON.email } } },
      { secret: 'not-the-secret' },
    );
    expect(forged.status).toBe(401);

    // Time passes: thank-you and welcome emails go out.
    await stack.advanceClock({ advance: 'PT4H' });
    expect((await emailsTo(stack.urls.inbox, ZEBULON.email)).length).toBeGreaterThanOrEqual(3);

    // One-click unsubscribe from the List-Unsubscribe header of a real email.
    const [welcome] = (await emailsTo(stack.urls.inbox, ZEBULON.email)).filter((m) => m.subject.startsWith('Welcome'));
    const listUnsubscribe = /^<(.+)>$/.exec((welcome && header(welcome, 'List-Unsubscribe')) ?? '')?.[1];
    expect(listUnsubscribe).toBeDefined();
    const unsubscribed = await fetch(listUnsubscribe ?? '', {
      method: 'POST',
      body: 'List-Unsubscribe=One-Click',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'user-agent': CONFIRM_USER_AGENT },
    });
    expect(unsubscribed.status).toBe(200);

    // A hard bounce reported by SES.
    const bounce = await fetch(`${stack.urls.api}/_local/ses-events`, {
      method: 'POST',
      body: JSON.stringify({ email: BARTHOLOMEW.email, kind: 'bounce' }),
    });
    expect(bounce.status).toBe(202);
    await stack.settle();

    // Erasures, from the generic format and Shopify's customers/redact.
    await generic('customer.erased', { customer: { email: ZEBULON.email } });
    await shopify('customers-redact', 'customers/redact', PHILIPPA);
    await stack.settle();
    expect(stack.bus.deadLetters).toEqual([]);

    // A canary: a Powertools logger built like the functions' sees its line captured, so a leak would be too.
    new Logger({ serviceName: 'canary', logLevel: 'DEBUG' }).debug('canary', { email: CANARY });
    capture.stop();
    if (process.env.PRIVACY_DUMP) writeFileSync(process.env.PRIVACY_DUMP, capture.lines.join('\n'));
    expect(capture.lines.some((line) => line.includes(CANARY))).toBe(true);
    // The capture saw the logs: the functions' JSON lines and the runtime's activity lines.
    const json = capture.lines.filter((line) => line.startsWith('{'));
    expect(json.some((line) => line.includes('"message":"customer event recorded"'))).toBe(true);
    expect(json.some((line) => line.includes('"message":"webhook rejected: invalid payload"'))).toBe(true);
    expect(json.some((line) => line.includes('"message":"email report recorded"'))).toBe(true);
    expect(json.some((line) => line.includes('"_aws"'))).toBe(true);
    expect(capture.lines.some((line) => line.startsWith('webhook '))).toBe(true);

    const offending = capture.lines.flatMap((line) => {
      const found = PERSONAL.filter((value) => line.toLowerCase().includes(value.toLowerCase()));
      if (found.length === 0) return [];
      let masked = line;
      for (const value of found) masked = masked.replace(new RegExp(escapeRegExp(value), 'gi'), mask(value));
      return [`${masked.slice(0, 400)}  [${found.map(mask).join(', ')}]`];
    });
    console.info(`log privacy: ${capture.lines.length} lines scanned for ${PERSONAL.length} values`);
    expect(offending, `personal data in ${offending.length} log line(s):\n${offending.join('\n')}`).toEqual([]);
  }, 120_000);
});

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
