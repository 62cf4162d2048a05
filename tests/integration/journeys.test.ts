import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { durationMs } from '../../functions/domain/duration.js';
import type { LocalStack } from '../../functions/local/local-stack.js';
import { testConfig } from '../helpers/config.js';
import { uniqueEmail } from '../helpers/engines.js';
import { postGeneric } from '../helpers/generic-webhook.js';
import { emailsTo } from '../helpers/inbox.js';
import { startTestStack } from '../helpers/local-stack.js';

/**
 * The built-in journeys end to end through the local runtime: signed webhooks in, the simulated
 * clock moved forward, and the emails that reach the local SES checked by template and time.
 */
let stack: LocalStack;
let counter = 0;

beforeAll(async () => {
  stack = await startTestStack(
    'journeys',
    testConfig({
      // A generous cap here: each journey is watched on its own; the cap has its own test below.
      frequencyCap: [{ max: 20, per: 'PT1H' }],
      journeys: { replenishment: { intervals: [{ productId: 'coffee-beans', every: 'P30D' }] } },
    }),
  );
});

afterAll(async () => {
  await stack?.stop();
});

const now = () => stack.clock.now();
const advance = (duration: string) => stack.advanceClock({ advance: duration });

async function send(type: string, data: Record<string, unknown>) {
  const response = await postGeneric(stack.urls.api, {
    id: `j-${++counter}`,
    type,
    occurredAt: now().toISOString(),
    data,
  });
  expect(response.status, JSON.stringify(response.json)).toBe(200);
  await stack.settle();
}

const signup = (email: string, consent = 'subscribed') =>
  send('customer.signed_up', { customer: { email, firstName: 'Ada', consent: { email: consent } } });

function order(
  email: string,
  id: string,
  items: { productId: string; name: string; amount: number; quantity?: number }[] = [
    { productId: 'mug', name: 'Mug', amount: 1500 },
  ],
  placedAgo?: string,
) {
  const placedAt = placedAgo === undefined ? now() : new Date(now().getTime() - durationMs(placedAgo));
  const lineItems = items.map((i) => ({
    productId: i.productId,
    name: i.name,
    quantity: i.quantity ?? 1,
    unitPrice: { amount: i.amount, currency: 'USD' },
  }));
  const total = lineItems.reduce((sum, i) => sum + i.unitPrice.amount * i.quantity, 0);
  return send('order.placed', {
    customer: { email, consent: { email: 'subscribed' } },
    order: { id, placedAt: placedAt.toISOString(), total: { amount: total, currency: 'USD' }, lineItems },
  });
}

async function sent(email: string): Promise<string[]> {
  const response = await fetch(`${stack.urls.api}/_local/customers/${encodeURIComponent(email)}`);
  const document = (await response.json()) as { timeline: { kind: string; template?: string }[] };
  return document.timeline.filter((entry) => entry.kind === 'email_sent').map((entry) => entry.template as string);
}

async function timeline(email: string) {
  const response = await fetch(`${stack.urls.api}/_local/customers/${encodeURIComponent(email)}`);
  return (await response.json()) as { timeline: Record<string, unknown>[]; customer: Record<string, any> };
}

describe('the built-in journeys', () => {
  it('1. welcome series: three emails, and an order ends it', async () => {
    const stays = uniqueEmail('welcome');
    const buys = uniqueEmail('welcome-buyer');
    await signup(stays);
    await signup(buys);
    expect(await sent(stays)).toEqual(['welcome-1']);
    await advance('P1D');
    await order(buys, 'w-1');
    await advance('P6D');
    expect(await sent(stays)).toEqual(['welcome-1', 'welcome-2', 'welcome-3']);
    expect((await sent(buys)).filter((t) => t.startsWith('welcome'))).toEqual(['welcome-1']);
    const exits = (await timeline(buys)).timeline.filter(
      (e) => e.kind === 'journey_exited' && e.journeyId === 'welcome-series',
    );
    expect(exits).toEqual([expect.objectContaining({ reason: 'event:order.placed' })]);
    // The email really reached the inbox, rendered by SES.
    expect((await emailsTo(stack.urls.inbox, stays)).map((e) => e.subject)).toContain('Welcome to Test Shop, Ada');
  });

  it('2. post-purchase: a first-order thank-you, then a repeat one; a redelivered order thanks nobody twice', async () => {
    const email = uniqueEmail('thanks');
    await order(email, 'pp-1');
    await order(email, 'pp-1');
    await advance('PT3H');
    expect((await sent(email)).filter((t) => t.startsWith('thank-you'))).toEqual(['thank-you-first']);
    await order(email, 'pp-2');
    await advance('PT3H');
    expect((await sent(email)).filter((t) => t.startsWith('thank-you'))).toEqual([
      'thank-you-first',
      'thank-you-repeat',
    ]);
  });

  it('3. repeat incentive: 21 days after a first order without a second', async () => {
    const once = uniqueEmail('once');
    const twice = uniqueEmail('twice');
    await order(once, 'ri-1');
    await order(twice, 'ri-2');
    await advance('P10D');
    await order(twice, 'ri-3');
    await advance('P10D');
    expect(await sent(once)).not.toContain('repeat-incentive');
    await advance('P2D');
    expect(await sent(once)).toContain('repeat-incentive');
    expect(await sent(twice)).not.toContain('repeat-incentive');
  });

  it('4 and 5. review request after arrival, NPS after three weeks: promoters asked to refer, detractors helped', async () => {
    const promoter = uniqueEmail('promoter');
    const detractor = uniqueEmail('detractor');
    await order(promoter, 'nps-1');
    await order(detractor, 'nps-2');
    await advance('P9D');
    expect(await sent(promoter)).not.toContain('review-request');
    await advance('P2D');
    expect(await sent(promoter)).toContain('review-request');
    await advance('P9D');
    expect(await sent(promoter)).not.toContain('nps-survey');
    await advance('P2D');
    expect(await sent(promoter)).toContain('nps-survey');
    expect(await sent(detractor)).toContain('nps-survey');
    // Answer the survey the way a customer does: the link from the email, then the button.
    for (const [email, score] of [
      [promoter, 10],
      [detractor, 3],
    ] as const) {
      const [survey] = (await emailsTo(stack.urls.inbox, email)).filter((m) => /one quick question/i.test(m.subject));
      const link = new RegExp(`(http://[^"\\s]+/feedback\\?token=[^"\\s&]+&(amp;)?score=${score})["\\s]`).exec(
        survey?.body.html ?? '',
      )?.[1];
      expect(link, 'the survey email links each score').toBeDefined();
      const url = (link as string).replace('&amp;', '&');
      expect((await fetch(url)).status).toBe(200);
      expect((await fetch(url, { method: 'POST' })).status).toBe(200);
    }
    await stack.settle();
    await advance('PT1H');
    const promoterDoc = await timeline(promoter);
    expect(promoterDoc.customer.nps).toMatchObject({ score: 10 });
    expect(promoterDoc.customer.segments).toContain('promoter');
    expect(await sent(promoter)).toContain('referral-request');
    expect(await sent(detractor)).toContain('support-follow-up');
    expect(await sent(detractor)).not.toContain('referral-request');
  });

  it('6. replenishment: shortly before a consumable runs out', async () => {
    const email = uniqueEmail('coffee');
    await order(email, 'rep-1', [{ productId: 'coffee-beans', name: 'Coffee beans', amount: 2400 }]);
    await advance('P24D');
    expect(await sent(email)).not.toContain('replenishment-reminder');
    await advance('P2D');
    expect(await sent(email)).toContain('replenishment-reminder');
  });

  it('7. cross-sell: what others bought with it, not what they own', async () => {
    for (let i = 0; i < 3; i++) {
      await order(uniqueEmail('pair'), `cs-pair-${i}`, [
        { productId: 'grinder', name: 'Grinder', amount: 9000 },
        { productId: 'filters', name: 'Paper filters', amount: 500 },
        { productId: 'scale', name: 'Kitchen scale', amount: 2500 },
      ]);
    }
    await stack.refreshModel();
    const email = uniqueEmail('cross');
    // Bought with the grinder by others: filters and the scale; this customer has the scale already.
    await order(email, 'cs-1', [
      { productId: 'grinder', name: 'Grinder', amount: 9000 },
      { productId: 'scale', name: 'Kitchen scale', amount: 2500 },
    ]);
    await advance('P8D');
    expect(await sent(email)).toContain('cross-sell');
    const [mail] = (await emailsTo(stack.urls.inbox, email)).filter((m) => m.subject.includes('go well with'));
    expect(mail?.body.text).toContain('Paper filters');
    expect(mail?.body.text).not.toContain('Kitchen scale');
  });

  it('8. VIP recognition on entering the top of the store', async () => {
    for (let i = 0; i < 20; i++)
      await order(uniqueEmail('base'), `vip-base-${i}`, [{ productId: 'mug', name: 'Mug', amount: 1000 + i }]);
    await stack.refreshModel();
    const email = uniqueEmail('vip');
    await order(email, 'vip-1', [{ productId: 'espresso-machine', name: 'Espresso machine', amount: 90_000 }]);
    await advance('PT1H');
    expect((await timeline(email)).customer.stage).toBe('vip');
    expect(await sent(email)).toContain('vip-welcome');
  });

  it('9. win-back: late against their own rhythm, two emails, an order ends it', async () => {
    // Six orders ten days apart, the last one now: a rhythm of ten days, shrunk towards the store's, makes
    // them at risk past 1.5 times their usual latency (the document says what it is).
    const late = uniqueEmail('late');
    const returns = uniqueEmail('returns');
    for (const email of [late, returns]) {
      // Newest first: at no moment does the history make them look late before it is all in.
      for (const [index, ago] of ['PT1M', 'P10D', 'P20D', 'P30D', 'P40D', 'P50D'].entries()) {
        await order(email, `${email}-${index}`, undefined, ago);
      }
    }
    // The store's usual latency moves as the daily model learns from every buyer: step a day at a time
    // until they are late, checking that no win-back went before.
    for (let day = 0; day < 60 && (await timeline(late)).customer.stage !== 'at_risk'; day++) {
      expect(await sent(late)).not.toContain('win-back-1');
      await advance('P1D');
    }
    const { metrics } = (await timeline(late)).customer;
    // Both figures are rounded to hundredths in the document.
    expect(metrics.daysSinceLastOrder).toBeGreaterThanOrEqual(1.5 * metrics.usualLatencyDays - 0.02);
    await stack.settle();
    for (const email of [late, returns]) {
      expect((await timeline(email)).customer.stage).toBe('at_risk');
      expect(await sent(email)).toContain('win-back-1');
    }
    await order(returns, `${returns}-back`);
    await advance('P8D');
    expect(await sent(late)).toContain('win-back-2');
    expect(await sent(returns)).not.toContain('win-back-2');
    expect((await timeline(returns)).timeline).toContainEqual(
      expect.objectContaining({ kind: 'conversion', journeyId: 'win-back' }),
    );
  }, 120_000);

  it('10. re-engagement, then sunset; a click on "keep me" brings them back', async () => {
    const silent = uniqueEmail('silent');
    await signup(silent);
    await advance('P91D');
    expect(await sent(silent)).toContain('re-engagement-1');
    await advance('P8D');
    expect(await sent(silent)).toContain('re-engagement-2');
    await advance('P8D');
    expect((await timeline(silent)).customer.flags).toEqual({ sunset: true });

    // The "keep me subscribed" link of the last email: a page asking to confirm, then one button.
    const [lastCall] = (await emailsTo(stack.urls.inbox, silent)).filter((m) =>
      m.body.text?.includes('Keep me subscribed'),
    );
    const keepUrl = /Keep me subscribed: (\S+)/.exec(lastCall?.body.text ?? '')?.[1] as string;
    expect(keepUrl).toContain('keep=1');
    const page = await fetch(keepUrl);
    expect(await page.text()).toContain('Yes, keep sending me emails');
    const kept = await fetch(keepUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'action=keep',
    });
    expect(kept.status).toBe(200);
    await stack.settle();
    const after = await timeline(silent);
    expect(after.customer.flags?.sunset).not.toBe(true);
    expect(after.customer.segments).not.toContain('unengaged');
    // Three months of every customer's timers on a busy machine: more than the default 30 s.
  }, 120_000);

  it('11. abandoned checkout: after an hour and after a day; an order in between ends it', async () => {
    const abandons = uniqueEmail('abandons');
    const completes = uniqueEmail('completes');
    const checkout = (email: string, id: string) =>
      send('checkout.started', {
        customer: { email, consent: { email: 'subscribed' } },
        checkout: {
          id,
          url: 'https://shop.example.com/checkout/1',
          total: { amount: 4500, currency: 'USD' },
          lineItems: [{ productId: 'mug', name: 'Mug', quantity: 3, unitPrice: { amount: 1500, currency: 'USD' } }],
        },
      });
    await checkout(abandons, 'chk-a');
    await checkout(completes, 'chk-b');
    await advance('PT30M');
    await order(completes, 'ac-1');
    await advance('PT1H');
    expect(await sent(abandons)).toContain('abandoned-checkout-1');
    expect(await sent(completes)).not.toContain('abandoned-checkout-1');
    await advance('P1D');
    expect(await sent(abandons)).toContain('abandoned-checkout-2');
    const [reminder] = (await emailsTo(stack.urls.inbox, abandons)).filter((m) => m.subject.includes('left something'));
    expect(reminder?.body.html).toContain('https://shop.example.com/checkout/1');
  });
});

describe('the frequency cap across journeys, with the default settings', () => {
  let capped: LocalStack;
  beforeAll(async () => {
    capped = await startTestStack('journeys-cap', testConfig());
  });
  afterAll(async () => {
    await capped?.stop();
  });

  const post = async (type: string, data: Record<string, unknown>) => {
    const response = await postGeneric(capped.urls.api, {
      id: `cap-${++counter}`,
      type,
      occurredAt: capped.clock.now().toISOString(),
      data,
    });
    expect(response.status, JSON.stringify(response.json)).toBe(200);
    await capped.settle();
  };
  const entries = async (email: string) => {
    const response = await fetch(`${capped.urls.api}/_local/customers/${encodeURIComponent(email)}`);
    return ((await response.json()) as { timeline: Record<string, unknown>[] }).timeline;
  };

  it('a capped thank-you waits its turn and goes; a reminder that would go stale is dropped, with its reason', async () => {
    const email = uniqueEmail('capped');
    const customer = { email, consent: { email: 'subscribed' } };
    await post('customer.signed_up', { customer });
    await post('checkout.started', {
      customer,
      checkout: {
        id: 'cap-chk',
        total: { amount: 1500, currency: 'USD' },
        lineItems: [{ productId: 'mug', name: 'Mug', quantity: 1, unitPrice: { amount: 1500, currency: 'USD' } }],
      },
    });
    await capped.advanceClock({ advance: 'PT1H' });
    // One marketing email per 16 hours: the reminder an hour after the welcome would wait 15 hours, more
    // than the 12 it allows, so it is dropped at once rather than sent when the checkout is cold.
    const dropped = (await entries(email)).find((e) => e.kind === 'email_dropped');
    expect(dropped).toMatchObject({ journeyId: 'abandoned-checkout', stepId: 'reminder-1', reason: 'stale' });

    await post('order.placed', {
      customer,
      order: {
        id: 'cap-o1',
        placedAt: capped.clock.now().toISOString(),
        total: { amount: 1500, currency: 'USD' },
        lineItems: [{ productId: 'mug', name: 'Mug', quantity: 1, unitPrice: { amount: 1500, currency: 'USD' } }],
      },
    });
    await capped.advanceClock({ advance: 'P1D' });
    const timeline = await entries(email);
    const welcomed = timeline.find((e) => e.kind === 'email_sent' && e.template === 'welcome-1');
    const t0 = Date.parse(String(welcomed?.at));
    const deferred = timeline.find((e) => e.kind === 'email_deferred' && e.journeyId === 'post-purchase');
    expect(deferred).toMatchObject({ stepId: 'thank-you-first', reason: 'frequency_cap' });
    expect(Date.parse(String(deferred?.until))).toBe(t0 + 16 * 3_600_000);
    const thanked = timeline.find((e) => e.kind === 'email_sent' && e.template === 'thank-you-first');
    expect(Date.parse(String(thanked?.at))).toBeGreaterThanOrEqual(t0 + 16 * 3_600_000);
    const sends = timeline.filter((e) => e.kind === 'email_sent').map((e) => Date.parse(String(e.at)));
    for (let i = 1; i < sends.length; i++) expect(sends[i]! - sends[i - 1]!).toBeGreaterThanOrEqual(16 * 3_600_000);
  });
});

// A year of simulated time: the daily model job runs 365 times on the way.
describe('the birthday journey, with quiet hours', { timeout: 300_000 }, () => {
  let birthdays: LocalStack;
  beforeAll(async () => {
    birthdays = await startTestStack(
      'journeys-birthday',
      testConfig({
        quietHours: { start: '21:00', end: '08:00' },
        journeys: {
          // 07:00 on the day, inside the quiet hours: the email waits for 08:00.
          birthday: { enabled: true, sendAt: '07:00', discountCode: 'BDAY-15', discountText: '15% off' },
          welcomeSeries: { enabled: false },
          // A year without opening anything would sunset the person (re-engagement), and no birthday email
          // would follow: right, but not what this test watches.
          reengagement: { enabled: false },
        },
      }),
    );
  });
  afterAll(async () => {
    await birthdays?.stop();
  });

  const zone = 'Asia/Tokyo';
  const TOKYO_OFFSET = 9 * 3_600_000;
  /** The local date in Tokyo of an instant. */
  const tokyoDate = (instant: Date) => new Date(instant.getTime() + TOKYO_OFFSET).toISOString().slice(0, 10);
  /** `hh:mm` in Tokyo on a local date, as an instant. */
  const tokyoTime = (date: string, time: string) => new Date(Date.parse(`${date}T${time}:00Z`) - TOKYO_OFFSET);
  const wishes = async (email: string) => {
    const response = await fetch(`${birthdays.urls.api}/_local/customers/${encodeURIComponent(email)}`);
    const { timeline } = (await response.json()) as { timeline: Record<string, unknown>[] };
    // When each went, as the local date and hour in Tokyo (the simulated clock also runs on, seconds at most).
    return timeline
      .filter((e) => e.kind === 'email_sent' && e.template === 'birthday')
      .map((e) => new Date(Date.parse(String(e.at)) + TOKYO_OFFSET).toISOString().slice(0, 13));
  };
  const at8 = (date: string) => `${date}T08`;

  it('a birthday next week: the email on the day in their morning after quiet hours, again a year later, never twice', async () => {
    const email = uniqueEmail('birthday');
    let day = tokyoDate(new Date(birthdays.clock.now().getTime() + 7 * 86_400_000));
    // Born on 29 February would be 28 February next year: a plainer day keeps the dates below simple.
    if (day.endsWith('-02-29')) day = tokyoDate(new Date(Date.parse(`${day}T12:00:00Z`) + 86_400_000));
    const response = await postGeneric(birthdays.urls.api, {
      id: `bday-${++counter}`,
      type: 'customer.signed_up',
      occurredAt: birthdays.clock.now().toISOString(),
      data: {
        customer: {
          email,
          firstName: 'Ada',
          timezone: zone,
          birthday: `--${day.slice(5)}`,
          consent: { email: 'subscribed' },
        },
      },
    });
    expect(response.status, JSON.stringify(response.json)).toBe(200);
    await birthdays.settle();

    await birthdays.advanceClock({ to: tokyoTime(day, '07:30').toISOString() });
    expect(await wishes(email)).toEqual([]);
    await birthdays.advanceClock({ to: tokyoTime(day, '09:00').toISOString() });
    expect(await wishes(email)).toEqual([at8(day)]);
    const [mail] = (await emailsTo(birthdays.urls.inbox, email)).filter((m) => m.subject.includes('birthday'));
    expect(mail?.subject).toBe('Happy birthday, Ada');
    expect(mail?.body.text).toContain('BDAY-15');

    await birthdays.advanceClock({ advance: 'P2D' });
    expect(await wishes(email)).toHaveLength(1);
    const nextYear = `${Number(day.slice(0, 4)) + 1}${day.slice(4)}`;
    await birthdays.advanceClock({ to: tokyoTime(nextYear, '09:00').toISOString() });
    expect(await wishes(email)).toEqual([at8(day), at8(nextYear)]);
    await birthdays.advanceClock({ advance: 'P3D' });
    expect(await wishes(email)).toHaveLength(2);
  });
});
