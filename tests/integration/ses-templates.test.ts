import { randomUUID } from 'node:crypto';
import { resolve } from 'node:path';
import { Logger } from '@aws-lambda-powertools/logger';
import { GetEmailTemplateCommand, UpdateEmailTemplateCommand } from '@aws-sdk/client-sesv2';
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { seedTemplates } from '../../functions/adapters/ses-templates.js';
import { readTemplateFiles } from '../../functions/adapters/template-files.js';
import { createSeedTemplatesHandler } from '../../functions/handlers/seed-templates.js';
import { engines } from '../helpers/engines.js';

const templates = readTemplateFiles(resolve('templates'));

describe('seeding the default templates into SES', () => {
  it('creates the missing templates and never overwrites one a marketer edited', async () => {
    const { ses } = engines();
    const prefix = `seed${randomUUID().slice(0, 6)}-`;
    const first = await seedTemplates(ses, templates, prefix);
    expect(first.created).toEqual(templates.map((t) => `${prefix}${t.name}`));

    await ses.send(
      new UpdateEmailTemplateCommand({
        TemplateName: `${prefix}welcome-1`,
        TemplateContent: { Subject: 'Edited by marketing', Html: '<p>Hi {{firstName}}</p>', Text: 'Hi {{firstName}}' },
      }),
    );
    const second = await seedTemplates(ses, templates, prefix);
    expect(second.created).toEqual([]);
    expect(second.existing).toHaveLength(templates.length);
    const kept = await ses.send(new GetEmailTemplateCommand({ TemplateName: `${prefix}welcome-1` }));
    expect(kept.TemplateContent?.Subject).toBe('Edited by marketing');
  });

  it('the custom resource creates on Create and Update, and deletes nothing on Delete', async () => {
    const { ses } = engines();
    const prefix = `cr${randomUUID().slice(0, 6)}-`;
    const handler = createSeedTemplatesHandler({ ses, logger: new Logger({ logLevel: 'SILENT' }) });
    const properties = {
      ServiceToken: 'arn',
      Prefix: prefix,
      Templates: templates.map((t) => ({ Name: t.name, Subject: t.subject, Html: t.html, Text: t.text })),
    };
    const base = {
      ServiceToken: 'arn',
      ResponseURL: 'https://x',
      StackId: 's',
      RequestId: 'r',
      LogicalResourceId: 'l',
      ResourceType: 'Custom::LifecycleTemplateSeed',
    };
    const created = await handler({
      ...base,
      RequestType: 'Create',
      ResourceProperties: properties,
    } as CloudFormationCustomResourceEvent);
    expect(created.Data).toEqual({ Created: templates.length });
    await handler({
      ...base,
      RequestType: 'Delete',
      PhysicalResourceId: 'lifecycle-template-seed',
      ResourceProperties: properties,
    } as CloudFormationCustomResourceEvent);
    const still = await ses.send(new GetEmailTemplateCommand({ TemplateName: `${prefix}welcome-2` }));
    expect(still.TemplateContent?.Subject).toBe(templates.find((t) => t.name === 'welcome-2')?.subject);
  });
});
