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

/** Sends email. Expected rejections are values; unexpected failures throw. */
export interface Mailer {
  send(email: OutgoingEmail): Promise<{ readonly messageId: string }>;
}
