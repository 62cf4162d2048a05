import {
  GetAccountCommand,
  type MessageTag,
  NotFoundException,
  type SESv2Client,
  SendEmailCommand,
} from '@aws-sdk/client-sesv2';
import { type Mailer, type OutgoingEmail, TemplateMissingError } from '../ports/mailer.js';

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
  private rate: { at: number; value: Promise<number | undefined> } | undefined;

  constructor(options: SesV2MailerOptions) {
    this.options = options;
  }

  /** GetAccount's MaxSendRate, read at most every five minutes (it changes when SES raises the quota). */
  maxSendRate(): Promise<number | undefined> {
    if (!this.rate || Date.now() - this.rate.at > 300_000) {
      const value = this.options.client
        .send(new GetAccountCommand({}))
        .then((account) => account.SendQuota?.MaxSendRate)
        .catch(() => undefined);
      this.rate = { at: Date.now(), value };
    }
    return this.rate.value;
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
        // SendEmail answers 404 NotFoundException for a template (or configuration set) it does not have.
        if (error instanceof NotFoundException || httpStatus(error) === 404) {
          throw new TemplateMissingError(email.templateName);
        }
        throw error;
      });
    return { messageId: result.MessageId ?? '' };
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
