import { GetAccountCommand, type MessageTag, type SESv2Client, SendEmailCommand } from '@aws-sdk/client-sesv2';
import {
  type Mailer,
  type OutgoingEmail,
  RecipientRefusedError,
  type SendingAccount,
  TemplateMissingError,
} from '../ports/mailer.js';
import { errorKind } from './ses-templates.js';

export interface SesV2MailerOptions {
  readonly client: SESv2Client;
  /** FromEmailAddress, e.g. `Acme <hello@acme.example>`. */
  readonly from: string;
  readonly replyTo?: string | undefined;
  /** The configuration set whose event destination reports delivery, bounces and complaints. */
  readonly configurationSetName?: string | undefined;
}

/** {@link Mailer} on SES v2 SendEmail with a stored template. */
export class SesV2Mailer implements Mailer {
  private readonly options: SesV2MailerOptions;
  private standing: { at: number; value: Promise<SendingAccount | undefined> } | undefined;

  constructor(options: SesV2MailerOptions) {
    this.options = options;
  }

  /**
   * The account as GetAccount reports it, read at most once a minute per container: its sandbox standing,
   * whether sending is enabled, its send rate and its 24-hour quota. Undefined when SES does not answer
   * (the dispatcher then sends without pacing, and SES's throttling answers are retried).
   */
  account(): Promise<SendingAccount | undefined> {
    if (!this.standing || Date.now() - this.standing.at > 60_000) {
      const readAt = Date.now();
      const value = this.options.client
        .send(new GetAccountCommand({}))
        .then((account): SendingAccount | undefined => {
          const quota = account.SendQuota;
          if (quota?.MaxSendRate === undefined) return undefined;
          return {
            productionAccess: account.ProductionAccessEnabled === true,
            sendingEnabled: account.SendingEnabled !== false,
            maxSendRate: quota.MaxSendRate,
            // -1 is SES's "unlimited".
            max24HourSend:
              quota.Max24HourSend === undefined || quota.Max24HourSend < 0 ? undefined : quota.Max24HourSend,
            sentLast24Hours: quota.SentLast24Hours ?? 0,
            readAt,
          };
        })
        .catch(() => undefined);
      this.standing = { at: readAt, value };
    }
    return this.standing.value;
  }

  async send(email: OutgoingEmail): Promise<{ readonly messageId: string }> {
    const headers =
      email.category === 'marketing' && email.unsubscribeUrl
        ? [
            // RFC 8058 one-click unsubscribe, required by Gmail and Yahoo for bulk senders.
            { Name: 'List-Unsubscribe', Value: `<${email.unsubscribeUrl}>` },
            { Name: 'List-Unsubscribe-Post', Value: 'List-Unsubscribe=One-Click' },
          ]
        : undefined;
    const result = await this.options.client
      .send(
        new SendEmailCommand({
          FromEmailAddress: this.options.from,
          ReplyToAddresses: this.options.replyTo ? [this.options.replyTo] : undefined,
          Destination: { ToAddresses: [email.to] },
          Content: {
            Template: {
              TemplateName: email.templateName,
              TemplateData: JSON.stringify(email.templateData),
              Headers: headers,
            },
          },
          ConfigurationSetName: this.options.configurationSetName,
          EmailTags: toMessageTags({ ...email.tags, category: email.category }),
        }),
      )
      .catch((error: unknown) => {
        throw classified(error, { templateName: email.templateName, from: this.options.from });
      });
    return { messageId: result.MessageId ?? '' };
  }
}

/**
 * SES v2's documented errors of SendEmail, as the dispatcher must treat them:
 * - `NotFoundException` (404) names a template or a configuration set that does not exist: a missing
 *   template is retried until it is back, and alarmed on (`TemplateNotFound`); a missing configuration set
 *   is a broken deployment, failed like any other error.
 * - `MessageRejected` (400) "Email address is not verified. The following identities failed the check in
 *   region …: <identities>" lists the identities SES has not verified. In the sandbox that is the
 *   recipient: final for this email, retrying cannot help. When the sender is listed (its identity is not
 *   verified yet), the email is retried: it goes once the identity is verified. Any other `MessageRejected`
 *   is content SES will not send: final.
 * Everything else (throttling, a paused account, 5xx, time-outs) is thrown as it is, to be retried.
 */
export function classified(error: unknown, email: { readonly templateName: string; readonly from: string }): unknown {
  const kind = errorKind(error);
  const message = error instanceof Error ? error.message : '';
  if (kind === 'NotFoundException' || httpStatus(error) === 404) {
    return /configuration set/i.test(message) ? error : new TemplateMissingError(email.templateName);
  }
  if (kind !== 'MessageRejected') return error;
  if (!/not verified/i.test(message)) return new RecipientRefusedError('message_rejected');
  const listed = (/failed the check in region [^:]*:(.*)$/is.exec(message)?.[1] ?? '')
    .split(',')
    .map((identity) => identity.trim().toLowerCase())
    .filter(Boolean);
  const from = (/<([^>]+)>/.exec(email.from)?.[1] ?? email.from).trim().toLowerCase();
  const fromDomain = from.slice(from.lastIndexOf('@') + 1);
  const senderListed = listed.some((identity) => identity === from || identity === fromDomain);
  return senderListed ? new SenderNotVerifiedError() : new RecipientRefusedError('recipient_not_verified');
}

/** SES has not verified the identity of the From address: sends are retried until it has. */
export class SenderNotVerifiedError extends Error {
  override readonly name = 'SenderNotVerifiedError';
  /** As SES answered it: a 400, so the email was certainly not sent (it is not counted as an attempt). */
  readonly $metadata = { httpStatusCode: 400 };
  constructor() {
    super('SES has not verified the identity of the From address yet');
  }
}

function httpStatus(error: unknown): number | undefined {
  return (error as { $metadata?: { httpStatusCode?: number } } | undefined)?.$metadata?.httpStatusCode;
}

/** SES tag values allow letters, digits, `_`, `-`, `.` and `@` only; anything else becomes `_`. */
function toMessageTags(tags: Readonly<Record<string, string>>): MessageTag[] {
  return Object.entries(tags).map(([Name, Value]) => ({
    Name,
    Value: Value.replace(/[^A-Za-z0-9_.@-]/g, '_').slice(0, 256) || '_',
  }));
}
