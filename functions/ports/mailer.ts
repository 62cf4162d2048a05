/** One email to send with a stored template. */
export interface OutgoingEmail {
  readonly to: string;
  /** The template's full name in SES, prefix included. */
  readonly templateName: string;
  readonly templateData: Record<string, unknown>;
  readonly category: 'marketing' | 'transactional';
  /** One-click unsubscribe target; required for marketing (RFC 8058 headers). */
  readonly unsubscribeUrl?: string | undefined;
  /** Ties SES feedback back to the customer, journey and step without a lookup. Values: ids only. */
  readonly tags: Readonly<Record<string, string>>;
}

/**
 * The template named in the send does not exist in the mail service (deleted, renamed, or not seeded).
 * The send is retried: it goes out once the template is back.
 */
export class TemplateMissingError extends Error {
  override readonly name = 'TemplateMissingError';
  constructor(readonly templateName: string) {
    super(`the mail service has no email template ${templateName} (or no such configuration set)`);
  }
}

/** Why the mail service refused a recipient for good: retrying the same email cannot help. */
export type RecipientRefusal =
  /** The account is in SES's sandbox, where only verified addresses receive email. */
  | 'recipient_not_verified'
  /** SES rejected the message (for example, it found a virus in it). */
  | 'message_rejected';

/** The mail service refused this email for good (not a failure to retry): it is dropped, with the reason. */
export class RecipientRefusedError extends Error {
  override readonly name = 'RecipientRefusedError';
  constructor(readonly reason: RecipientRefusal) {
    super(`the mail service refused the email: ${reason}`);
  }
}

/** Where the sending account stands and what it may send, as the mail service reports it. */
export interface SendingAccount {
  /** False while the account is in SES's sandbox: only verified addresses receive email. */
  readonly productionAccess: boolean;
  /** False while SES has paused the account's sending. */
  readonly sendingEnabled: boolean;
  /** Emails the account may send per second. */
  readonly maxSendRate: number;
  /** Emails the account may send in any 24 hours; undefined when unlimited. */
  readonly max24HourSend: number | undefined;
  /** Emails the account sent in the last 24 hours, every sender of the account included. */
  readonly sentLast24Hours: number;
  /** When the mail service said so, in milliseconds since the epoch. */
  readonly readAt: number;
}

/** Sends email. Expected rejections are values; unexpected failures throw. */
export interface Mailer {
  send(email: OutgoingEmail): Promise<{ readonly messageId: string }>;
  /** The sending account's standing and quotas, when the mail service reports them. */
  account?(): Promise<SendingAccount | undefined>;
}
