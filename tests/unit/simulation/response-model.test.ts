import { describe, expect, it } from 'vitest';
import type { CanonicalEvent } from '../../../functions/domain/events.js';
import type { OutgoingEmail } from '../../../functions/ports/mailer.js';
import { createRandom } from '../../../functions/simulation/random.js';
import {
  DEFAULT_RESPONSE,
  resolveResponseSettings,
  SimulatedRecipients,
} from '../../../functions/simulation/response-model.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const t0 = Date.parse('2026-03-01T10:00:00Z');

const email = (variant?: string): OutgoingEmail => ({
  to: 'Ada@Example.com',
  templateName: 'lifecycle-offer',
  templateData: {},
  category: 'marketing',
  tags: { customer: 'cus_1', journey: 'j', step: 's', run: 'run_1', ...(variant ? { variant } : {}) },
});

const order: CanonicalEvent = {
  schemaVersion: 1,
  id: 'generic:o-1',
  source: 'generic',
  occurredAt: '2026-02-01T10:00:00.000Z',
  type: 'order.placed',
  data: {
    customer: { email: 'ada@example.com' },
    order: { id: 'o-1', placedAt: '2026-02-01T10:00:00.000Z', total: { amount: 4200, currency: 'USD' }, lineItems: [] },
  },
};

describe('simulated recipients', () => {
  it('deliver, open an hour later and click five minutes after, through feedback reports in time order', () => {
    const recipients = new SimulatedRecipients(
      resolveResponseSettings({ open: 1, click: 1, purchaseLift: 0 }),
      createRandom(1),
    );
    recipients.sent(email(), 'm-1', t0);
    const due = recipients.due(t0 + DAY);
    expect(due.map((r) => (r.kind === 'feedback' ? [r.feedback.kind, r.at - t0] : ['order', r.at - t0]))).toEqual([
      ['delivery', 0],
      ['open', HOUR],
      ['click', HOUR + 5 * 60_000],
    ]);
    expect(due[0]).toMatchObject({ feedback: { messageId: 'm-1', tags: { journey: 'j', run: 'run_1' } } });
    expect(recipients.nextAt()).toBeUndefined();
  });

  it("takes a variant's own rates from byVariant, by the email's variant tag", () => {
    const recipients = new SimulatedRecipients(
      resolveResponseSettings({ open: 1, click: 0, byVariant: { quiet: { open: 0 } } }),
      createRandom(1),
    );
    recipients.sent(email('quiet'), 'm-1', t0);
    recipients.sent(email('other'), 'm-2', t0);
    const kinds = recipients
      .due(t0 + DAY)
      .map((r) => (r.kind === 'feedback' ? `${r.feedback.messageId} ${r.feedback.kind}` : ''));
    expect(kinds).toEqual(['m-1 delivery', 'm-2 delivery', 'm-2 open']);
  });

  it('after a click, places orders like the last one at the lifted rate within the window only', () => {
    // A rate of 10 extra orders a day over one day: about 10 orders, all inside the window.
    const recipients = new SimulatedRecipients(
      resolveResponseSettings({ open: 1, click: 1, purchaseLift: 10, baseRate: 1, window: 'P1D' }),
      createRandom(2),
    );
    recipients.played(order);
    recipients.sent(email(), 'm-1', t0);
    const clickedAt = t0 + HOUR + 5 * 60_000;
    const orders = recipients.due(t0 + 30 * DAY).filter((r) => r.kind === 'order');
    expect(orders.length).toBeGreaterThan(3);
    expect(orders.length).toBeLessThan(25);
    for (const placed of orders) {
      expect(placed.at).toBeGreaterThanOrEqual(clickedAt);
      expect(placed.at).toBeLessThan(clickedAt + DAY);
      if (placed.kind === 'order') {
        expect(placed.event.data.customer?.email).toBe('ada@example.com');
        expect(placed.event.data.order.total).toEqual({ amount: 4200, currency: 'USD' });
      }
    }
  });

  it('does not stack the lift of two clicks: a second click within the window only extends it', () => {
    const settings = resolveResponseSettings({ open: 1, click: 1, purchaseLift: 1000, baseRate: 1, window: 'P1D' });
    const once = new SimulatedRecipients(settings, createRandom(3));
    once.played(order);
    once.sent(email(), 'm-1', t0);
    const twice = new SimulatedRecipients(settings, createRandom(3));
    twice.played(order);
    twice.sent(email(), 'm-1', t0);
    twice.sent(email(), 'm-2', t0); // the same moment: nothing more lifted
    const count = (r: SimulatedRecipients) => r.due(t0 + 30 * DAY).filter((x) => x.kind === 'order').length;
    expect(count(twice)).toBe(count(once));
  });

  it('refuses settings that are no rate, naming them', () => {
    expect(resolveResponseSettings({})).toMatchObject(DEFAULT_RESPONSE);
    expect(() => resolveResponseSettings({ open: 1.5 })).toThrow('response.open must be a number between 0 and 1');
    expect(() => resolveResponseSettings({ purchaseLift: -1 })).toThrow(
      'response.purchaseLift must be a number of 0 or more',
    );
    expect(() => resolveResponseSettings({ window: 'soon' })).toThrow(/response.window/);
    expect(() => resolveResponseSettings({ byVariant: { b: { click: 2 } } })).toThrow('response.byVariant.b.click');
  });
});
