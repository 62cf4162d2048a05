import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { METRICS } from '../../bench/bill.js';
import { PUBLISHED_METRICS } from '../../functions/handlers/published-metrics.js';

const HANDLERS = 'functions/handlers';

/** The Powertools service of each handler file that publishes metrics (the `*.lambda.ts` files wire them). */
const SERVICE: Readonly<Record<string, string>> = {
  collect: 'collect',
  confirmation: 'unsubscribe',
  customer: 'customer',
  'dispatch-planner': 'dispatcher',
  'dispatch-worker': 'dispatcher',
  dispatcher: 'dispatcher',
  'email-feedback': 'email-feedback',
  'model-job': 'model-job',
  preferences: 'unsubscribe',
  'report-link': 'unsubscribe',
  'survey-answer': 'unsubscribe',
  'template-history': 'template-history',
  webhook: 'webhook',
  'weekly-report': 'weekly-report',
};

/** The arguments of the call whose `(` is at `open`, split at its top-level commas. */
function argumentsAt(code: string, open: number): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = open + 1;
  for (let at = open; at < code.length; at++) {
    const char = code[at];
    if (char === '(' || char === '[' || char === '{') depth++;
    else if (char === ')' || char === ']' || char === '}') {
      depth--;
      if (depth === 0) {
        parts.push(code.slice(start, at).trim());
        return parts;
      }
    } else if (char === ',' && depth === 1) {
      parts.push(code.slice(start, at).trim());
      start = at + 1;
    }
  }
  throw new Error('unclosed call');
}

/** Metric names are PascalCase; other literals of an expression (`outcome.write === 'written'`) are not. */
const literals = (text: string) => [...text.matchAll(/'([A-Z][A-Za-z]+)'/g)].map((match) => match[1] as string);

/**
 * The metric names a handler's code publishes (`addMetric` and `addCount`): the string literals of the
 * name's expression, or those of the object a `const` named so is read from (`const metric = NAMES[kind]`).
 * A name read from a row of functions/handlers/published-metrics.ts (`metric.name`) is the table's by its
 * type. Any other expression fails: the test cannot tell what it publishes.
 */
function publishedNames(file: string, code: string): string[] {
  const names: string[] = [];
  for (const call of code.matchAll(/\b(addMetric|addCount)\(/g)) {
    const args = argumentsAt(code, (call.index ?? 0) + call[0].length - 1);
    const expression = (call[1] === 'addCount' ? args[1] : args[0]) ?? '';
    if (/^'|\?/.test(expression)) {
      names.push(...literals(expression));
      continue;
    }
    if (/^(\w+\.)?name$/.test(expression) && code.includes("from './published-metrics.js'")) continue;
    const table = new RegExp(`const ${expression} = (\\w+)\\[`).exec(code)?.[1];
    const object = table && new RegExp(`const ${table}\\b[^=]*= \\{([^}]*)\\}`).exec(code)?.[1];
    if (!object) throw new Error(`${file}: cannot tell which metric \`${expression}\` names`);
    names.push(...literals(object.replace(/^\s*\w+:/gm, '')));
  }
  return names;
}

const handlerFiles = readdirSync(HANDLERS)
  // powertools.ts defines addCount; it publishes what its callers name.
  .filter((name) => name.endsWith('.ts') && !name.endsWith('.lambda.ts'))
  .filter((name) => name !== 'published-metrics.ts' && name !== 'powertools.ts')
  .map((name) => ({ name: name.slice(0, -'.ts'.length), code: readFileSync(`${HANDLERS}/${name}`, 'utf8') }));

describe('the metrics the functions publish, in one table', () => {
  it('holds every metric name a handler publishes, under the handler’s service, and the bill prices each', () => {
    const published = handlerFiles.flatMap(({ name, code }) =>
      publishedNames(name, code).map((metric) => `${SERVICE[name] ?? `${name} (a service to add here)`}/${metric}`),
    );
    // Names behind a ternary and behind a lookup are read too.
    expect(published).toEqual(expect.arrayContaining(['customer/InventoryItemUnknown', 'email-feedback/EmailClicked']));
    const tabled = new Set(PUBLISHED_METRICS.map((metric) => `${metric.service}/${metric.name}`));
    const billed = new Set(METRICS.map((metric) => `${metric.service}/${metric.name}`));
    expect(published.filter((metric) => !tabled.has(metric))).toEqual([]);
    expect(published.filter((metric) => !billed.has(metric))).toEqual([]);
  });

  it('holds no metric that no handler publishes any more', () => {
    const code = (service: string) =>
      handlerFiles
        .filter(({ name }) => SERVICE[name] === service)
        .map(({ code }) => code)
        .join('\n');
    const unpublished = PUBLISHED_METRICS.filter(
      (metric) => !('count' in metric) && !code(metric.service).includes(`'${metric.name}'`),
    ).map((metric) => `${metric.service}/${metric.name}`);
    expect(unpublished).toEqual([]);
  });

  it('has the bill price every metric of the table once, with its dimension', () => {
    expect(METRICS.map(({ service, name, dimension }) => ({ service, name, dimension }))).toEqual(
      PUBLISHED_METRICS.map(({ service, name, ...rest }) => ({
        service,
        name,
        dimension: 'dimension' in rest ? rest.dimension : undefined,
      })),
    );
    expect(METRICS.every((metric) => metric.written !== undefined)).toBe(true);
  });
});
