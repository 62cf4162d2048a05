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

/** Sends email. Expected rejections are values; unexpected failures throw. */
export interface Mailer {
  send(email: OutgoingEmail): Promise<{ readonly messageId: string }>;
  /** The account's maximum send rate per second, when the mail service has one. */
  maxSendRate?(): Promise<number | undefined>;
}
