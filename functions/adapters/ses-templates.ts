import { CreateEmailTemplateCommand, ListEmailTemplatesCommand, type SESv2Client } from '@aws-sdk/client-sesv2';
import type { TemplateFiles } from './template-files.js';

export interface SeedResult {
  readonly created: readonly string[];
  readonly existing: readonly string[];
}

/** Names of every template in the SES account and region. */
export async function listTemplateNames(client: SESv2Client): Promise<Set<string>> {
  const names = new Set<string>();
  let token: string | undefined;
  do {
    const page = await client.send(new ListEmailTemplatesCommand({ NextToken: token, PageSize: 100 }));
    for (const template of page.TemplatesMetadata ?? []) if (template.TemplateName) names.add(template.TemplateName);
    token = page.NextToken;
  } while (token);
  return names;
}

/**
 * Creates every template that SES does not have yet, and leaves the others exactly as they are:
 * marketers own templates once they exist, and a deploy must never overwrite their edits.
 */
export async function seedTemplates(
  client: SESv2Client,
  templates: readonly TemplateFiles[],
  prefix: string,
): Promise<SeedResult> {
  const present = await listTemplateNames(client);
  const created: string[] = [];
  const existing: string[] = [];
  for (const template of templates) {
    const name = `${prefix}${template.name}`;
    if (present.has(name)) {
      existing.push(name);
      continue;
    }
    try {
      await throttled(() =>
        client.send(
          new CreateEmailTemplateCommand({
            TemplateName: name,
            TemplateContent: { Subject: template.subject, Html: template.html, Text: template.text },
          }),
        ),
      );
      created.push(name);
    } catch (error) {
      // Created meanwhile by someone else (a marketer, another deploy): theirs stays.
      if (!isAlreadyExists(error)) throw error;
      existing.push(name);
    }
  }
  return { created, existing };
}

function isAlreadyExists(error: unknown): boolean {
  return error instanceof Error && (error.name === 'AlreadyExistsException' || /already exists/i.test(error.message));
}

/** Template management calls are limited to a few a second per account: back off and try again. */
export async function throttled<T>(work: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (error) {
      if (errorKind(error) !== 'TooManyRequestsException' || attempt >= 6) throw error;
      await new Promise((resolve) => setTimeout(resolve, 250 * 2 ** attempt));
    }
  }
}

/** The error's SES name: the local SES answers the type in the body rather than in a header. */
export function errorKind(error: unknown): string | undefined {
  if (!(error instanceof Error)) return undefined;
  const type = (error as { type?: unknown }).type;
  return error.name === 'Unknown' && typeof type === 'string' ? type : error.name;
}
