import { randomUUID } from 'node:crypto';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreateEmailTemplateCommand,
  DeleteEmailTemplateCommand,
  GetEmailTemplateCommand,
  UpdateEmailTemplateCommand,
} from '@aws-sdk/client-sesv2';
import { afterAll, describe, expect, it } from 'vitest';
import { hashEmail } from '../../functions/adapters/email-hash.js';
import { listTemplateNames } from '../../functions/adapters/ses-templates.js';
import { readTemplateFiles } from '../../functions/adapters/template-files.js';
import { TEMPLATE_CONTRACTS } from '../../functions/domain/journeys/catalogue.js';
import { recordCustomerEvent } from '../../functions/domain/services/record-customer-event.js';
import { CommonTemplateDataSchema } from '../../functions/domain/template-data.js';
import { contractFields } from '../../functions/domain/template-lint.js';
import { customerChanges } from '../../functions/handlers/wiring.js';
import { LOCAL_CREDENTIALS } from '../../functions/local/credentials.js';
import { freePort } from '../global-setup.js';
import { repositoryConfig } from '../helpers/config.js';
import { engines, freshStore, uniqueEmail } from '../helpers/engines.js';
import { orderPlaced, signedUp } from '../helpers/events.js';
import { lifecycleCli, runSync } from '../helpers/processes.js';

const temporary = mkdtempSync(join(tmpdir(), 'lifecycle-templates-'));
const shipped = readTemplateFiles('templates');
const config = repositoryConfig();
const prefixes: string[] = [];

afterAll(async () => {
  rmSync(temporary, { recursive: true, force: true });
  const { ses } = engines();
  for (const name of await listTemplateNames(ses)) {
    if (prefixes.some((prefix) => name.startsWith(prefix))) {
      await ses.send(new DeleteEmailTemplateCommand({ TemplateName: name }));
    }
  }
});

/** A template name prefix no other test uses, so that tests sharing the local SES never meet. */
function freshPrefix(): string {
  const prefix = `tcli${randomUUID().slice(0, 6)}-`;
  prefixes.push(prefix);
  return prefix;
}

/**
 * Runs `lifecycle <args>` as a user would, against the local SES of the test run, with the environment of a
 * shell (PATH, HOME) and the variables named: never the test runner's own.
 */
function lifecycle(args: string[], env: Record<string, string> = {}, options: { cwd?: string } = {}) {
  // From another working directory, tsx and the command are found by their paths.
  const [node, cli] = options.cwd
    ? [process.execPath, ['--import', import.meta.resolve('tsx'), join(process.cwd(), 'bin/lifecycle.ts'), ...args]]
    : lifecycleCli(args);
  return runSync(node, cli, { env: { SES_PORT: new URL(engines().sesEndpoint).port, ...env }, cwd: options.cwd });
}

/** A copy of templates/ to break or to pull into. */
function copyOfTemplates(): string {
  const directory = join(temporary, randomUUID().slice(0, 8));
  cpSync('templates', directory, { recursive: true });
  return directory;
}

function edit(path: string, from: string, to: string): void {
  const text = readFileSync(path, 'utf8');
  expect(text, `${path} contains ${from}`).toContain(from);
  writeFileSync(path, text.replace(from, to));
}

async function stored(name: string) {
  const { TemplateContent } = await engines().ses.send(new GetEmailTemplateCommand({ TemplateName: name }));
  return TemplateContent ?? {};
}

async function editInSes(name: string, change: { Subject?: string; Html?: string; Text?: string }): Promise<void> {
  const current = await stored(name);
  await engines().ses.send(
    new UpdateEmailTemplateCommand({ TemplateName: name, TemplateContent: { ...current, ...change } }),
  );
}

describe('lifecycle templates lint', () => {
  it('passes on the shipped templates, samples included', () => {
    const result = lifecycle(['templates', 'lint']);
    expect(result.stderr).toBe('');
    expect(result.stdout).toBe(`${shipped.length} templates in templates/: no problems\n`);
    expect(result.status).toBe(0);
  });

  it('names each problem of a broken copy on its own line, and exits 1', () => {
    const directory = copyOfTemplates();
    edit(join(directory, 'welcome-2/body.html'), '<a href="{{unsubscribeUrl}}">Unsubscribe</a>', 'Unsubscribe');
    edit(join(directory, 'welcome-1/body.txt'), 'Welcome, {{firstName}}!', 'Welcome, {{nickname}}!');
    edit(join(directory, 'cross-sell/body.html'), '{{/each}}', '{{/if}}');
    edit(join(directory, 'cross-sell/body.txt'), '  {{url}}', '  {{storeName}}: {{url}}');
    edit(join(directory, 'vip-welcome/body.txt'), '{{postalAddress}}', '');
    edit(join(directory, 'win-back-2/body.txt'), '{{#if discountCode}}', '{{#if discountText}}');
    writeFileSync(join(directory, 'welcome-3/sample.json'), '{"firstName": "Zoë"}\n');
    rmSync(join(directory, 'review-request/body.txt'));
    cpSync(join(directory, 'welcome-1'), join(directory, 'spring-sale'), { recursive: true });

    const result = lifecycle(['templates', 'lint', '--dir', directory]);
    const lines = result.stdout.trim().split('\n');
    const lineOf = (file: string, text: string) =>
      readFileSync(join(directory, file), 'utf8')
        .split('\n')
        .findIndex((line) => line.includes(text)) + 1;
    const eachLine = lineOf('cross-sell/body.html', '{{#each recommendations}}');
    const itemLine = lineOf('cross-sell/body.txt', '{{storeName}}: {{url}}');
    const expected = [
      `${directory}/cross-sell/body.html: Handlebars cannot parse it: line ${eachLine}: {{#each}} is closed by {{/if}}`,
      `${directory}/cross-sell/body.txt: line ${itemLine}: {{storeName}}: "storeName" is not in each item of "recommendations" (it has: title, url, imageUrl, price, compareAtPrice, name); for the outer value write {{../storeName}}`,
      `${directory}/review-request/body.txt: missing: a template has subject.txt, body.html and body.txt`,
      `${directory}/spring-sale: warning: no journey sends it (no journey module in functions/domain/journeys/ names it)`,
      `${directory}/vip-welcome/body.txt: no postal address: a marketing email needs {{postalAddress}} in its footer`,
      `${directory}/welcome-1/body.txt: line 1: {{nickname}}: "nickname" is not in the data of this template (it has: firstName, storeName, storeUrl, unsubscribeUrl, postalAddress, experimentSubject)`,
      `${directory}/welcome-2/body.html: no unsubscribe link: a marketing email needs <a href="{{unsubscribeUrl}}">`,
      `${directory}/welcome-3/sample.json: storeName: missing (the data contract)`,
    ];
    for (const line of expected) expect(lines, lines.join('\n')).toContain(line);
    expect(
      lines.some((line) => /^.*\/win-back-2\/body\.txt: line \d+: \{\{discountCode\}\}: .*optional/.test(line)),
    ).toBe(true);
    expect(lines.at(-1)).toBe(`${shipped.length + 1} templates in ${directory}/: 11 errors, 1 warning`);
    expect(lines.filter((line) => line.includes('welcome-2/'))).toHaveLength(1);
    expect(result.status).toBe(1);
  });
});

describe('lifecycle templates push', () => {
  it('creates the templates SES lacks, and leaves the rest alone', async () => {
    const prefix = freshPrefix();
    const first = lifecycle(['templates', 'push', '--prefix', prefix, '--only', 'welcome-1,welcome-2']);
    expect(first.status).toBe(0);
    expect(first.stdout).toContain(`${prefix}welcome-1: created`);
    expect(first.stdout).toContain('2 created, 0 updated, 0 unchanged.');

    const all = lifecycle(['templates', 'push', '--prefix', prefix]);
    expect(all.status).toBe(0);
    expect(all.stdout).toContain(`${shipped.length - 2} created, 0 updated, 2 unchanged.`);
    expect(all.stdout).not.toContain(`${prefix}welcome-1: created`);
    for (const template of shipped) {
      expect(await stored(`${prefix}${template.name}`)).toEqual({
        Subject: template.subject,
        Html: template.html,
        Text: template.text,
      });
    }
  });

  it('without --force leaves a template edited in SES alone and says so; --force shows the diff and overwrites', async () => {
    const prefix = freshPrefix();
    expect(lifecycle(['templates', 'push', '--prefix', prefix]).status).toBe(0);
    const welcome = shipped.find((template) => template.name === 'welcome-1');
    await editInSes(`${prefix}welcome-1`, {
      Subject: 'Edited by marketing, {{firstName}}',
      Html: welcome?.html.replace('We are glad you are here.', 'So glad you are here!'),
    });

    const careful = lifecycle(['templates', 'push', '--prefix', prefix]);
    expect(careful.status).toBe(0);
    expect(careful.stdout).toContain(`${prefix}welcome-1: differs from templates/, left alone (use --force)`);
    expect(careful.stdout).toContain(`0 created, 0 updated, ${shipped.length - 1} unchanged, 1 left alone.`);
    expect((await stored(`${prefix}welcome-1`)).Subject).toBe('Edited by marketing, {{firstName}}');

    const forced = lifecycle(['templates', 'push', '--prefix', prefix, '--force']);
    expect(forced.status).toBe(0);
    expect(forced.stdout).toContain(
      [
        `--- ses:${prefix}welcome-1/subject.txt`,
        '+++ templates/welcome-1/subject.txt',
        '@@ -1 +1 @@',
        '-Edited by marketing, {{firstName}}',
        `+${welcome?.subject}`,
        `--- ses:${prefix}welcome-1/body.html`,
        '+++ templates/welcome-1/body.html',
      ].join('\n'),
    );
    expect(forced.stdout).toContain('-    <p>Thank you for joining {{storeName}}. So glad you are here!</p>');
    expect(forced.stdout).toContain('+    <p>Thank you for joining {{storeName}}. We are glad you are here.</p>');
    expect(forced.stdout).not.toContain('body.txt');
    expect(forced.stdout).toContain(`${prefix}welcome-1: updated`);
    expect(await stored(`${prefix}welcome-1`)).toEqual({
      Subject: welcome?.subject,
      Html: welcome?.html,
      Text: welcome?.text,
    });
  });

  it('refuses to push templates with lint errors', async () => {
    const prefix = freshPrefix();
    const directory = copyOfTemplates();
    edit(join(directory, 'welcome-1/body.txt'), 'Unsubscribe: {{unsubscribeUrl}}', '');
    const refused = lifecycle(['templates', 'push', '--prefix', prefix, '--dir', directory]);
    expect(refused.status).toBe(1);
    expect(refused.stdout).toContain(`${directory}/welcome-1/body.txt: no unsubscribe link`);
    expect(refused.stderr).toContain('1 template with lint errors: nothing pushed');
    expect([...(await listTemplateNames(engines().ses))].filter((name) => name.startsWith(prefix))).toEqual([]);

    const others = lifecycle(['templates', 'push', '--prefix', prefix, '--dir', directory, '--only', 'welcome-2']);
    expect(others.status).toBe(0);
    expect(others.stdout).toContain(`${prefix}welcome-2: created`);
  });
});

describe('lifecycle templates pull and diff', () => {
  it('pull writes SES edits into the files, and SES-only templates as new directories', async () => {
    const prefix = freshPrefix();
    const directory = copyOfTemplates();
    expect(lifecycle(['templates', 'push', '--prefix', prefix]).status).toBe(0);
    const editedText = 'Hi {{firstName}},\n\nNew copy from marketing.\n\n{{unsubscribeUrl}}\n{{postalAddress}}\n';
    await editInSes(`${prefix}welcome-2`, { Subject: 'A new subject for {{firstName}}', Text: editedText });
    await engines().ses.send(
      new CreateEmailTemplateCommand({
        TemplateName: `${prefix}spring-sale`,
        TemplateContent: { Subject: 'Spring sale', Html: '<p>Sale</p>', Text: 'Sale' },
      }),
    );

    const pulled = lifecycle(['templates', 'pull', '--prefix', prefix, '--dir', directory]);
    expect(pulled.status).toBe(0);
    expect(pulled.stdout.trim().split('\n')).toEqual([
      `${directory}/spring-sale/: new, from ${prefix}spring-sale`,
      `${directory}/welcome-2/subject.txt: updated from SES`,
      `${directory}/welcome-2/body.txt: updated from SES`,
      `Pulled ${shipped.length + 1} templates from the local SES at ${engines().sesEndpoint}: 2 files changed, 1 new. Review with git diff, then lint, preview and push.`,
    ]);
    expect(readFileSync(join(directory, 'welcome-2/subject.txt'), 'utf8')).toBe('A new subject for {{firstName}}\n');
    expect(readFileSync(join(directory, 'welcome-2/body.txt'), 'utf8')).toBe(editedText);
    expect(readdirSync(join(directory, 'spring-sale')).sort()).toEqual(['body.html', 'body.txt', 'subject.txt']);
    expect(readFileSync(join(directory, 'spring-sale/body.html'), 'utf8')).toBe('<p>Sale</p>');

    const again = lifecycle(['templates', 'pull', '--prefix', prefix, '--dir', directory]);
    expect(again.stdout).toContain('0 files changed.');
    const diff = lifecycle(['templates', 'diff', '--prefix', prefix, '--dir', directory, '--exit-code']);
    expect(diff.stdout).toContain(`agree (${shipped.length + 1} templates)`);
    expect(diff.status).toBe(0);
  });

  it('diff shows what differs; --exit-code makes that a failure for CI', async () => {
    const prefix = freshPrefix();
    expect(lifecycle(['templates', 'push', '--prefix', prefix, '--only', 'welcome-1,welcome-2']).status).toBe(0);
    const same = lifecycle(['templates', 'diff', '--prefix', prefix, '--only', 'welcome-1,welcome-2', '--exit-code']);
    expect(same.status).toBe(0);
    expect(same.stdout).toContain('agree (2 templates)');

    await editInSes(`${prefix}welcome-1`, { Subject: 'Changed in the console' });
    const changed = lifecycle(['templates', 'diff', '--prefix', prefix, '--exit-code']);
    expect(changed.status).toBe(1);
    expect(changed.stdout).toContain(`--- ses:${prefix}welcome-1/subject.txt\n+++ templates/welcome-1/subject.txt`);
    expect(changed.stdout).toContain('-Changed in the console');
    expect(changed.stdout).toContain('templates/welcome-3: not in SES (push creates it)');
    expect(changed.stdout).toContain(`${shipped.length - 1} templates differ`);
    expect(lifecycle(['templates', 'diff', '--prefix', prefix]).status).toBe(0);
  });
});

describe('lifecycle templates preview', () => {
  it('renders the files through SES with the sample data, and writes the HTML', () => {
    const out = join(temporary, 'welcome-3.html');
    const result = lifecycle(['templates', 'preview', 'welcome-3', '--prefix', freshPrefix(), '--out', out]);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    const sample = JSON.parse(readFileSync('templates/welcome-3/sample.json', 'utf8'));
    expect(result.stdout).toMatch(new RegExp(`^Subject: .*${sample.firstName}`));
    expect(result.stdout).toContain(sample.discountCode);
    expect(result.stdout).toContain(config.postalAddress);
    expect(result.stdout).not.toContain('{{');
    const html = readFileSync(out, 'utf8');
    expect(html).toMatch(/^<!doctype html>/i);
    expect(html).toContain(config.storeName);
    expect(html).not.toContain('{{');
    // The configured store's site, and an unsubscribe link signed as the local runtime signs a send's.
    expect(result.stdout).toContain(`: ${config.storeUrl}`);
    expect(html).toContain(`href="${config.storeUrl}"`);
    const unsubscribe = /Unsubscribe: (\S+)/.exec(result.stdout)?.[1];
    expect(unsubscribe).toMatch(/^http:\/\/127\.0\.0\.1:3000\/unsubscribe\?token=cus_preview\.[\w-]+$/);
    expect(html).toContain(`href="${unsubscribe}"`);
  });

  it("links only to the configured store and the local runtime, never to the samples' made-up brand", () => {
    const site = new URL(config.storeUrl).host;
    for (const name of ['cross-sell', 'nps-survey', 'welcome-3']) {
      const sampleHosts = new Set(
        [...readFileSync(`templates/${name}/sample.json`, 'utf8').matchAll(/https?:\/\/([^/"?]+)/g)].map(
          (match) => match[1],
        ),
      );
      const out = join(temporary, `${name}-links.html`);
      const result = lifecycle(['templates', 'preview', name, '--prefix', freshPrefix(), '--out', out]);
      expect(result.stderr, name).toBe('');
      const html = readFileSync(out, 'utf8');
      const hosts = new Set(
        [...`${result.stdout}${html}`.matchAll(/https?:\/\/([\w-]+(?:\.[\w-]+)*(?::\d+)?)/g)].map(
          (match) => match[1] as string,
        ),
      );
      hosts.delete(new URL(engines().sesEndpoint).host);
      expect([...hosts].sort(), name).toEqual([site, '127.0.0.1:3000'].filter((host) => hosts.has(host)).sort());
      if (name !== 'nps-survey') expect(hosts.has(site), name).toBe(true);
      for (const host of sampleHosts) expect(`${result.stdout}${html}`, name).not.toContain(`://${host}`);
    }
  });

  it('writes the HTML under .lifecycle/out, which git ignores, and says where', () => {
    const directory = mkdtempSync(join(temporary, 'preview-'));
    const result = lifecycle(
      ['templates', 'preview', 'welcome-1', '--prefix', freshPrefix(), '--dir', join(process.cwd(), 'templates')],
      {},
      { cwd: directory },
    );
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/HTML written to \.lifecycle\/out\/preview-welcome-1\.html\n$/);
    expect(readFileSync(join(directory, '.lifecycle/out/preview-welcome-1.html'), 'utf8')).toMatch(/^<!doctype html>/i);
    expect(readdirSync(directory)).toEqual(['.lifecycle']);
  });

  it('reports a variable the data does not provide, as SES does', () => {
    const directory = copyOfTemplates();
    edit(join(directory, 'welcome-1/body.txt'), 'Welcome, {{firstName}}!', '\nWelcome, {{nickname}}!');
    const result = lifecycle(['templates', 'preview', 'welcome-1', '--prefix', freshPrefix(), '--dir', directory]);
    expect(result.status).toBe(1);
    expect(result.stderr).toBe(
      `lifecycle: SES could not render ${directory}/welcome-1: {{nickname}} has no value in the data (line 2) (lifecycle templates lint shows what it uses)\n`,
    );
  });

  it('renders SES’s copy with --stored, and a customer’s own data with --customer', async () => {
    const prefix = freshPrefix();
    expect(lifecycle(['templates', 'push', '--prefix', prefix, '--only', 'thank-you-first']).status).toBe(0);
    await editInSes(`${prefix}thank-you-first`, { Subject: 'Order {{orderNumber}} is on its way, {{firstName}}' });

    const { store, tableName } = await freshStore();
    const email = uniqueEmail('preview');
    const dependencies = {
      ...customerChanges({
        store,
        clock: { now: () => new Date() },
        config,
        publisher: { publish: async () => {} },
        loadModel: async () => undefined,
      }),
      hashEmail,
    };
    await recordCustomerEvent(dependencies, signedUp(email, new Date().toISOString(), { firstName: 'Grace' }));
    await recordCustomerEvent(dependencies, {
      ...orderPlaced('A-7', 4200, { email, placedAt: new Date().toISOString() }),
    });

    const out = join(temporary, 'thank-you.html');
    const result = lifecycle(
      [
        'templates',
        'preview',
        'thank-you-first',
        '--stored',
        '--customer',
        email,
        '--table',
        tableName,
        '--out',
        out,
        '--prefix',
        prefix,
      ],
      // --table means a deployed stack: the SDK's own endpoint settings point it at the local engines instead.
      {
        AWS_ENDPOINT_URL_DYNAMODB: engines().dynamoDbEndpoint,
        AWS_ENDPOINT_URL_SESV2: engines().sesEndpoint,
        AWS_REGION: 'local',
        AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
        AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
      },
    );
    expect(result.stderr).toBe('');
    expect(result.stdout).toMatch(/^Subject: Order .* is on its way, Grace\n/);
    expect(result.stdout).toContain('Product p1');
    expect(result.stdout).toContain(`Rendered ${prefix}thank-you-first with the data of ${email} by Amazon SES.`);
    expect(result.status).toBe(0);
    expect(readFileSync(out, 'utf8')).toContain('Grace');
  });
});

describe('lifecycle templates, when something is wrong', () => {
  it('says to start the local SES when it is not running', async () => {
    const result = lifecycle(['templates', 'diff'], { SES_PORT: String(await freePort()) });
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(
      /^lifecycle: the local SES is not running at http:\/\/127\.0\.0\.1:\d+: start it with npm start/,
    );
  });

  it('names an unknown template', () => {
    const preview = lifecycle(['templates', 'preview', 'no-such-template']);
    expect(preview.status).toBe(1);
    expect(preview.stderr).toContain('lifecycle: no template "no-such-template" in templates/');
    const push = lifecycle(['templates', 'push', '--only', 'welcome-1,no-such-template', '--prefix', freshPrefix()]);
    expect(push.status).toBe(1);
    expect(push.stderr).toContain('lifecycle: no template "no-such-template" in templates/');
  });
});

describe('docs/templates.md', () => {
  it('lists every template and every variable of its contract', () => {
    const docs = readFileSync('docs/templates.md', 'utf8');
    const common = Object.keys(CommonTemplateDataSchema.shape);
    for (const field of common) expect(docs).toContain(`| \`${field}\``);
    for (const [name, contract] of Object.entries(TEMPLATE_CONTRACTS)) {
      const row = docs.split('\n').find((line) => line.startsWith(`| \`${name}\``));
      expect(row, `a row for ${name}`).toBeDefined();
      for (const field of contractFields(contract).filter((field) => !common.includes(field.path)))
        expect(row, `${name}: ${field.path}`).toContain(`\`${field.path}\``);
    }
  });
});
