import { describe, expect, it } from 'vitest';
import { parseSesEvent } from '../../../functions/adapters/ses-events.js';

/**
 * SES event records as the configuration set's EventBridge destination delivers them in `detail`
 * (the event publishing format of the SES developer guide), trimmed of headers.
 */
const mail = {
  timestamp: '2026-11-02T10:00:00.000Z',
  source: 'Shop <hello@shop.example.com>',
  sendingAccountId: '123456789012',
  messageId: '0100018c-aaaa-bbbb',
  destination: ['ada@example.com'],
  headersTruncated: false,
  tags: {
    'ses:configuration-set': ['LifecycleConfigurationSet'],
    'ses:from-domain': ['shop.example.com'],
    customer: ['cus_123'],
    journey: ['welcome-series'],
    step: ['welcome-1'],
    run: ['run_abc'],
    category: ['marketing'],
  },
};

const records: Record<string, Record<string, unknown>> = {
  Send: { eventType: 'Send', mail, send: {} },
  Delivery: {
    eventType: 'Delivery',
    mail,
    delivery: { timestamp: '2026-11-02T10:00:02.000Z', processingTimeMillis: 2000, recipients: ['ada@example.com'] },
  },
  Bounce: {
    eventType: 'Bounce',
    mail,
    bounce: {
      bounceType: 'Permanent',
      bounceSubType: 'General',
      bouncedRecipients: [{ emailAddress: 'ada@example.com', action: 'failed', status: '5.1.1' }],
      timestamp: '2026-11-02T10:00:03.000Z',
      feedbackId: 'fb-1',
    },
  },
  Complaint: {
    eventType: 'Complaint',
    mail,
    complaint: {
      complainedRecipients: [{ emailAddress: 'ada@example.com' }],
      timestamp: '2026-11-02T11:00:00.000Z',
      feedbackId: 'fb-2',
      complaintFeedbackType: 'abuse',
    },
  },
  Open: {
    eventType: 'Open',
    mail,
    open: { timestamp: '2026-11-02T12:00:00.000Z', userAgent: 'Mail', ipAddress: '192.0.2.1' },
  },
  Click: {
    eventType: 'Click',
    mail,
    click: {
      timestamp: '2026-11-02T12:01:00.000Z',
      link: 'https://shop.example.com/',
      linkTags: {},
      ipAddress: '192.0.2.1',
    },
  },
  Reject: { eventType: 'Reject', mail, reject: { reason: 'Bad content' } },
  'Rendering Failure': {
    eventType: 'Rendering Failure',
    mail,
    failure: {
      templateName: 'lifecycle-welcome-1',
      errorMessage: "Attribute 'firstName' is not present in the rendering data.",
    },
  },
  DeliveryDelay: {
    eventType: 'DeliveryDelay',
    mail,
    deliveryDelay: { timestamp: '2026-11-02T10:30:00.000Z', delayType: 'MailboxFull', delayedRecipients: [] },
  },
};

describe('reading SES events', () => {
  it('reads every event type, with the ids from the message tags and the time of the event itself', () => {
    const kinds = Object.fromEntries(
      Object.entries(records).map(([type, record]) => {
        const parsed = parseSesEvent(record);
        if (!parsed.ok) throw new Error(parsed.reason);
        return [type, parsed.feedback.kind];
      }),
    );
    expect(kinds).toEqual({
      Send: 'send',
      Delivery: 'delivery',
      Bounce: 'bounce',
      Complaint: 'complaint',
      Open: 'open',
      Click: 'click',
      Reject: 'reject',
      'Rendering Failure': 'rendering_failure',
      DeliveryDelay: 'delivery_delay',
    });
    const bounce = parseSesEvent(records.Bounce);
    expect(bounce).toEqual({
      ok: true,
      feedback: {
        kind: 'bounce',
        messageId: '0100018c-aaaa-bbbb',
        at: '2026-11-02T10:00:03.000Z',
        tags: {
          customer: 'cus_123',
          journey: 'welcome-series',
          step: 'welcome-1',
          run: 'run_abc',
          category: 'marketing',
        },
        recipient: 'ada@example.com',
        bounce: { type: 'permanent', subType: 'General' },
        failure: undefined,
      },
    });
    // An email of an experiment's variant carries it back for the variant's counters.
    const open = parseSesEvent({ ...records.Open, mail: { ...mail, tags: { ...mail.tags, variant: ['story'] } } });
    expect(open.ok && open.feedback.tags.variant).toBe('story');
    const failure = parseSesEvent(records['Rendering Failure']);
    expect(failure.ok && failure.feedback.failure).toEqual({
      template: 'lifecycle-welcome-1',
      message: "Attribute 'firstName' is not present in the rendering data.",
    });
  });

  it('tells transient and undetermined bounces apart from permanent ones', () => {
    const of = (bounceType: string) => {
      const parsed = parseSesEvent({
        ...records.Bounce,
        bounce: { ...(records.Bounce?.bounce as object), bounceType },
      });
      return parsed.ok ? parsed.feedback.bounce?.type : parsed.reason;
    };
    expect(of('Transient')).toBe('transient');
    expect(of('Undetermined')).toBe('undetermined');
    expect(of('Permanent')).toBe('permanent');
  });

  it('names what is wrong with a record it cannot use, and never throws', () => {
    expect(parseSesEvent({ eventType: 'Open' })).toEqual({ ok: false, reason: expect.stringMatching(/^mail: /) });
    expect(parseSesEvent({ eventType: 'Subscription', mail })).toEqual({
      ok: false,
      reason: 'event type Subscription is not handled',
    });
    expect(parseSesEvent('not an object').ok).toBe(false);
    // An email sent without our tags still reads, for the address-based suppression of bounces.
    const untagged = parseSesEvent({ ...records.Complaint, mail: { ...mail, tags: undefined } });
    expect(untagged.ok && untagged.feedback.tags).toEqual({});
  });
});
