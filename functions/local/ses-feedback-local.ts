import { SES_EVENT_SOURCE } from '../domain/routing.js';
import type { EventPublisher } from '../ports/event-publisher.js';
import type { Mailer, OutgoingEmail } from '../ports/mailer.js';

/** What a local report can be, as `POST /_local/ses-events` takes it. */
export const LOCAL_REPORT_KINDS = [
  'delivery',
  'bounce',
  'soft-bounce',
  'complaint',
  'open',
  'click',
  'reject',
  'rendering-failure',
] as const;
export type LocalReportKind = (typeof LOCAL_REPORT_KINDS)[number];

const DETAIL: Readonly<Record<LocalReportKind, { detailType: string; eventType: string }>> = {
  delivery: { detailType: 'Email Delivered', eventType: 'Delivery' },
  bounce: { detailType: 'Email Bounced', eventType: 'Bounce' },
  'soft-bounce': { detailType: 'Email Bounced', eventType: 'Bounce' },
  complaint: { detailType: 'Email Complaint Received', eventType: 'Complaint' },
  open: { detailType: 'Email Opened', eventType: 'Open' },
  click: { detailType: 'Email Clicked', eventType: 'Click' },
  reject: { detailType: 'Email Rejected', eventType: 'Reject' },
  'rendering-failure': { detailType: 'Email Rendering Failed', eventType: 'Rendering Failure' },
};

interface SentMessage {
  readonly to: string;
  readonly templateName: string;
  readonly tags: Readonly<Record<string, string>>;
}

/**
 * The local SES does not report what happens to an email after it is accepted. This stands in for the
 * configuration set's EventBridge destination: every accepted email is reported delivered, in SES's own
 * event format, on the local bus; and bounces, complaints, opens and clicks can be reported on demand for
 * any email it sent, to see what the product does with them.
 */
export class LocalSesFeedback {
  private readonly sent = new Map<string, SentMessage>();
  private readonly order: string[] = [];

  constructor(
    private readonly bus: EventPublisher,
    private readonly now: () => Date,
    private readonly configurationSetName: string,
  ) {}

  /** The mailer, reporting each accepted email as sent and delivered. */
  wrap(mailer: Mailer): Mailer {
    return {
      send: async (email: OutgoingEmail) => {
        const result = await mailer.send(email);
        const tags = { ...email.tags, category: email.category };
        this.sent.set(result.messageId, { to: email.to, templateName: email.templateName, tags });
        this.order.push(result.messageId);
        if (this.order.length > 10_000) this.sent.delete(this.order.shift() as string);
        await this.report(result.messageId, 'delivery');
        return result;
      },
      ...(mailer.account ? { account: () => mailer.account?.() ?? Promise.resolve(undefined) } : {}),
    };
  }

  /** The id of the newest email sent to an address, if this runtime sent one. */
  latestMessageTo(address: string): string | undefined {
    const wanted = address.trim().toLowerCase();
    for (let i = this.order.length - 1; i >= 0; i--) {
      const id = this.order[i] as string;
      if (this.sent.get(id)?.to.toLowerCase() === wanted) return id;
    }
    return undefined;
  }

  /** Publishes SES's event for one of the emails sent here; false when the message is unknown. */
  async report(messageId: string, kind: LocalReportKind): Promise<boolean> {
    const message = this.sent.get(messageId);
    if (!message) return false;
    const at = this.now().toISOString();
    const { detailType, eventType } = DETAIL[kind];
    const detail: Record<string, unknown> = {
      eventType,
      mail: {
        timestamp: at,
        messageId,
        destination: [message.to],
        tags: {
          ...Object.fromEntries(Object.entries(message.tags).map(([name, value]) => [name, [value]])),
          'ses:configuration-set': [this.configurationSetName],
        },
      },
    };
    const recipients = [{ emailAddress: message.to }];
    if (kind === 'delivery') detail.delivery = { timestamp: at, recipients: [message.to] };
    if (kind === 'bounce')
      detail.bounce = {
        bounceType: 'Permanent',
        bounceSubType: 'General',
        bouncedRecipients: recipients,
        timestamp: at,
      };
    if (kind === 'soft-bounce')
      detail.bounce = {
        bounceType: 'Transient',
        bounceSubType: 'MailboxFull',
        bouncedRecipients: recipients,
        timestamp: at,
      };
    if (kind === 'complaint')
      detail.complaint = { complainedRecipients: recipients, timestamp: at, complaintFeedbackType: 'abuse' };
    if (kind === 'open') detail.open = { timestamp: at };
    if (kind === 'click') detail.click = { timestamp: at, link: 'https://example.invalid/' };
    if (kind === 'reject') detail.reject = { reason: 'Bad content' };
    if (kind === 'rendering-failure') {
      detail.failure = {
        templateName: message.templateName,
        errorMessage: 'Attribute is not present in the rendering data',
      };
    }
    await this.bus.publish([{ source: SES_EVENT_SOURCE, detailType, detail, time: this.now() }]);
    return true;
  }
}
