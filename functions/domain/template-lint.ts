import { parse as parseHandlebars } from 'handlebars/dist/cjs/handlebars/compiler/base.js';
import {
  $ZodArray,
  $ZodBoolean,
  $ZodDefault,
  $ZodEmail,
  $ZodNullable,
  $ZodNumber,
  $ZodObject,
  $ZodOptional,
  $ZodPipe,
  $ZodPrefault,
  $ZodReadonly,
  $ZodString,
  $ZodURL,
} from 'zod/v4/core';
import type { LifecycleConfig } from './config.js';
import { enabledJourneys, isKnownTemplate, TEMPLATE_CONTRACTS } from './journeys/catalogue.js';
import { type JourneyDefinition, sendTemplates } from './journeys/definition.js';
import { WEEKLY_REPORT_TEMPLATE, WeeklyReportDataSchema } from './reporting/weekly-email.js';
import type { CommonTemplateData } from './template-data.js';
import * as z from './zod.js';

/** The three parts of a stored SES template, as files in templates/<name>/. */
export const TEMPLATE_PARTS = [
  { file: 'subject.txt', part: 'subject' },
  { file: 'body.html', part: 'html' },
  { file: 'body.txt', part: 'text' },
] as const;
export type TemplatePart = (typeof TEMPLATE_PARTS)[number]['part'];
export type TemplateFile = (typeof TEMPLATE_PARTS)[number]['file'] | 'sample.json';

/** Templates the stack sends to the team rather than to customers (the weekly report), with their contracts. */
export const TEAM_TEMPLATE_CONTRACTS: Readonly<Record<string, z.ZodMiniObject>> = {
  [WEEKLY_REPORT_TEMPLATE]: WeeklyReportDataSchema,
};

/** The data contract of a template: a built-in journey's, or a team email's; `undefined` for any other. */
export function templateContract(name: string): z.ZodMiniObject | undefined {
  return isKnownTemplate(name) ? TEMPLATE_CONTRACTS[name] : TEAM_TEMPLATE_CONTRACTS[name];
}

/** A template directory as found on disk: a part is `undefined` when its file is missing. */
export interface TemplateSource {
  readonly name: string;
  readonly subject?: string | undefined;
  readonly html?: string | undefined;
  readonly text?: string | undefined;
  /** The text of sample.json: data for `lifecycle templates preview`. */
  readonly sample?: string | undefined;
}

export interface LintProblem {
  readonly template: string;
  /** The file the problem is in; `undefined` for the directory as a whole. */
  readonly file?: TemplateFile | undefined;
  readonly severity: 'error' | 'warning';
  readonly message: string;
}

/** How the journeys use a template: whether any step sends it as marketing, and which enabled journeys send it. */
export interface TemplateUse {
  readonly marketing: boolean;
  readonly enabledJourneys: readonly string[];
  /** A content variant of an experiment: the step's own template, whose data it receives. */
  readonly dataOf?: string | undefined;
  /** A step tests subjects on it: its subject must print `{{experimentSubject}}`. */
  readonly subjectTest?: boolean | undefined;
}

/** The variable through which a subject variant of an experiment reaches the template's subject. */
const EXPERIMENT_SUBJECT: keyof CommonTemplateData = 'experimentSubject';

/** The variables the legal footer of every marketing email needs (names from CommonTemplateDataSchema). */
const UNSUBSCRIBE: keyof CommonTemplateData = 'unsubscribeUrl';
const POSTAL_ADDRESS: keyof CommonTemplateData = 'postalAddress';

/**
 * Which templates the built-in journeys send, and how. Every journey counts for "marketing", switched on or
 * not (a marketer may switch one on later); only the enabled ones count for "sent by".
 */
export function templateUses(config: LifecycleConfig): ReadonlyMap<string, TemplateUse> {
  const allOn = Object.fromEntries(
    Object.entries(config.journeys).map(([id, settings]) => [id, { ...settings, enabled: true }]),
  ) as LifecycleConfig['journeys'];
  const enabled = enabledJourneys(config);
  let every: Iterable<JourneyDefinition>;
  try {
    every = enabledJourneys({ ...config, journeys: allOn }).values();
  } catch {
    // A journey switched off may not build with this configuration (settings it does not check while off).
    every = enabled.values();
  }
  const uses = new Map<
    string,
    { marketing: boolean; enabledJourneys: string[]; dataOf?: string | undefined; subjectTest?: boolean }
  >();
  for (const journey of every) {
    for (const step of journey.steps) {
      if (step.type !== 'send') continue;
      for (const template of sendTemplates(step)) {
        const use = uses.get(template) ?? { marketing: false, enabledJourneys: [] };
        if (step.category === 'marketing') use.marketing = true;
        if (enabled.has(journey.id) && !use.enabledJourneys.includes(journey.id)) use.enabledJourneys.push(journey.id);
        if (template !== step.template) use.dataOf ??= step.template;
        if (template === step.template && step.experiment?.variants.some((variant) => variant.subject !== undefined))
          use.subjectTest = true;
        uses.set(template, use);
      }
    }
  }
  return uses;
}

/**
 * Checks every template directory: the three parts exist, parse as Handlebars and use only the variables of
 * the template's data contract (TEMPLATE_CONTRACTS, from the journey modules); a marketing template has the
 * unsubscribe link and the postal address in both bodies; the sample data satisfies the contract. A template
 * no journey sends is a warning; a template an enabled journey sends but neither the directory nor
 * `elsewhere` holds is an error.
 */
export function lintTemplates(
  sources: readonly TemplateSource[],
  uses: ReadonlyMap<string, TemplateUse>,
  /** Templates there are besides the directory's: the built-in ones, for an application's own directory. */
  elsewhere: ReadonlySet<string> = new Set(),
): LintProblem[] {
  const problems: LintProblem[] = [];
  const present = new Set([...sources.map((source) => source.name), ...elsewhere]);
  for (const [name, use] of [...uses].sort(([a], [b]) => a.localeCompare(b))) {
    if (!present.has(name) && use.enabledJourneys.length > 0) {
      const journeys = use.enabledJourneys.map((id) => `"${id}"`).join(', ');
      problems.push({ template: name, severity: 'error', message: `missing, and the journey ${journeys} sends it` });
    }
  }
  for (const source of sources) {
    const use = uses.get(source.name);
    problems.push(
      ...lintTemplate(source, {
        contract: contractFor(source.name, use),
        marketing: use?.marketing ?? false,
        subjectTest: use?.subjectTest ?? false,
      }),
    );
  }
  return problems;
}

/**
 * The errors of a template as SES stores it (its three parts), by its data contract and the footer rules:
 * what `lifecycle doctor` and the template history's check count as failing lint. Warnings are left out.
 */
export function storedTemplateErrors(
  name: string,
  content: { readonly subject: string; readonly html: string; readonly text: string },
  uses: ReadonlyMap<string, TemplateUse>,
): LintProblem[] {
  const use = uses.get(name);
  return lintTemplate(
    { name, ...content },
    { contract: contractFor(name, use), marketing: use?.marketing ?? false, subjectTest: use?.subjectTest ?? false },
  ).filter((problem) => problem.severity === 'error');
}

/** A template's data contract: its own, else that of the step template it is a content variant of. */
function contractFor(name: string, use: TemplateUse | undefined): z.ZodMiniObject | undefined {
  const own = templateContract(name);
  if (own !== undefined || use?.dataOf === undefined) return own;
  return templateContract(use.dataOf);
}

/** The checks of one template directory; see {@link lintTemplates}. */
export function lintTemplate(
  source: TemplateSource,
  options: {
    readonly contract: z.core.$ZodType | undefined;
    readonly marketing: boolean;
    readonly subjectTest?: boolean;
  },
): LintProblem[] {
  const problems: LintProblem[] = [];
  const report = (file: TemplateFile | undefined, message: string, severity: LintProblem['severity'] = 'error') =>
    problems.push({ template: source.name, file, severity, message });
  if (!options.contract) {
    report(undefined, 'no journey sends it (no journey module in functions/domain/journeys/ names it)', 'warning');
  }
  const usages = new Map<TemplatePart, Usage[]>();
  for (const { file, part } of TEMPLATE_PARTS) {
    const text = source[part];
    if (text === undefined) {
      report(file, 'missing: a template has subject.txt, body.html and body.txt');
      continue;
    }
    if (text.trim() === '') {
      report(file, 'empty');
      continue;
    }
    if (part === 'subject' && text.trim().includes('\n')) report(file, 'more than one line: a subject is one line');
    let program: hbs.AST.Program;
    try {
      program = parseHandlebars(text);
    } catch (error) {
      report(file, `Handlebars cannot parse it: ${parseErrorMessage(error)}`);
      continue;
    }
    const walk = new TemplateWalk(options.contract);
    walk.program(program);
    usages.set(part, walk.usages);
    for (const problem of walk.problems)
      report(file, part === 'subject' ? problem.message : problem.located(), problem.severity);
  }
  if (options.marketing) {
    const html = usages.get('html');
    const text = usages.get('text');
    if (html && !html.some((use) => use.name === UNSUBSCRIBE && use.unconditional && use.inHref))
      report('body.html', `no unsubscribe link: a marketing email needs <a href="{{${UNSUBSCRIBE}}}">`);
    if (text && !text.some((use) => use.name === UNSUBSCRIBE && use.unconditional))
      report('body.txt', `no unsubscribe link: a marketing email needs {{${UNSUBSCRIBE}}}`);
    for (const [file, uses] of [
      ['body.html', html],
      ['body.txt', text],
    ] as const) {
      if (uses && !uses.some((use) => use.name === POSTAL_ADDRESS && use.unconditional))
        report(file, `no postal address: a marketing email needs {{${POSTAL_ADDRESS}}} in its footer`);
    }
  }
  if (
    options.subjectTest &&
    usages.has('subject') &&
    !usages.get('subject')?.some((use) => use.name === EXPERIMENT_SUBJECT)
  )
    report(
      'subject.txt',
      `a journey step tests subjects on it: print {{${EXPERIMENT_SUBJECT}}}, as {{#if ${EXPERIMENT_SUBJECT}}}{{${EXPERIMENT_SUBJECT}}}{{else}}…{{/if}}`,
    );
  if (options.contract) problems.push(...sampleProblems(source, options.contract));
  return problems;
}

function sampleProblems(source: TemplateSource, contract: z.core.$ZodType): LintProblem[] {
  const problem = (message: string, severity: LintProblem['severity'] = 'error'): LintProblem => ({
    template: source.name,
    file: 'sample.json',
    severity,
    message,
  });
  if (source.sample === undefined) return [problem('missing: preview needs sample data (or --customer)', 'warning')];
  let sample: unknown;
  try {
    sample = JSON.parse(source.sample);
  } catch (error) {
    return [problem(`not JSON: ${error instanceof Error ? error.message : String(error)}`)];
  }
  const result = z.safeParse(contract, sample);
  if (result.success) return [];
  return result.error.issues.map((issue) =>
    problem(
      `${issue.path.length > 0 ? issue.path.join('.') : '(root)'}: ${
        /received undefined$/.test(issue.message) ? 'missing' : issue.message
      } (the data contract)`,
    ),
  );
}

function parseErrorMessage(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  // "Parse error on line 2:\n<excerpt>\n---^\nExpecting 'A', 'B', got 'INVALID'": keep the line, excerpt and token.
  const parse = /^Parse error on line (\d+):\n(.*)\n.*\nExpecting .*got '([^']+)'/s.exec(message);
  if (parse) return `line ${parse[1]}: unexpected ${parse[3] === 'EOF' ? 'end' : parse[3]} in "${parse[2]?.trim()}"`;
  const mismatch = /^(\S+) doesn't match (\S+) - (\d+):\d+$/.exec(message);
  if (mismatch) return `line ${mismatch[3]}: {{#${mismatch[1]}}} is closed by {{/${mismatch[2]}}}`;
  const other = /^(.*) - (\d+):(\d+)$/s.exec(message);
  if (other) return `line ${other[2]}: ${other[1]}`;
  return message.replace(/\s+/g, ' ');
}

// --- Walking a template against its contract ------------------------------------------------------------------

/** A variable a template prints, and where: what the footer checks look for. */
interface Usage {
  readonly name: string;
  /** Printed in the root context, outside any {{#if}}, {{#unless}}, {{#each}} or {{#with}}. */
  readonly unconditional: boolean;
  /** Right after `href="`. */
  readonly inHref: boolean;
}

/** A data context: the root data, or the item of an {{#each}}, or the value of a {{#with}}. */
interface Context {
  /** `undefined`: unknown data (no contract), nothing is checked. */
  readonly schema: z.core.$ZodType | undefined;
  readonly label: string;
  readonly each: boolean;
  /** Block parameters (`{{#each items as |item i|}}`) visible here. */
  readonly params: ReadonlyMap<string, z.core.$ZodType | undefined>;
}

class WalkProblem {
  constructor(
    readonly line: number,
    readonly message: string,
    readonly severity: LintProblem['severity'] = 'error',
  ) {}
  located(): string {
    return `line ${this.line}: ${this.message}`;
  }
}

const HELPERS_WITHOUT_CHECKS = new Set(['lookup', 'log']);
const MAX_PARTIAL_DEPTH = 8;

class TemplateWalk {
  readonly problems: WalkProblem[] = [];
  readonly usages: Usage[] = [];
  private readonly contexts: Context[];
  /** Paths known to have a value here (`{{#if discountCode}}`), as "<context index>:<path>". */
  private readonly guards: string[] = [];
  private conditional = 0;
  private readonly partials: Map<string, hbs.AST.Program>[] = [];
  private partialDepth = 0;

  constructor(contract: z.core.$ZodType | undefined) {
    this.contexts = [{ schema: contract, label: 'the data of this template', each: false, params: new Map() }];
  }

  program(program: hbs.AST.Program | undefined): void {
    if (!program) return;
    const partials = new Map<string, hbs.AST.Program>();
    for (const statement of program.body) {
      if (statement.type !== 'DecoratorBlock') continue;
      const block = statement as hbs.AST.DecoratorBlock;
      const name = block.params[0];
      if (block.path.original === 'inline' && name?.type === 'StringLiteral')
        partials.set((name as hbs.AST.StringLiteral).value, block.program);
    }
    this.partials.push(partials);
    let previous: hbs.AST.Statement | undefined;
    for (const statement of program.body) {
      this.statement(statement, previous);
      previous = statement;
    }
    this.partials.pop();
  }

  private problem(node: hbs.AST.Node, message: string, severity: LintProblem['severity'] = 'error'): void {
    this.problems.push(new WalkProblem(node.loc?.start.line ?? 1, message, severity));
  }

  private statement(statement: hbs.AST.Statement, previous: hbs.AST.Statement | undefined): void {
    switch (statement.type) {
      case 'MustacheStatement':
        this.mustache(statement as hbs.AST.MustacheStatement, previous);
        break;
      case 'BlockStatement':
        this.block(statement as hbs.AST.BlockStatement);
        break;
      case 'PartialStatement':
        this.partial(statement as hbs.AST.PartialStatement);
        break;
      case 'PartialBlockStatement':
        this.problem(statement, 'partial blocks ({{#> name}}) are not supported by SES templates');
        break;
      case 'Decorator':
        this.problem(statement, 'decorators ({{* name}}) are not supported by SES templates');
        break;
      default:
      // Content, comments, and {{#*inline}} partials (collected by program()).
    }
  }

  private mustache(node: hbs.AST.MustacheStatement, previous: hbs.AST.Statement | undefined): void {
    if (node.path.type !== 'PathExpression') {
      this.problem(node, 'a literal in {{ }} prints itself: remove it');
      return;
    }
    const path = node.path as hbs.AST.PathExpression;
    if (node.params.length > 0 || node.hash?.pairs.length) {
      const name = path.original;
      if (!HELPERS_WITHOUT_CHECKS.has(name))
        this.problem(node, `{{${name} …}}: "${name}" is not a helper SES templates have`);
      return;
    }
    const tag = `{{${path.original}}}`;
    const resolved = this.resolve(path, node, { value: true });
    if (resolved === 'problem') return;
    if (path.depth === 0 && !path.data && path.parts.length === 1 && this.contexts.length === 1) {
      const before = previous?.type === 'ContentStatement' ? (previous as hbs.AST.ContentStatement).value : '';
      this.usages.push({
        name: path.parts[0] ?? '',
        unconditional: this.conditional === 0,
        inHref: /href\s*=\s*["']?\s*$/i.test(before),
      });
    }
    const value = resolved?.schema;
    if (value instanceof $ZodArray)
      this.problem(node, `${tag} is a list: print its items with {{#each ${path.original}}}…{{/each}}`);
    else if (value instanceof $ZodObject) this.problem(node, `${tag} is a group of values, not one value`);
  }

  private block(node: hbs.AST.BlockStatement): void {
    const helper = node.path.original;
    if (!['if', 'unless', 'each', 'with'].includes(helper)) {
      this.problem(
        node,
        `{{#${helper}}}: use {{#if}}, {{#unless}}, {{#each}} or {{#with}} (the blocks SES templates support)`,
      );
      return;
    }
    const parameter = node.params[0];
    if (node.params.length !== 1 || parameter?.type !== 'PathExpression') {
      this.problem(node, `{{#${helper}}} takes one variable, such as {{#${helper} discountCode}}`);
      return;
    }
    const path = parameter as hbs.AST.PathExpression;
    const resolved = this.resolve(path, node, { value: false });
    const schema = resolved === 'problem' ? undefined : resolved?.schema;
    const known = resolved !== 'problem' && resolved !== undefined;
    const guard = known ? `${resolved.context}:${path.parts.join('.')}` : undefined;
    this.conditional++;
    if (helper === 'if' || helper === 'unless') {
      this.withGuard(helper === 'if' ? guard : undefined, () => this.program(node.program));
      this.withGuard(helper === 'unless' ? guard : undefined, () => this.program(node.inverse));
    } else {
      let item: z.core.$ZodType | undefined;
      let label = `the value of "${path.original}"`;
      if (helper === 'each') {
        label = `each item of "${path.original}"`;
        if (schema instanceof $ZodArray) item = unwrap(schema._zod.def.element).schema;
        else if (known && schema !== undefined && !(schema instanceof $ZodObject))
          this.problem(node, `{{#each ${path.original}}}: "${path.original}" is not a list`);
      } else {
        if (schema instanceof $ZodObject) item = schema;
        else if (known && schema !== undefined)
          this.problem(node, `{{#with ${path.original}}}: "${path.original}" is not a group of values`);
      }
      const checked = known && item !== undefined;
      const [itemName, indexName] = node.program?.blockParams ?? [];
      const params = new Map(this.contexts.at(-1)?.params);
      if (itemName) params.set(itemName, checked ? item : undefined);
      if (indexName) params.set(indexName, z.number());
      this.contexts.push({ schema: checked ? item : undefined, label, each: helper === 'each', params });
      this.program(node.program);
      this.contexts.pop();
      this.program(node.inverse);
    }
    this.conditional--;
  }

  private partial(node: hbs.AST.PartialStatement): void {
    // The typings say a path or a sub-expression; `{{> "name"}}` parses to a string literal too.
    const target = node.name as hbs.AST.Node;
    const name =
      target.type === 'PathExpression'
        ? (target as hbs.AST.PathExpression).original
        : target.type === 'StringLiteral'
          ? (target as hbs.AST.StringLiteral).value
          : undefined;
    const program = name === undefined ? undefined : this.partials.findLast((scope) => scope.has(name))?.get(name);
    if (!program) {
      this.problem(node, `{{> ${name ?? '…'}}}: no such partial; declare it with {{#*inline "${name ?? 'name'}"}}`);
      return;
    }
    if (node.params.length > 0 || node.hash?.pairs.length) {
      this.problem(node, `{{> ${name}}}: give the partial no context or parameters`);
      return;
    }
    if (this.partialDepth >= MAX_PARTIAL_DEPTH) {
      this.problem(node, `{{> ${name}}}: partials nest too deep`);
      return;
    }
    this.partialDepth++;
    this.program(program);
    this.partialDepth--;
  }

  private withGuard(guard: string | undefined, work: () => void): void {
    if (guard) this.guards.push(guard);
    work();
    if (guard) this.guards.pop();
  }

  /**
   * What a path points at in the contract: `undefined` when the data is unknown there (no contract), else the
   * schema and the index of the context it was found in. Reports what is wrong and answers "problem".
   */
  private resolve(
    path: hbs.AST.PathExpression,
    node: hbs.AST.Node,
    options: { readonly value: boolean },
  ): { schema: z.core.$ZodType | undefined; context: number } | undefined | 'problem' {
    const tag = options.value ? `{{${path.original}}}` : `"${path.original}"`;
    let parts = path.parts;
    let index = this.contexts.length - 1 - path.depth;
    if (path.data) {
      const [first = '', ...rest] = parts;
      if (first === 'root') {
        index = 0;
        parts = rest;
      } else {
        const inEach = this.contexts.some((context) => context.each);
        if (!['index', 'first', 'last', 'key'].includes(first) || rest.length > 0) {
          this.problem(node, `${tag}: "@${first}" is not a value SES templates have`);
          return 'problem';
        }
        if (!inEach) {
          this.problem(node, `${tag} is only known inside {{#each}}`);
          return 'problem';
        }
        return undefined;
      }
    }
    if (index < 0) {
      this.problem(node, `${tag} climbs out of the template's data: remove a "../"`);
      return 'problem';
    }
    const context = this.contexts[index] as Context;
    let schema = context.schema;
    let start = 0;
    const first = parts[0];
    if (
      !path.data &&
      path.depth === 0 &&
      first !== undefined &&
      !/^this([./]|$)/.test(path.original) &&
      context.params.has(first)
    ) {
      schema = context.params.get(first);
      start = 1;
    }
    for (let i = start; i < parts.length; i++) {
      if (schema === undefined) return undefined;
      const part = parts[i] as string;
      const shape =
        schema instanceof $ZodObject ? (schema._zod.def.shape as Record<string, z.core.$ZodType>) : undefined;
      const field = shape?.[part];
      if (!shape || !field) {
        const where = i === 0 ? context.label : `"${parts.slice(0, i).join('.')}"`;
        const fields = shape ? Object.keys(shape) : [];
        const outer = i === 0 && index > 0 && this.outerHas(part) ? `; for the outer value write {{../${part}}}` : '';
        const has = fields.length > 0 ? ` (it has: ${fields.join(', ')})` : '';
        this.problem(node, `${tag}: "${part}" is not in ${where}${has}${outer}`);
        return 'problem';
      }
      const unwrapped = unwrap(field);
      const guarded = this.guards.includes(`${index}:${parts.slice(0, i + 1).join('.')}`);
      if (options.value && unwrapped.optional && !guarded) {
        const name = parts.slice(0, i + 1).join('.');
        this.problem(
          node,
          `${tag}: "${name}" may be absent (optional in the contract), and SES then fails to render the email: ` +
            `put it inside {{#if ${name}}}…{{/if}}`,
        );
        return 'problem';
      }
      if (options.value && !guarded && i === parts.length - 1 && z.safeParse(unwrapped.schema, '').success) {
        // SES renders it, as nothing: the words around it (a comma, "Hi ") are then left on their own.
        const name = parts.slice(0, i + 1).join('.');
        this.problem(
          node,
          `${tag}: "${name}" may be empty (a customer without a first name, say): ` +
            `write {{#if ${name}}}…{{else}}…{{/if}} so that the text reads well without it`,
          'warning',
        );
      }
      schema = unwrapped.schema;
    }
    return { schema, context: index };
  }

  private outerHas(name: string): boolean {
    return this.contexts
      .slice(0, -1)
      .some(
        (context) =>
          context.schema instanceof $ZodObject &&
          Object.hasOwn(context.schema._zod.def.shape as Record<string, unknown>, name),
      );
  }
}

/** The schema inside optional, nullable and default wrappers, and whether the value may be absent. */
function unwrap(schema: z.core.$ZodType): { schema: z.core.$ZodType; optional: boolean } {
  let current = schema;
  let optional = false;
  let filled = false;
  for (;;) {
    if (current instanceof $ZodOptional) {
      if (!filled) optional = true;
      current = current._zod.def.innerType;
    } else if (current instanceof $ZodDefault || current instanceof $ZodPrefault) {
      filled = true;
      current = current._zod.def.innerType;
    } else if (current instanceof $ZodNullable || current instanceof $ZodReadonly) {
      current = current._zod.def.innerType;
    } else if (current instanceof $ZodPipe) {
      current = current._zod.def.in;
    } else {
      return { schema: current, optional };
    }
  }
}

/** One variable of a contract, for documentation: `items[].name`. */
export interface ContractField {
  readonly path: string;
  readonly type: string;
  readonly optional: boolean;
}

/** The variables of a data contract, nested lists and groups flattened with `[]` and `.`. */
export function contractFields(schema: z.core.$ZodType, prefix = ''): ContractField[] {
  const { schema: object } = unwrap(schema);
  if (!(object instanceof $ZodObject)) return [];
  return Object.entries(object._zod.def.shape as Record<string, z.core.$ZodType>).flatMap(([key, field]) => {
    const { schema: inner, optional } = unwrap(field);
    const path = `${prefix}${key}`;
    if (inner instanceof $ZodArray) {
      const item = unwrap(inner._zod.def.element).schema;
      return [
        { path, type: 'list', optional },
        ...(item instanceof $ZodObject ? contractFields(item, `${path}[].`) : []),
      ];
    }
    if (inner instanceof $ZodObject) return [{ path, type: 'group', optional }, ...contractFields(inner, `${path}.`)];
    return [{ path, type: typeName(inner), optional }];
  });
}

function typeName(schema: z.core.$ZodType): string {
  if (schema instanceof $ZodNumber) return 'number';
  if (schema instanceof $ZodBoolean) return 'true/false';
  if (schema instanceof $ZodURL) return 'URL';
  if (schema instanceof $ZodEmail) return 'email address';
  if (schema instanceof $ZodString) return 'text';
  return 'value';
}
