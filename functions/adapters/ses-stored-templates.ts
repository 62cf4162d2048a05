import { createHash } from 'node:crypto';
import type { SESv2Client } from '@aws-sdk/client-sesv2';
import { contentDigestInput, type TemplateContent } from '../domain/template-history.js';
import type { StoredTemplates } from '../ports/stored-templates.js';
import { getTemplateContent, listStackTemplates, updateTemplate } from './ses-template-admin.js';

/** The stack's templates in SES (`<prefix><name>`), by their names without the prefix. */
export class SesStoredTemplates implements StoredTemplates {
  constructor(
    private readonly client: SESv2Client,
    private readonly prefix: string,
  ) {}

  async names(): Promise<string[]> {
    return [...(await listStackTemplates(this.client, this.prefix)).keys()];
  }

  content(name: string): Promise<TemplateContent | undefined> {
    return getTemplateContent(this.client, `${this.prefix}${name}`);
  }

  replace(name: string, content: TemplateContent): Promise<void> {
    return updateTemplate(this.client, `${this.prefix}${name}`, content);
  }
}

/** The hash a template version is kept under: SHA-256 of its three parts, hex. */
export function templateContentHash(content: TemplateContent): string {
  return createHash('sha256').update(contentDigestInput(content)).digest('hex');
}
