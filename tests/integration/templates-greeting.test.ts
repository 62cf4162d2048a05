import { randomUUID } from 'node:crypto';
import { resolve } from 'node:path';
import { DeleteEmailTemplateCommand, type SESv2Client } from '@aws-sdk/client-sesv2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RenderedTemplate, renderStoredTemplate } from '../../functions/adapters/ses-template-admin.js';
import { seedTemplates } from '../../functions/adapters/ses-templates.js';
import { readTemplateFiles } from '../../functions/adapters/template-files.js';
import { TEAM_TEMPLATE_CONTRACTS } from '../../functions/domain/template-lint.js';
import { engines } from '../helpers/engines.js';
import { everyTemplateContext, templateDataIn } from '../helpers/template-context.js';

/**
 * Many customers give no first name. Every default template, with the data the dispatcher builds for such a
 * customer and rendered by SES (TestRenderEmailTemplate on the local SES), must read as written for them: no
 * stand-in name, a subject and an opening line that start as a sentence does, and no punctuation left over
 * where the name would have been.
 */

// The emails to customers; the team's (the weekly report) greet nobody by name (weekly-report.test.ts).
const templates = readTemplateFiles(resolve('templates')).filter(
  (template) => !Object.hasOwn(TEAM_TEMPLATE_CONTRACTS, template.name),
);

/** The words of the HTML part, a paragraph or heading a line. */
const htmlLines = (html: string) =>
  html
    .replace(/<(style|title)[^>]*>[\s\S]*?<\/\1>/gi, '')
    .split(/<\/?(?:h\d|p|div|li|td|br)\b[^>]*>/i)
    .map((line) =>
      line
        .replace(/<[^>]*>/g, '')
        .replace(/\s+/g, ' ')
        .trim(),
    )
    .filter((line) => line !== '');
const textLines = (text: string) =>
  text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '');

/** What is left where a name was taken out of a sentence, or a stand-in for it. */
function leftovers(line: string): string[] {
  const found: string[] = [];
  if (/\b(hi|hello) there\b|\bthere,|, there[!?.]?$/i.test(line)) found.push('"there" for a name');
  if (/,\s*,/.test(line)) found.push('", ,"');
  if (/\s[,.!?:;]/.test(line)) found.push('a space before punctuation');
  if (/,\s*[?!.]/.test(line)) found.push('a comma before the end of the sentence');
  if (/\S\s{2,}\S/.test(line)) found.push('two spaces');
  if (/,$/.test(line) && !/^(Hi|Hello),$/.test(line)) found.push('a dangling comma');
  return found;
}

function beginning(line: string): string[] {
  if (/^[,.!?:;\s]/.test(line)) return ['starts with punctuation or a space'];
  if (/^\p{Ll}/u.test(line)) return ['starts with a lower-case letter'];
  return [];
}

describe('the default templates for a customer without a first name, rendered by SES', () => {
  const prefix = `greeting-${randomUUID().slice(0, 8)}-`;
  let ses: SESv2Client;
  let created: readonly string[] = [];

  beforeAll(async () => {
    ses = engines().ses;
    // As a deploy seeds them, under a prefix of this file's own.
    created = (await seedTemplates(ses, templates, prefix)).created;
  });

  afterAll(async () => {
    for (const name of created) await ses.send(new DeleteEmailTemplateCommand({ TemplateName: name }));
  });

  const render = async (template: string, firstName: string | undefined): Promise<RenderedTemplate> => {
    const result = templateDataIn(template, everyTemplateContext({ firstName }));
    if ('skip' in result) throw new Error(`${template} skipped: ${result.skip}`);
    return renderStoredTemplate(ses, `${prefix}${template}`, result.data);
  };

  it.each(templates.map((t) => t.name))(
    '%s: reads naturally without a name, and names a named customer',
    async (name) => {
      for (const firstName of [undefined, '', '  <>  ']) {
        const email = await render(name, firstName);
        const [firstLine = ''] = textLines(email.text);
        const [heading = ''] = htmlLines(email.html);
        const where = `${name} for ${JSON.stringify(firstName)}`;
        expect(beginning(email.subject), `${where}: subject "${email.subject}"`).toEqual([]);
        expect(beginning(firstLine), `${where}: first line "${firstLine}"`).toEqual([]);
        expect(beginning(heading), `${where}: HTML heading "${heading}"`).toEqual([]);
        expect(leftovers(email.subject), `${where}: subject "${email.subject}"`).toEqual([]);
        for (const line of [...textLines(email.text), ...htmlLines(email.html)]) {
          expect(leftovers(line), `${where}: "${line}"`).toEqual([]);
        }
      }
      const named = await render(name, 'Ada');
      expect(named.text).toContain('Ada');
      expect(named.html).toContain('Ada');
    },
  );
});
