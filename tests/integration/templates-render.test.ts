import { randomUUID } from 'node:crypto';
import { resolve } from 'node:path';
import { DeleteEmailTemplateCommand, type SESv2Client } from '@aws-sdk/client-sesv2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderStoredTemplate } from '../../functions/adapters/ses-template-admin.js';
import { seedTemplates } from '../../functions/adapters/ses-templates.js';
import { readTemplateFiles } from '../../functions/adapters/template-files.js';
import { readTemplateSources } from '../../functions/adapters/template-workspace.js';
import { isKnownTemplate, TEMPLATE_CONTRACTS } from '../../functions/domain/journeys/catalogue.js';
import { defineJourney } from '../../functions/domain/journeys/definition.js';
import {
  lintTemplate,
  lintTemplates,
  TEAM_TEMPLATE_CONTRACTS,
  templateUses,
} from '../../functions/domain/template-lint.js';
import * as z from '../../functions/domain/zod.js';
import { testConfig } from '../helpers/config.js';
import { engines } from '../helpers/engines.js';

const allTemplates = readTemplateFiles(resolve('templates'));
/** The emails to customers; the team's (the weekly report) are tested in weekly-report-email.test.ts. */
const isTeamTemplate = (name: string) => Object.hasOwn(TEAM_TEMPLATE_CONTRACTS, name);
const templates = allTemplates.filter((template) => !isTeamTemplate(template.name));
const sources = readTemplateSources(resolve('templates'));
const samples = Object.fromEntries(
  sources.map((source) => [source.name, JSON.parse(source.sample ?? '{}') as Record<string, unknown>]),
);
const uses = templateUses(testConfig());
const isMarketing = (name: string) => uses.get(name)?.marketing === true;
const contractNames = Object.keys(TEMPLATE_CONTRACTS).sort();
const templateNames = templates.map((t) => t.name);

function contractOf(name: string): z.ZodMiniObject {
  if (!isKnownTemplate(name)) throw new Error(`no contract for template "${name}"`);
  return TEMPLATE_CONTRACTS[name];
}

function fieldsOf(schema: z.core.$ZodType): ReadonlyMap<string, z.core.$ZodType> {
  return schema instanceof z.core.$ZodObject
    ? new Map(Object.entries(schema._zod.def.shape as Record<string, z.core.$ZodType>))
    : new Map();
}

/** The sample without its optional top-level values: what the sender gives when there is, say, no discount. */
function withoutOptionals(name: string, sample: Record<string, unknown>): Record<string, unknown> {
  const shape = fieldsOf(contractOf(name));
  return Object.fromEntries(
    Object.entries(sample).filter(([key]) => {
      const field = shape.get(key);
      return field === undefined || !z.safeParse(field, undefined).success;
    }),
  );
}

// --- The tests ---------------------------------------------------------------------------------------------------

describe('the default templates', () => {
  it('have a contract and a sample each, and every contract has a template and a sample', () => {
    expect(templateNames).toEqual(contractNames);
    expect(allTemplates.map((t) => t.name).filter(isTeamTemplate)).toEqual(Object.keys(TEAM_TEMPLATE_CONTRACTS));
    expect(Object.keys(samples).filter((name) => !isTeamTemplate(name))).toEqual(contractNames);
    // The footer checks below hold for every marketing template: only the transactional ones are exempt.
    expect(templateNames.filter((name) => !isMarketing(name))).toEqual(['confirm-subscription', 'support-follow-up']);
  });

  it('pass the template lint: Handlebars, variables of the contract, samples, the footer of marketing', () => {
    // The same checks as `lifecycle templates lint` (functions/domain/template-lint.ts).
    const problems = lintTemplates(sources, uses).map((p) => `${p.template}/${p.file ?? ''}: ${p.message}`);
    expect(problems).toEqual([]);
  });

  it('lint warns of a first name printed where a customer without one would leave a gap', () => {
    const welcome = sources.find((source) => source.name === 'welcome-1');
    const unguarded = { ...welcome, name: 'welcome-1', subject: 'Welcome to {{storeName}}, {{firstName}}' };
    const problems = lintTemplate(unguarded, { contract: contractOf('welcome-1'), marketing: true });
    expect(problems).toEqual([
      {
        template: 'welcome-1',
        file: 'subject.txt',
        severity: 'warning',
        message:
          '{{firstName}}: "firstName" may be empty (a customer without a first name, say): write {{#if firstName}}…{{else}}…{{/if}} so that the text reads well without it',
      },
    ]);
  });

  it.each([
    ['thank-you-first', 'items'],
    ['thank-you-repeat', 'items'],
    ['abandoned-checkout-1', 'items'],
    ['abandoned-checkout-2', 'items'],
    ['cross-sell', 'recommendations'],
  ])('%s: lint knows the product cards of %s, and refuses a field they lack', (name, list) => {
    const source = sources.find((candidate) => candidate.name === name);
    const card = `{{#each ${list}}}<a href="{{url}}">{{title}}</a>{{#if price}}{{price}}{{/if}}{{#if imageUrl}}<img src="{{imageUrl}}" alt="{{title}}">{{/if}}{{#if compareAtPrice}}{{compareAtPrice}}{{/if}}{{/each}}`;
    const html = `${source?.html ?? ''}`.replace('</body>', `${card}</body>`);
    expect(lintTemplate({ ...source, name, html }, { contract: contractOf(name), marketing: true })).toEqual([]);
    const unknown = html.replace('</body>', `{{#each ${list}}}{{sku}}{{/each}}</body>`);
    expect(
      lintTemplate({ ...source, name, html: unknown }, { contract: contractOf(name), marketing: true }).map(
        (problem) => problem.message,
      ),
    ).toEqual([expect.stringMatching(/\{\{sku\}\}: "sku" is not in/)]);
    // An image or a struck-through price the catalogue may not have is printed only inside its {{#if}}.
    const unguarded = html.replace('</body>', `{{#each ${list}}}{{imageUrl}}{{/each}}</body>`);
    expect(
      lintTemplate({ ...source, name, html: unguarded }, { contract: contractOf(name), marketing: true }),
    ).toHaveLength(1);
  });

  it("lint knows an experiment's templates: a content variant gets the step's contract; a subject test needs {{experimentSubject}}", () => {
    const journey = defineJourney({
      id: 'ab-welcome',
      name: 'A/B welcome',
      trigger: { event: 'customer.signed_up' },
      reentry: { policy: 'once' },
      steps: [
        {
          id: 'hello',
          type: 'send',
          template: 'welcome-1',
          category: 'marketing',
          experiment: {
            variants: [
              { id: 'a' },
              { id: 'b', subject: 'Ten minutes to your first order' },
              { id: 'c', template: 'welcome-1-story' },
            ],
            testShare: 0.2,
            decideAfter: 'PT4H',
            metric: 'opens',
          },
        },
      ],
    });
    const experimentUses = templateUses(testConfig({ customJourneys: [journey] }));
    const welcome = sources.find((source) => source.name === 'welcome-1') as (typeof sources)[number];
    const story = {
      ...welcome,
      name: 'welcome-1-story',
      html: welcome.html?.replace('</body>', '{{firstName}}</body>'),
    };
    const lint = (list: (typeof sources)[number][]) =>
      lintTemplates(list, experimentUses)
        .filter((p) => ['welcome-1', 'welcome-1-story'].includes(p.template))
        .map((p) => `${p.template}/${p.file ?? ''}: ${p.message}`);
    expect(lint([welcome])).toEqual([
      'welcome-1-story/: missing, and the journey "ab-welcome" sends it',
      'welcome-1/subject.txt: a journey step tests subjects on it: print {{experimentSubject}}, as {{#if experimentSubject}}{{experimentSubject}}{{else}}…{{/if}}',
    ]);
    const subject = '{{#if experimentSubject}}{{experimentSubject}}{{else}}Welcome to {{storeName}}{{/if}}';
    expect(lint([{ ...welcome, subject }, story])).toEqual([
      expect.stringMatching(/^welcome-1-story\/body.html: line \d+: \{\{firstName\}\}: "firstName" may be empty/),
    ]);
  });

  it('replenishment-reminder: lint knows the card of the product to buy again', () => {
    const source = sources.find((candidate) => candidate.name === 'replenishment-reminder');
    const contract = contractOf('replenishment-reminder');
    const withSku = `${source?.html ?? ''}`.replace('</body>', '{{#with product}}{{sku}}{{/with}}</body>');
    expect(
      lintTemplate({ ...source, name: 'replenishment-reminder', html: withSku }, { contract, marketing: true }).map(
        (problem) => problem.message,
      ),
    ).toEqual([expect.stringMatching(/\{\{sku\}\}: "sku" is not in/)]);
  });

  it.each(templates)(
    '$name: has a one-line subject, the postal address, and the unsubscribe link if marketing',
    (template) => {
      expect(template.subject).not.toBe('');
      expect(template.subject).not.toMatch(/\n/);
      for (const body of [template.html, template.text]) {
        expect(body).toContain('{{postalAddress}}');
        if (isMarketing(template.name)) expect(body).toContain('{{unsubscribeUrl}}');
      }
      if (isMarketing(template.name)) expect(template.html).toContain('href="{{unsubscribeUrl}}"');
    },
  );

  it.each(allTemplates)('$name: is a self-contained, responsive HTML document and a real text version', (template) => {
    const { html, text } = template;
    expect(html).toMatch(/^<!doctype html>/i);
    expect(html).toMatch(/<html lang="[a-z]{2}/);
    expect(html).toMatch(/<title>[^<]+<\/title>/);
    expect(html).toContain('name="viewport"');
    expect(html).toMatch(/max-width:\s*\d+px/);
    expect(html).toContain('@media');
    expect(html).not.toMatch(/<script|<link|@import|url\(|<iframe/i);
    for (const image of html.match(/<img\b[^>]*>/gi) ?? []) {
      expect(image).toMatch(/\balt="/);
      expect(image).not.toMatch(/src="https?:/);
    }
    expect(text).not.toMatch(/<\/?[a-z][^>]*>/i);
    for (const href of html.matchAll(/href="\{\{(\w+)\}\}"/g)) expect(text).toContain(`{{${href[1]}}}`);
  });
});

describe('the default templates rendered by SES', () => {
  const prefix = `tplrender-${randomUUID().slice(0, 8)}-`;
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

  // Rendered by SES's TestRenderEmailTemplate and read back from the MIME message, as `templates preview` does.
  const render = (name: string, data: Record<string, unknown>) => renderStoredTemplate(ses, `${prefix}${name}`, data);

  it.each(templateNames)('%s: renders the sample with every value in place', async (name) => {
    const sample = samples[name] ?? {};
    const email = await render(name, sample);
    const { firstName, unsubscribeUrl, postalAddress } = contractOf(name).parse(sample) as Record<string, string>;
    expect(email.subject).not.toBe('');
    expect(`${email.subject}\n${email.html}\n${email.text}`).toContain(firstName);
    for (const body of [email.html, email.text]) {
      expect(body).toContain(firstName);
      if (isMarketing(name)) expect(body).toContain(unsubscribeUrl);
      expect(body).toContain(postalAddress);
    }
    for (const part of [email.subject, email.html, email.text]) {
      expect(part).not.toContain('{{');
      expect(part).not.toContain('}}');
      expect(part).not.toMatch(/undefined|\[object Object\]/);
    }
  });

  it.each(templateNames)('%s: renders without its optional values too', async (name) => {
    const minimal = withoutOptionals(name, samples[name] ?? {});
    expect(() => contractOf(name).parse(minimal)).not.toThrow();
    const email = await render(name, minimal);
    for (const part of [email.subject, email.html, email.text]) {
      expect(part).not.toContain('{{');
      expect(part).not.toMatch(/undefined|\[object Object\]/);
    }
    for (const key of Object.keys(samples[name] ?? {}).filter((k) => !(k in minimal))) {
      const value = String(samples[name]?.[key]);
      expect(`${email.subject}\n${email.html}\n${email.text}`).not.toContain(value);
    }
  });
});
