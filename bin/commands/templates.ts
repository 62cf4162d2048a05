import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { SESv2Client } from '@aws-sdk/client-sesv2';
import { sesClient } from '../../functions/adapters/aws-clients.js';
import { loadConfigFile } from '../../functions/adapters/config-file.js';
import { BUILT_IN_TEMPLATES } from '../../functions/adapters/package-files.js';
import { SesStoredTemplates, templateContentHash } from '../../functions/adapters/ses-stored-templates.js';
import {
  createTemplate,
  getTemplateContent,
  listStackTemplates,
  type RenderedTemplate,
  renderContent,
  renderStoredTemplate,
  TemplateRenderingError,
  updateTemplate,
} from '../../functions/adapters/ses-template-admin.js';
import { errorKind } from '../../functions/adapters/ses-templates.js';
import { readTemplateFiles } from '../../functions/adapters/template-files.js';
import {
  contentOf,
  readTemplateSources,
  SAMPLE_FILE,
  sameContent,
  type TemplateContent,
  writeTemplateContent,
} from '../../functions/adapters/template-workspace.js';
import { signedLinks } from '../../functions/adapters/unsubscribe-token.js';
import {
  buildTemplateData,
  sampleTemplateData,
  type TemplateContext,
  templateProducts,
} from '../../functions/domain/build-template-data.js';
import type { LifecycleConfig } from '../../functions/domain/config.js';
import { normaliseEmail } from '../../functions/domain/email-address.js';
import { enabledJourneys } from '../../functions/domain/journeys/catalogue.js';
import type { Enrollment } from '../../functions/domain/journeys/enrollment.js';
import { readCatalogue } from '../../functions/domain/services/read-catalogue.js';
import { RollbackRefusedError, rollbackTemplate } from '../../functions/domain/services/template-history.js';
import {
  type LintProblem,
  lintTemplates,
  TEMPLATE_PARTS,
  type TemplateSource,
  templateContract,
  templateUses,
} from '../../functions/domain/template-lint.js';
import * as z from '../../functions/domain/zod.js';
import { LOCAL_CREDENTIALS } from '../../functions/local/credentials.js';
import { CliError, portFromEnv } from './cli-error.js';
import { OUTPUT_DIRECTORY, writeOutput } from './output.js';
import { bar, progressLine } from './progress.js';
import { callerArn, isLocal, STORE_OPTIONS, storeFromOptions, withStore } from './stack-store.js';
import { unifiedDiff } from './unified-diff.js';

export const TEMPLATES_HELP = `Usage: lifecycle templates <lint|push|pull|diff|preview|history|rollback> [options]

The email templates live in templates/<name>/ (subject.txt, body.html, body.txt, and sample.json for
previews), kept in git, and in Amazon SES as <prefix><name>, where every send reads them. Deploys only create
the templates SES lacks: once there, they are the marketers'. These commands move edits between the two.

  lint                       check templates/: parts, Handlebars, variables against each template's data
                             contract, unsubscribe link and postal address in marketing emails, samples
  push [--force]             create the templates SES lacks; one that differs is left alone, unless
                             --force: then its diff is shown and SES's copy is overwritten. Lint runs first.
  pull                       write SES's templates into templates/ for review in git
  diff [--exit-code]         show what differs between templates/ and SES
  preview NAME               render a template through SES itself: prints the subject and the text part,
                             writes the HTML to a file
  history NAME               the kept versions of a template in SES: number, time, who, hash, lint verdict
  rollback NAME [--to N]     put version N (default: the newest earlier one that passes lint) back in SES,
                             kept as a new version; lifts the hold of a broken edit

Options:
  --dir DIR                  the template directory (default: templates)
  --only NAME,...            push, pull, diff: only these templates (names as in templates/)
  --force                    push: overwrite the templates that differ, after showing the diff
  --exit-code                diff: exit with status 1 when something differs (for CI)
  --customer EMAIL           preview: that customer's data, built as the dispatcher builds it
                             (default: templates/NAME/sample.json, with the store's name, site and
                             address from lifecycle.config.ts, and links made as for a send)
  --out FILE                 preview: where the HTML goes (default: ${OUTPUT_DIRECTORY}/preview-NAME.html)
  --stored                   preview: render SES's copy of the template (default: the files in templates/NAME)
  --to N                     rollback: the version to go back to (as history numbers them)
  --prefix PREFIX            SES template names' prefix (default: templatePrefix in lifecycle.config.ts)
  --real                     Amazon SES, with your AWS credentials
  --region REGION            Amazon SES in this region (implies --real)
  --stack NAME, --table NAME preview --customer, history, rollback: a deployed stack's table (implies --real)
  -h, --help                 show this help

Without --real, --region, --stack or --table: the local runtime's SES (npm start) on SES_PORT (8005) and its
DynamoDB on DYNAMODB_PORT (8000).`;

const OPTIONS = {
  ...STORE_OPTIONS,
  dir: { type: 'string' },
  only: { type: 'string' },
  force: { type: 'boolean' },
  'exit-code': { type: 'boolean' },
  customer: { type: 'string' },
  out: { type: 'string' },
  stored: { type: 'boolean' },
  to: { type: 'string' },
  prefix: { type: 'string' },
  real: { type: 'boolean' },
  help: { type: 'boolean', short: 'h', default: false },
} as const;

type Option = Exclude<keyof typeof OPTIONS, 'help'>;
type Values = { [K in Option]?: (typeof OPTIONS)[K]['type'] extends 'string' ? string : boolean };

const SES = ['prefix', 'real', 'region'] as const satisfies readonly Option[];
const SUBCOMMANDS: Record<
  string,
  { options: readonly Option[]; run: (values: Values, name?: string) => Promise<void> }
> = {
  lint: { options: ['dir'], run: lint },
  push: { options: ['dir', 'only', 'force', ...SES], run: push },
  pull: { options: ['dir', 'only', ...SES], run: pull },
  diff: { options: ['dir', 'only', 'exit-code', ...SES], run: diff },
  preview: {
    options: ['dir', 'customer', 'out', 'stored', 'stack', 'table', ...SES],
    run: preview,
  },
  history: { options: ['stack', 'table', 'region'], run: history },
  rollback: { options: ['to', 'stack', 'table', ...SES], run: rollback },
};

/** The subcommands that name one template. */
const NAMED = new Set(['preview', 'history', 'rollback']);

export async function templatesCommand(argv: string[]): Promise<void> {
  const { values, positionals } = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true });
  if (values.help) {
    console.log(TEMPLATES_HELP);
    return;
  }
  const [action, name, ...extra] = positionals;
  const subcommand = action !== undefined && Object.hasOwn(SUBCOMMANDS, action) ? SUBCOMMANDS[action] : undefined;
  if (!subcommand) {
    throw new CliError(
      `${action === undefined ? 'give a subcommand' : `unknown subcommand "${action}"`}: lint, push, pull, diff, preview, history or rollback (see --help)`,
    );
  }
  const given = Object.keys(values).filter((key) => key !== 'help') as Option[];
  const unexpected = given.find((option) => !subcommand.options.includes(option));
  if (unexpected) throw new CliError(`templates ${action} does not take --${unexpected} (see --help)`);
  if (NAMED.has(action as string) ? name === undefined : name !== undefined) {
    throw new CliError(
      NAMED.has(action as string) ? `usage: lifecycle templates ${action} NAME` : `unexpected argument "${name}"`,
    );
  }
  if (extra.length > 0) throw new CliError(`unexpected argument "${extra[0]}"`);
  await subcommand.run(values as Values, name);
}

// --- lint --------------------------------------------------------------------------------------------------------

async function lint(values: Values): Promise<void> {
  const workspace = workspaceOf(values);
  const { sources, problems } = lintWorkspace(workspace, await loadConfigFile());
  for (const problem of problems) console.log(formatProblem(workspace.label, problem));
  const errors = problems.filter((problem) => problem.severity === 'error').length;
  const warnings = problems.length - errors;
  const counts = [plural(errors, 'error'), plural(warnings, 'warning')].join(', ');
  console.log(
    `${plural(sources.length, 'template')} in ${workspace.label}/: ${problems.length ? counts : 'no problems'}`,
  );
  if (errors > 0) process.exitCode = 1;
}

function lintWorkspace(workspace: Workspace, config: LifecycleConfig) {
  const sources = readTemplateSources(workspace.path);
  // In an application's own directory, the built-in templates it does not rewrite are still there.
  const builtIn =
    resolve(workspace.path) === resolve(BUILT_IN_TEMPLATES)
      ? new Set<string>()
      : new Set(readTemplateFiles(BUILT_IN_TEMPLATES).map((template) => template.name));
  return { sources, problems: lintTemplates(sources, templateUses(config), builtIn) };
}

function formatProblem(label: string, problem: LintProblem): string {
  const where = `${label}/${problem.template}${problem.file ? `/${problem.file}` : ''}`;
  return `${where}: ${problem.severity === 'warning' ? 'warning: ' : ''}${problem.message}`;
}

// --- push --------------------------------------------------------------------------------------------------------

async function push(values: Values): Promise<void> {
  const config = await loadConfigFile();
  const workspace = workspaceOf(values);
  const { sources, problems } = lintWorkspace(workspace, config);
  const selected = select(
    sources.map((source) => source.name),
    values.only,
    (name) => `no template "${name}" in ${workspace.label}/`,
  );
  const relevant = problems.filter((problem) => selected.includes(problem.template));
  const errors = relevant.filter((problem) => problem.severity === 'error');
  for (const problem of relevant) console.log(formatProblem(workspace.label, problem));
  if (errors.length > 0) {
    const templates = new Set(errors.map((problem) => problem.template)).size;
    throw new CliError(
      `${plural(templates, 'template')} with lint errors: nothing pushed (fix them, run lifecycle templates lint, push again)`,
    );
  }
  const target = sesTarget(values, config);
  const bySource = new Map(sources.map((source) => [source.name, source]));
  const counts = { created: 0, updated: 0, unchanged: 0, leftAlone: 0 };
  await target.call(async () => {
    const stored = await listStackTemplates(target.client, target.prefix);
    const progress = progressLine('push');
    for (const [index, name] of selected.entries()) {
      progress.update(`${bar(index / selected.length)} ${name}`);
      const sesName = `${target.prefix}${name}`;
      const content = contentOf(bySource.get(name) as TemplateSource);
      const current = stored.has(name) ? await getTemplateContent(target.client, sesName) : undefined;
      if (current === undefined) {
        await createTemplate(target.client, sesName, content);
        console.log(`${sesName}: created`);
        counts.created++;
      } else if (sameContent(current, content)) {
        counts.unchanged++;
      } else if (!values.force) {
        console.log(`${sesName}: differs from ${workspace.label}/, left alone (use --force)`);
        counts.leftAlone++;
      } else {
        console.log(templateDiff(workspace.label, name, sesName, current, content));
        await updateTemplate(target.client, sesName, content);
        console.log(`${sesName}: updated`);
        counts.updated++;
      }
    }
    progress.done(`${bar(1)} ${plural(selected.length, 'template')}`);
  });
  const summary = [
    `${counts.created} created`,
    `${counts.updated} updated`,
    `${counts.unchanged} unchanged`,
    ...(counts.leftAlone > 0 ? [`${counts.leftAlone} left alone`] : []),
  ].join(', ');
  console.log(`Pushed to ${target.where}: ${summary}.`);
}

// --- pull --------------------------------------------------------------------------------------------------------

async function pull(values: Values): Promise<void> {
  const config = await loadConfigFile();
  const workspace = workspaceOf(values);
  const target = sesTarget(values, config);
  const local = existsSync(workspace.path) ? readTemplateSources(workspace.path).map((source) => source.name) : [];
  let changedFiles = 0;
  let newTemplates = 0;
  let pulled = 0;
  await target.call(async () => {
    const stored = await listStackTemplates(target.client, target.prefix);
    const selected = select(
      [...stored.keys()],
      values.only,
      (name) => `SES has no template ${target.prefix}${name} (at ${target.where})`,
    );
    const progress = progressLine('pull');
    for (const [index, name] of selected.entries()) {
      progress.update(`${bar(index / selected.length)} ${name}`);
      const content = await getTemplateContent(target.client, stored.get(name) as string);
      if (!content) continue; // deleted meanwhile
      pulled++;
      const { created, written } = writeTemplateContent(workspace.path, name, content);
      if (created) {
        newTemplates++;
        console.log(`${workspace.label}/${name}/: new, from ${stored.get(name)}`);
      } else {
        for (const file of written) console.log(`${workspace.label}/${name}/${file}: updated from SES`);
      }
      changedFiles += created ? 0 : written.length;
    }
    progress.done(`${bar(1)} ${plural(selected.length, 'template')}`);
    if (values.only === undefined) {
      for (const name of local.filter((name) => !stored.has(name)))
        console.log(`${workspace.label}/${name}: not in SES (push creates it)`);
    }
  });
  const changes = [`${plural(changedFiles, 'file')} changed`, ...(newTemplates ? [`${newTemplates} new`] : [])];
  console.log(
    `Pulled ${plural(pulled, 'template')} from ${target.where}: ${changes.join(', ')}.` +
      (changedFiles + newTemplates > 0 ? ' Review with git diff, then lint, preview and push.' : ''),
  );
}

// --- diff --------------------------------------------------------------------------------------------------------

async function diff(values: Values): Promise<void> {
  const config = await loadConfigFile();
  const workspace = workspaceOf(values);
  const sources = new Map(readTemplateSources(workspace.path).map((source) => [source.name, source]));
  const target = sesTarget(values, config);
  let differing = 0;
  let same = 0;
  await target.call(async () => {
    const stored = await listStackTemplates(target.client, target.prefix);
    const names = [...new Set([...sources.keys(), ...stored.keys()])].sort();
    const selected = select(names, values.only, (name) => `no template "${name}" in ${workspace.label}/ or in SES`);
    for (const name of selected) {
      const sesName = stored.get(name) ?? `${target.prefix}${name}`;
      const source = sources.get(name);
      const current = stored.has(name) ? await getTemplateContent(target.client, sesName) : undefined;
      if (!source) {
        console.log(`${sesName}: only in SES (pull writes it to ${workspace.label}/${name}/)`);
        differing++;
      } else if (!current) {
        console.log(`${workspace.label}/${name}: not in SES (push creates it)`);
        differing++;
      } else if (sameContent(current, contentOf(source))) {
        same++;
      } else {
        console.log(templateDiff(workspace.label, name, sesName, current, contentOf(source)));
        differing++;
      }
    }
  });
  console.log(
    differing === 0
      ? `${workspace.label}/ and ${target.where} agree (${plural(same, 'template')}).`
      : `${plural(differing, 'template')} ${differing === 1 ? 'differs' : 'differ'} between ${workspace.label}/ and ${target.where}; ${same} the same.`,
  );
  if (differing > 0 && values['exit-code']) process.exitCode = 1;
}

/** The changes pushing the files would make to SES's copy, part by part. */
function templateDiff(
  label: string,
  name: string,
  sesName: string,
  stored: TemplateContent,
  local: TemplateContent,
): string {
  return TEMPLATE_PARTS.map(({ file, part }) => {
    const [before, after] =
      part === 'subject' ? [`${stored.subject.trim()}\n`, `${local.subject.trim()}\n`] : [stored[part], local[part]];
    return unifiedDiff(before, after, `ses:${sesName}/${file}`, `${label}/${name}/${file}`);
  })
    .filter((text) => text !== '')
    .join('\n');
}

// --- preview -----------------------------------------------------------------------------------------------------

async function preview(values: Values, name = ''): Promise<void> {
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(name)) {
    throw new CliError('a template name has letters, digits, "-" and "_" only, as in templates/');
  }
  const config = await loadConfigFile();
  const workspace = workspaceOf(values);
  const source = existsSync(workspace.path)
    ? readTemplateSources(workspace.path).find((candidate) => candidate.name === name)
    : undefined;
  if (!source && !values.stored) {
    throw new CliError(`no template "${name}" in ${workspace.label}/ (lifecycle templates pull fetches SES's)`);
  }
  const target = sesTarget(values, config);
  const sesName = `${target.prefix}${name}`;
  const { data, from } =
    values.customer !== undefined
      ? { data: await customerData(name, values.customer, values, config), from: `the data of ${values.customer}` }
      : sampleData(workspace, name, config, await previewLinks(!target.real));

  const what = values.stored ? sesName : `${workspace.label}/${name}`;
  const rendered: RenderedTemplate = await target.call(async () => {
    try {
      if (!values.stored) return await renderContent(target.client, sesName, contentOf(source as TemplateSource), data);
      if (!(await getTemplateContent(target.client, sesName))) {
        throw new CliError(`SES has no template ${sesName} (at ${target.where}): push it, or leave out --stored`);
      }
      return await renderStoredTemplate(target.client, sesName, data);
    } catch (error) {
      if (!(error instanceof TemplateRenderingError)) throw error;
      throw new CliError(`SES could not render ${what}: ${error.detail} (lifecycle templates lint shows what it uses)`);
    }
  });
  const out = writeOutput(values.out, `preview-${name}.html`, rendered.html);
  console.log(`Subject: ${rendered.subject}\n\n${rendered.text.replace(/\s+$/, '')}\n`);
  console.log(`Rendered ${what} with ${from} by ${target.where}. HTML written to ${out}`);
}

/**
 * The sample of a template as a preview shows it: the store's own name, address, site and support address,
 * links made as for a send (sampleTemplateData), checked against the contract.
 */
export function sampleData(
  workspace: Workspace,
  name: string,
  config: LifecycleConfig,
  links: (customerId: string) => TemplateContext['links'],
) {
  const path = join(workspace.path, name, SAMPLE_FILE);
  const label = `${workspace.label}/${name}/${SAMPLE_FILE}`;
  if (!existsSync(path)) throw new CliError(`${label} not found: write one, or preview with --customer EMAIL`);
  let sample: unknown;
  try {
    sample = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new CliError(`${label} is not JSON: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (typeof sample !== 'object' || sample === null || Array.isArray(sample)) {
    throw new CliError(`${label} must hold one JSON object: the template's data`);
  }
  const data = sampleTemplateData(sample as Record<string, unknown>, config, links(PREVIEW_CUSTOMER_ID));
  const contract = templateContract(name);
  const result = contract?.safeParse(data);
  if (result && !result.success)
    throw new CliError(`${label} does not satisfy the data contract: ${issues(result.error)}`);
  return {
    data: (result?.data ?? data) as Record<string, unknown>,
    from: `${label} (store name, site, address and links from lifecycle.config.ts)`,
  };
}

/**
 * A customer's data for a template, built by the dispatcher's own code from their stored profile, orders and
 * the store model, as if the email were sent now. Links carry a preview token, not the stack's signature.
 */
async function customerData(
  name: string,
  email: string,
  values: Values,
  config: LifecycleConfig,
): Promise<Record<string, unknown>> {
  const local = isLocal(values);
  const store = await storeFromOptions(values);
  return withStore(async () => {
    const customerId = await store.findCustomerId(normaliseEmail(email));
    const stored = customerId === undefined ? undefined : await store.load(customerId);
    if (!stored) throw new CliError('no customer with this email address');
    const now = new Date().toISOString();
    const journey = [...enabledJourneys(config).values()].find((candidate) =>
      candidate.steps.some((step) => step.type === 'send' && step.template === name),
    );
    const enrollment = journey ? stored.enrollments.get(journey.id)?.enrollment : undefined;
    const latestOrder = [...stored.orders.values()]
      .filter((order) => order.placedAt !== undefined && order.cancelledAt === undefined)
      .sort((a, b) => (b.placedAt ?? '').localeCompare(a.placedAt ?? ''))[0];
    const run: Enrollment = enrollment
      ? { ...enrollment, dueAt: now }
      : {
          journeyId: journey?.id ?? 'preview',
          runId: 'preview',
          status: 'active',
          enteredAt: now,
          dueAt: now,
          entries: 1,
          context: { orderKey: latestOrder?.key },
        };
    const links = await previewLinks(local);
    let built: ReturnType<typeof buildTemplateData>;
    try {
      const context: TemplateContext = {
        config,
        customer: stored.customer,
        orders: stored.orders,
        run,
        model: await store.loadModel(),
        links: links(stored.customer.id),
      };
      // The catalogue entries of the email's products, as a send reads them.
      built = buildTemplateData(name, {
        ...context,
        catalogue: await readCatalogue(store, templateProducts(name, context)),
      });
    } catch (error) {
      if (error instanceof z.core.$ZodError) {
        throw new CliError(`this customer's data does not satisfy the contract of ${name}: ${issues(error)}`);
      }
      throw error;
    }
    if ('skip' in built)
      throw new CliError(`the dispatcher would not send ${name} to this customer now (${built.skip})`);
    return built.data;
  }, local);
}

/** The customer id the links of a sample preview are made for: no customer has it. */
const PREVIEW_CUSTOMER_ID = 'cus_preview';

/**
 * The links of a preview, made by the code that makes a send's. Locally, links to the running local
 * runtime (PORT), signed with its secret; for a deployed stack, links that sign nothing.
 */
export async function previewLinks(local: boolean): Promise<(customerId: string) => TemplateContext['links']> {
  return local
    ? signedLinks(
        `http://127.0.0.1:${portFromEnv('PORT', 3000)}`,
        process.env.UNSUBSCRIBE_SECRET ||
          (await import('../../functions/local/local-stack.js')).LOCAL_UNSUBSCRIBE_SECRET,
      )
    : signedLinks('https://preview.invalid/', 'preview');
}

function issues(error: z.core.$ZodError): string {
  return error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`).join('; ');
}

// --- history and rollback --------------------------------------------------------------------------------------

/**
 * Who a rollback is kept as made by: against AWS, the ARN of the credentials it runs with; locally, or when
 * STS does not say, the CLI itself.
 */
const CLI_WHO = 'lifecycle CLI';

async function history(values: Values, name = ''): Promise<void> {
  checkTemplateName(name);
  const store = await storeFromOptions(values);
  const versions = await withStore(() => store.templateVersions(name), isLocal(values));
  if (versions.length === 0) {
    // Not an error: the check has not seen the template yet (it runs every five minutes), or SES has none.
    console.log(
      `${name}: no version kept yet; the template check keeps each template of SES at its first sight, then every edit, every five minutes`,
    );
    return;
  }
  const rows = versions.map((version) => [
    String(version.number),
    version.seenAt,
    version.who ?? '(unknown)',
    version.hash.slice(0, 12),
    version.verdict === 'passes' ? 'passes' : 'BROKEN',
    version.origin === 'rollback' ? `rollback to ${version.rollbackOf}` : '',
  ]);
  const header = ['version', 'seen', 'who', 'hash', 'lint', ''];
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => (row[column] ?? '').length)),
  );
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, column) => cell.padEnd(widths[column] ?? 0))
      .join('  ')
      .trimEnd();
  console.log(line(header));
  versions.forEach((version, index) => {
    console.log(line(rows[index] ?? []));
    for (const problem of version.problems) console.log(`${' '.repeat((widths[0] ?? 0) + 2)}- ${problem}`);
  });
  const newest = versions.at(-1);
  if (newest?.verdict === 'broken') {
    console.log(`${name}: its newest version fails lint, and its sends are held: lifecycle templates rollback ${name}`);
  }
}

async function rollback(values: Values, name = ''): Promise<void> {
  checkTemplateName(name);
  const to = values.to === undefined ? undefined : Number(values.to);
  if (to !== undefined && !(Number.isSafeInteger(to) && to >= 1)) {
    throw new CliError('--to: a version number, as lifecycle templates history shows them');
  }
  const config = await loadConfigFile();
  const store = await storeFromOptions(values);
  const target = sesTarget(values, config);
  const who = (isLocal(values) ? undefined : await callerArn(values.region)) ?? CLI_WHO;
  const result = await withStore(
    () =>
      target.call(() =>
        rollbackTemplate(
          {
            store,
            templates: new SesStoredTemplates(target.client, target.prefix),
            clock: { now: () => new Date() },
            config,
            hash: templateContentHash,
          },
          name,
          { to, who },
        ).catch((error: unknown) => {
          throw error instanceof RollbackRefusedError ? new CliError(`nothing rolled back: ${error.message}`) : error;
        }),
      ),
    isLocal(values),
  );
  console.log(
    `${target.prefix}${name}: version ${result.to.number} put back in ${target.where}, kept as version ${result.kept.number}`,
  );
}

function checkTemplateName(name: string): void {
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(name)) {
    throw new CliError('a template name has letters, digits, "-" and "_" only, as in templates/');
  }
}

// --- Where the templates are --------------------------------------------------------------------------------------

interface Workspace {
  readonly path: string;
  /** As the user wrote it, for messages: `templates`. */
  readonly label: string;
}

export function workspaceOf(values: Values): Workspace {
  const label = (values.dir ?? 'templates').replace(/[/\\]+$/, '') || '.';
  return { path: resolve(label), label };
}

/** The names `--only` picks (all when it is not given); an unknown name is an error. */
function select(names: readonly string[], only: string | undefined, unknown: (name: string) => string): string[] {
  if (only === undefined) return [...names];
  const wanted = only
    .split(',')
    .map((name) => name.trim())
    .filter((name) => name !== '');
  if (wanted.length === 0) throw new CliError('--only needs template names, such as --only welcome-1,welcome-2');
  const missing = wanted.find((name) => !names.includes(name));
  if (missing !== undefined) throw new CliError(unknown(missing));
  return names.filter((name) => wanted.includes(name));
}

interface SesTarget {
  readonly client: SESv2Client;
  readonly prefix: string;
  /** For messages: "the local SES at http://127.0.0.1:8005", "Amazon SES (eu-west-1)". */
  readonly where: string;
  /** Amazon SES, rather than the local runtime's. */
  readonly real: boolean;
  /** Runs SES calls, turning the usual failures (not running, no credentials) into one-line errors. */
  call<T>(work: () => Promise<T>): Promise<T>;
}

/** The local runtime's SES, or Amazon SES with the user's credentials (--real, --region, --stack, --table). */
function sesTarget(values: Values, config: LifecycleConfig): SesTarget {
  const prefix = values.prefix ?? config.templatePrefix;
  if (!/^[A-Za-z0-9_-]{0,32}$/.test(prefix))
    throw new CliError('--prefix: letters, digits, "-" and "_" only, at most 32');
  const real = Boolean(values.real || values.region || values.stack || values.table);
  const endpoint = `http://127.0.0.1:${portFromEnv('SES_PORT', 8005)}`;
  const client = real
    ? sesClient(values.region ? { region: values.region } : {})
    : sesClient({ endpoint, region: 'local', credentials: LOCAL_CREDENTIALS, maxAttempts: 1 });
  const where = real ? `Amazon SES${values.region ? ` (${values.region})` : ''}` : `the local SES at ${endpoint}`;
  return {
    client,
    prefix,
    where,
    real,
    async call<T>(work: () => Promise<T>): Promise<T> {
      try {
        return await work();
      } catch (error) {
        throw explain(error, { real, endpoint });
      }
    },
  };
}

function explain(error: unknown, target: { readonly real: boolean; readonly endpoint: string }): unknown {
  if (error instanceof CliError) return error;
  if (error instanceof TemplateRenderingError) return new CliError(error.message);
  if (!(error instanceof Error)) return error;
  const text = `${error.name} ${(error as { code?: string }).code ?? ''} ${error.message} ${
    error instanceof AggregateError ? error.errors.map(String).join(' ') : ''
  }`;
  if (!target.real && /ECONNREFUSED|ECONNRESET|connect/i.test(text)) {
    return new CliError(
      `the local SES is not running at ${target.endpoint}: start it with npm start (or use --real for Amazon SES)`,
    );
  }
  if (error.name === 'CredentialsProviderError' || /Could not load credentials/i.test(error.message)) {
    return new CliError(
      'no AWS credentials found: configure them (aws configure, AWS_PROFILE or AWS_ACCESS_KEY_ID), or leave out --real to use the local SES',
    );
  }
  if (/Region is missing/i.test(error.message)) return new CliError('no AWS region: pass --region or set AWS_REGION');
  const kind = errorKind(error) ?? '';
  if (/AccessDenied|UnrecognizedClient|InvalidClientTokenId|ExpiredToken|InvalidSignature/.test(kind)) {
    return new CliError(`Amazon SES refused the request (${kind}): ${error.message}`);
  }
  return error;
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}
