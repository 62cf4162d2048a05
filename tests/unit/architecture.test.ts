import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { importCycles, importGraph, moduleSpecifiers, sourceFiles } from '../helpers/import-graph.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
/** The product's code: what the rule of docs/architecture.md ("Dependencies") is about. */
const FOLDERS = ['functions', 'lib', 'bin'];

describe('the import graph of functions/, lib/ and bin/', () => {
  it('has no cycles', () => {
    const cycles = importCycles(importGraph(ROOT, FOLDERS));
    expect(cycles, `import cycles (docs/architecture.md, "Dependencies"):\n${cycles.join('\n')}`).toEqual([]);
  });

  it('keeps the journeys apart from the configuration, which is built from them', () => {
    // functions/domain/config.ts imports the journey catalogue; a journey reaching it back, even for a type,
    // would tie the two together. What a journey reads of the configuration comes in as a parameter.
    const graph = importGraph(ROOT, FOLDERS);
    const CONFIG = 'functions/domain/config.ts';
    const paths: string[] = [];
    for (const file of graph.keys()) {
      if (!file.startsWith('functions/domain/journeys/')) continue;
      // The shortest path from the file to the configuration, if there is one.
      const from = new Map<string, string>([[file, file]]);
      const queue = [file];
      while (queue.length > 0 && !from.has(CONFIG)) {
        const current = queue.shift() as string;
        for (const next of graph.get(current) ?? []) {
          if (from.has(next)) continue;
          from.set(next, current);
          queue.push(next);
        }
      }
      if (!from.has(CONFIG)) continue;
      const path = [CONFIG];
      while (path[0] !== file) path.unshift(from.get(path[0] as string) as string);
      paths.push(path.join(' → '));
    }
    expect(paths).toEqual([]);
  });

  it('misses no import a line of the sources plainly states', () => {
    // The scanner is the only reader of the sources here: if it lost its way in a file (a regular expression
    // taken for a division, a template literal), the check above would pass on edges it never saw.
    let checked = 0;
    for (const file of sourceFiles(ROOT, FOLDERS)) {
      const text = readFileSync(join(ROOT, file), 'utf8');
      // `import … from '…';` on one line, or the last line of one over several: `} from '…';`.
      const stated = [...text.matchAll(/^(?:(?:import|export)\b[^'"\n]*?\b|\} )from '([^']+)';$/gm)].map(
        (match) => match[1],
      );
      checked += stated.length;
      const found = moduleSpecifiers(text);
      for (const specifier of stated) expect(found, file).toContain(specifier);
    }
    // The comparison compared something: every file states a few imports on average.
    expect(checked).toBeGreaterThan(sourceFiles(ROOT, FOLDERS).length);
  });
});

describe('the dispatcher', () => {
  it('changes a stored customer only through customer-change', () => {
    // docs/architecture.md, "Code layout": one place where a customer's stored state changes. What the
    // dispatcher's handler reaches of the domain, that module aside, never commits a customer itself.
    const graph = importGraph(ROOT, FOLDERS);
    const reached = new Set<string>();
    const visit = (file: string): void => {
      if (reached.has(file)) return;
      reached.add(file);
      for (const target of graph.get(file) ?? []) visit(target);
    };
    visit('functions/handlers/dispatcher.ts');
    const domain = [...reached].filter((file) => file.startsWith('functions/domain/'));
    expect(domain).toContain('functions/domain/services/customer-change.ts');
    const writers = domain.filter(
      (file) =>
        file !== 'functions/domain/services/customer-change.ts' &&
        /\bcommitEvent\b/.test(readFileSync(join(ROOT, file), 'utf8')),
    );
    expect(writers, 'dispatcher modules that commit a customer themselves').toEqual([]);
  });
});

describe('moduleSpecifiers', () => {
  it('reads static, type-only, side-effect, re-exported and dynamic imports', () => {
    const source = [
      "import { a, type B } from './a.js';",
      "import type { C } from './c.js';",
      "import d, * as e from './d.js';",
      "import './side-effect.js';",
      "export { f } from './f.js';",
      "export type { G } from './g.js';",
      "export * from './h.js';",
      "export * as i from './i.js';",
      'export { a };',
      "export const j = () => import('./j.js');",
      "type K = import('./k.js').K;",
    ].join('\n');
    expect(moduleSpecifiers(source)).toEqual([
      './a.js',
      './c.js',
      './d.js',
      './side-effect.js',
      './f.js',
      './g.js',
      './h.js',
      './i.js',
      './j.js',
      './k.js',
    ]);
  });

  it('does not take strings, comments, regular expressions, templates or import.meta for imports', () => {
    const source = [
      'const text = "import x from \'./not-a.js\'";',
      "// import y from './not-b.js';",
      "const pattern = /from '.\\/not-c.js'/;",
      "const quote = /'/; const half = 1 / 2; const again = '/';",
      // biome-ignore lint/suspicious/noTemplateCurlyInString: the text of a template literal, as a file holds it
      "const template = `${text} import z from './not-d.js' ${`${half}`}`;",
      'const url = import.meta.url;',
      "import { after } from './after.js';",
    ].join('\n');
    expect(moduleSpecifiers(source)).toEqual(['./after.js']);
  });
});

describe('importCycles', () => {
  it('names each cycle as a path from a file back to itself', () => {
    const graph = new Map([
      ['a.ts', ['b.ts']],
      ['b.ts', ['c.ts']],
      ['c.ts', ['a.ts', 'd.ts']],
      ['d.ts', []],
      ['e.ts', ['f.ts']],
      ['f.ts', ['e.ts']],
      ['g.ts', ['g.ts']],
    ]);
    expect(importCycles(graph)).toEqual(['a.ts → b.ts → c.ts → a.ts', 'e.ts → f.ts → e.ts', 'g.ts → g.ts']);
  });

  it('names every file of a tangle of cycles', () => {
    const graph = new Map([
      ['a.ts', ['b.ts', 'c.ts']],
      ['b.ts', ['a.ts']],
      ['c.ts', ['a.ts']],
    ]);
    expect(importCycles(graph)).toEqual(['a.ts → b.ts → a.ts', 'c.ts → a.ts → c.ts']);
  });

  it('finds none in a graph without cycles', () => {
    expect(
      importCycles(
        new Map([
          ['a.ts', ['b.ts']],
          ['b.ts', []],
        ]),
      ),
    ).toEqual([]);
  });
});
