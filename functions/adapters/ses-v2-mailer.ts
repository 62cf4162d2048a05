import { type MessageTag, type SESv2Client, SendEmailCommand } from '@aws-sdk/client-sesv2';
import type { Mailer, OutgoingEmail } from '../ports/mailer.js';

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

  constructor(options: SesV2MailerOptions) {
    this.options = options;
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
    const result = await this.options.client.send(
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
    );
    return { messageId: result.MessageId ?? '' };
  }
}

/** SES tag values allow letters, digits, `_`, `-`, `.` and `@` only; anything else becomes `_`. */
function toMessageTags(tags: Readonly<Record<string, string>>): MessageTag[] {
  return Object.entries(tags).map(([Name, Value]) => ({
    Name,
    Value: Value.replace(/[^A-Za-z0-9_.@-]/g, '_').slice(0, 256) || '_',
  }));
}
