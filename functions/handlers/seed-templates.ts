import type { Logger } from '@aws-lambda-powertools/logger';
import type { SESv2Client } from '@aws-sdk/client-sesv2';
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { seedTemplates } from '../adapters/ses-templates.js';
import type { TemplateFiles } from '../adapters/template-files.js';

export interface SeedTemplatesDependencies {
  readonly ses: SESv2Client;
  readonly logger: Logger;
}

interface SeedProperties {
  readonly Prefix: string;
  readonly Templates: readonly { Name: string; Subject: string; Html: string; Text: string }[];
}

/**
 * The custom resource behind the Mailer construct: on create and update, creates the templates SES does
 * not have; on delete, leaves every template in place (they belong to the marketers now).
 */
export function createSeedTemplatesHandler(dependencies: SeedTemplatesDependencies) {
  return async (event: CloudFormationCustomResourceEvent) => {
    const physicalResourceId = 'lifecycle-template-seed';
    if (event.RequestType === 'Delete') return { PhysicalResourceId: physicalResourceId };
    const properties = event.ResourceProperties as unknown as SeedProperties;
    const templates: TemplateFiles[] = properties.Templates.map((t) => ({
      name: t.Name,
      subject: t.Subject,
      html: t.Html,
      text: t.Text,
    }));
    const result = await seedTemplates(dependencies.ses, templates, properties.Prefix);
    dependencies.logger.info('templates seeded', { created: result.created, existing: result.existing });
    return { PhysicalResourceId: physicalResourceId, Data: { Created: result.created.length } };
  };
}
