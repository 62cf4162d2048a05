import { randomUUID } from 'node:crypto';
import { resolve } from 'node:path';
import { CreateEmailTemplateCommand, DeleteEmailTemplateCommand, type SESv2Client } from '@aws-sdk/client-sesv2';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RenderedTemplate, renderStoredTemplate } from '../../functions/adapters/ses-template-admin.js';
import { SesV2Mailer } from '../../functions/adapters/ses-v2-mailer.js';
import { readTemplateFiles } from '../../functions/adapters/template-files.js';
import { EmailAddressSchema } from '../../functions/domain/email-address.js';
import { TEMPLATE_CONTRACTS } from '../../functions/domain/journeys/catalogue.js';
import { plainText } from '../../functions/domain/template-data.js';
import { TEAM_TEMPLATE_CONTRACTS } from '../../functions/domain/template-lint.js';
import { testConfig } from '../helpers/config.js';
import { engines, uniqueEmail } from '../helpers/engines.js';
import { emailsTo } from '../helpers/inbox.js';
import { everyTemplateContext, templateDataIn } from '../helpers/template-context.js';

/**
 * Customer-controlled text in emails: a first name or a product name with CR/LF (header injection), HTML,
 * Handlebars braces, bidi controls or 10,000 characters. The template data is built as the dispatcher
 * builds it (functions/domain/template-data.ts), every default template is rendered by SES's
 * TestRenderEmailTemplate (the local SES: Handlebars without HTML escaping, as SES), and each rendering is
 * compared with the rendering of a plain name: the subject stays one line, the text part keeps its lines,
 * the HTML part keeps exactly its tags, and braces stay text. A real send shows the headers are untouched.
 */

const TEMPLATE_SEED = 5322;
const RUNS = 10_000;
/** Characters no header or line may get from data: C0/C1 controls, DEL, line and paragraph separators. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
/** Characters that reorder or hide the text around them. */
const INVISIBLE = /[\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]/;

const HOSTILE_NAMES: Readonly<Record<string, string>> = {
  'CR/LF with a Bcc header': 'Ada\r\nBcc: victim@example.org',
  'LF with a Subject header': 'Ada\nSubject: You won\n\n<h1>prize</h1>',
  'NEL, LS and PS line breaks': 'Ada\u0085Bcc: a@b.c\u2028x\u2029y',
  'NUL and other controls': 'Ada\u0000\u0007\u001b[31m\u007f',
  'a script tag': '<script>alert(1)</script>',
  'an image with onerror': '<img src=x onerror=alert(1)>',
  'a closing quote and a link': '"><a href="https://evil.example/">claim</a>',
  'HTML entities': '&lt;b&gt;bold&lt;/b&gt; &amp;',
  'Handlebars variable': '{{storeName}}',
  'Handlebars triple braces': '{{{unsubscribeUrl}}}',
  'Handlebars block': '{{#each this}}{{@key}}{{/each}}',
  'Handlebars partial and comment': '{{> footer}}{{!-- x --}}',
  'an RFC 2047 encoded word': '=?utf-8?b?QmNjOiB2aWN0aW1AZXhhbXBsZS5vcmc=?=',
  'a bidi override': 'Ada\u202egnp.exe',
  'bidi isolates, zero-width and direction marks': '\u2066Ada\u2069\u200b\u200e\u200f\u2067evil\u2068\ufeff',
  '10,000 characters': 'A'.repeat(10_000),
  '10,000 line breaks': '\r\n'.repeat(5_000),
  'an emoji cut at the limit': `${'a'.repeat(49)}😀${'b'.repeat(10)}`,
  'only controls': '\r\n\t\u0000',
};

const PLAIN = 'Ada';

/** The template data the dispatcher would send; undefined when it would send nothing (no presentable product). */
function dataFor(template: string, name: string): Record<string, unknown> | undefined {
  const text = name === PLAIN ? undefined : name;
  // Building must never throw: the dispatcher would fail its whole tick, every time the run falls due.
  const result = templateDataIn(template, everyTemplateContext({ firstName: name, ...(text ? { text } : {}) }));
  if ('skip' in result) {
    if (name === PLAIN) throw new Error(`${template} skipped: ${result.skip}`);
    return undefined;
  }
  return result.data;
}

/** Every string value in some data, however deep. */
function strings(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.flatMap(strings);
  if (value && typeof value === 'object') return Object.values(value).flatMap(strings);
  return [];
}

const tags = (html: string) => html.match(/<\/?[a-zA-Z!][^>]*>/g) ?? [];
/** The tags with each link's address blanked: the addresses are checked on their own. */
const shape = (html: string) => tags(html).map((tag) => tag.replace(/\shref="[^"]*"/g, ' href=""'));
const links = (html: string) => [...html.matchAll(/\shref="([^"]*)"/g)].map((match) => match[1] ?? '');
/** A link as a template may emit it: http(s), and nothing that could end the attribute or the tag. */
const SAFE_LINK = /^https?:\/\/[^\s"'`<>]+$/;
const headerBlock = (mime: string) => mime.slice(0, /\r?\n\r?\n/.exec(mime)?.index ?? mime.length);

describe(`plainText and addresses, ${RUNS} runs a property (seed ${TEMPLATE_SEED})`, () => {
  const hostile = fc.oneof(
    fc.string({ unit: 'binary', maxLength: 200 }),
    fc.string({
      unit: fc.constantFrom(
        '\r',
        '\n',
        '\u0000',
        '\u0085',
        '\u2028',
        '<',
        '>',
        '"',
        '`',
        '{',
        '}',
        '😀',
        '\ud800',
        'a',
        ' ',
      ),
      maxLength: 200,
    }),
  );

  it('plainText leaves no control character, no markup character, no broken surrogate, and keeps to its length', () => {
    fc.assert(
      fc.property(hostile, fc.integer({ min: 1, max: 120 }), (value, max) => {
        const safe = plainText(value, max);
        return (
          !CONTROL.test(safe) &&
          !/[<>"`]/.test(safe) &&
          !LONE_SURROGATE.test(safe) &&
          safe.length <= max &&
          safe === safe.trim() &&
          plainText(safe, max) === safe
        );
      }),
      { seed: TEMPLATE_SEED, numRuns: RUNS },
    );
  });

  it('an address that passes EmailAddressSchema has nothing that could break a header or add a recipient', () => {
    const address = fc.oneof(
      fc.emailAddress(),
      hostile.map((value) => `ada${value}@example.com`),
      fc.tuple(fc.emailAddress(), hostile).map(([email, value]) => `${email}${value}`),
    );
    fc.assert(
      fc.property(address, (value) => {
        const parsed = EmailAddressSchema.safeParse(value);
        // biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
        return !parsed.success || !/[\s,;:<>"\\()[\]\u0000-\u001f\u007f-\u009f\u2028\u2029]/.test(parsed.data);
      }),
      { seed: TEMPLATE_SEED, numRuns: RUNS },
    );
  });
});

describe('hostile names rendered by SES into every default template', () => {
  // The emails to customers, whose names are what is hostile here; the team's weekly email has no customer data.
  const templates = readTemplateFiles(resolve('templates')).filter(
    (template) => !Object.hasOwn(TEAM_TEMPLATE_CONTRACTS, template.name),
  );
  const prefix = `security-${randomUUID().slice(0, 8)}-`;
  let ses: SESv2Client;

  beforeAll(async () => {
    ses = engines().ses;
    for (const template of templates) {
      await ses.send(
        new CreateEmailTemplateCommand({
          TemplateName: `${prefix}${template.name}`,
          TemplateContent: { Subject: template.subject, Html: template.html, Text: template.text },
        }),
      );
    }
  });

  afterAll(async () => {
    for (const template of templates) {
      await ses.send(new DeleteEmailTemplateCommand({ TemplateName: `${prefix}${template.name}` })).catch(() => {});
    }
  });

  const render = (template: string, data: Record<string, unknown>) =>
    renderStoredTemplate(ses, `${prefix}${template}`, data);

  const plainRenderings = new Map<string, Promise<RenderedTemplate>>();
  const plainRendering = (template: string) => {
    let rendering = plainRenderings.get(template);
    if (!rendering) {
      rendering = render(template, dataFor(template, PLAIN) ?? {});
      plainRenderings.set(template, rendering);
    }
    return rendering;
  };

  it('the contracts cover every template', () => {
    expect(templates.map((t) => t.name).sort()).toEqual(Object.keys(TEMPLATE_CONTRACTS).sort());
  });

  it.each(Object.entries(HOSTILE_NAMES))(
    '%s',
    async (_, name) => {
      for (const template of templates.map((t) => t.name)) {
        const data = dataFor(template, name);
        if (data === undefined) {
          // Nothing presentable is left of the product name: only product emails may skip.
          expect([
            'cross-sell',
            'replenishment-reminder',
            'browse-abandonment',
            'back-in-stock',
            'price-drop',
          ]).toContain(template);
          continue;
        }
        for (const value of strings(data)) {
          expect(CONTROL.test(value), `${template}: a control character in the data`).toBe(false);
          expect(INVISIBLE.test(value), `${template}: an invisible formatting character in the data`).toBe(false);
          expect(LONE_SURROGATE.test(value), `${template}: half a surrogate pair in the data`).toBe(false);
        }
        const plain: RenderedTemplate = await plainRendering(template);
        const hostile: RenderedTemplate = await render(template, data);
        const where = `${template} with ${JSON.stringify(name.slice(0, 40))}`;

        // The subject: one line, no control character, no markup, not grown beyond the 50 + 120 characters of data.
        expect(CONTROL.test(hostile.subject), `${where}: subject`).toBe(false);
        expect(INVISIBLE.test(hostile.subject), `${where}: subject reordered`).toBe(false);
        expect(/[<>]/.test(hostile.subject), `${where}: subject markup`).toBe(false);
        expect(hostile.subject.length, `${where}: subject length`).toBeLessThanOrEqual(plain.subject.length + 170);
        // One Subject header and no other header made from data.
        const head = headerBlock(hostile.mime);
        expect(head.match(/^subject:/gim), `${where}: Subject headers`).toHaveLength(1);
        expect(head, `${where}: headers`).not.toMatch(/^(bcc|cc|to|from|reply-to|content-type: text\/html):/gim);
        // The text part: the same lines, and no markup character that the plain rendering lacks.
        expect(hostile.text.split('\n').length, `${where}: text lines`).toBe(plain.text.split('\n').length);
        expect((hostile.text.match(/[<>]/g) ?? []).length, `${where}: text markup`).toBe(
          (plain.text.match(/[<>]/g) ?? []).length,
        );
        // The HTML part: exactly the template's tags and attributes; a link made from data a plain http(s) address.
        expect(shape(hostile.html), `${where}: HTML tags`).toEqual(shape(plain.html));
        const plainLinks = links(plain.html);
        for (const [index, link] of links(hostile.html).entries()) {
          if (link !== plainLinks[index]) expect(link, `${where}: link`).toMatch(SAFE_LINK);
        }
        // Braces stay text: a name is never evaluated as a template.
        if (name.startsWith('{{') && template === 'welcome-1') {
          expect(hostile.subject).toContain(plainText(name, 50));
        }
      }
    },
    60_000,
  );

  it('a real send keeps the sender, the recipient, the subject and the headers whatever the name', async () => {
    const config = testConfig();
    const mailer = new SesV2Mailer({ client: ses, from: config.sender.from });
    const to = uniqueEmail('injection');
    for (const name of Object.values(HOSTILE_NAMES)) {
      await mailer.send({
        to,
        templateName: `${prefix}welcome-1`,
        templateData: dataFor('welcome-1', name) ?? {},
        category: 'marketing',
        unsubscribeUrl: 'https://api.example.com/unsubscribe?token=cus_injection.sig',
        tags: { customer: 'cus_injection', journey: 'welcome-series', step: 'welcome-1' },
      });
    }
    const received = await emailsTo(engines().sesEndpoint, to);
    expect(received).toHaveLength(Object.keys(HOSTILE_NAMES).length);
    for (const email of received) {
      expect(email.from).toBe(config.sender.from);
      expect(email.destination.to).toEqual([to]);
      expect(CONTROL.test(email.subject)).toBe(false);
      // A name with nothing left once made safe is no name: the subject then ends with the store.
      expect(email.subject).toMatch(/^Welcome to Test Shop(, \S|$)/);
      expect(email.headers?.map((h) => h.name)).toEqual(['List-Unsubscribe', 'List-Unsubscribe-Post']);
      expect(email.headers?.every((h) => !CONTROL.test(h.value))).toBe(true);
    }
  });
});
