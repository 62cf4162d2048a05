import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { SyntaxKind } from 'typescript/unstable/ast';
import { createScanner } from 'typescript/unstable/ast/scanner';

/**
 * The import graph of the TypeScript sources, read with TypeScript's own scanner (the way the compiler's
 * preProcessFile reads a file's imports): every `import … from`, `import '…'`, `export … from` and
 * `import('…')`, type-only ones included, since a type-only cycle ties the modules together as much as a
 * runtime one does. Only relative specifiers are edges: packages are not part of the project.
 */

/** The module specifiers a TypeScript source names, in order. */
export function moduleSpecifiers(text: string): string[] {
  const scanner = createScanner(true, undefined, text);
  const specifiers: string[] = [];
  // What each open brace was: a block or object, or the `${` of a template literal.
  const braces: ('brace' | 'template')[] = [];
  // The last token scanned, and the one before it.
  const last: { previous: SyntaxKind; beforePrevious: SyntaxKind } = {
    previous: SyntaxKind.Unknown,
    beforePrevious: SyntaxKind.Unknown,
  };

  const next = (): SyntaxKind => {
    let token = scanner.scan();
    if (
      (token === SyntaxKind.SlashToken || token === SyntaxKind.SlashEqualsToken) &&
      !endsAnExpression(last.previous)
    ) {
      token = scanner.reScanSlashToken();
    }
    if (token === SyntaxKind.TemplateHead) braces.push('template');
    if (token === SyntaxKind.OpenBraceToken) braces.push('brace');
    if (token === SyntaxKind.CloseBraceToken && braces.pop() === 'template') {
      token = scanner.reScanTemplateToken(false);
      if (token === SyntaxKind.TemplateMiddle) braces.push('template');
    }
    last.beforePrevious = last.previous;
    last.previous = token;
    return token;
  };

  /** After `from`: the string that follows it, if it does. */
  const stringAfterFrom = (): void => {
    if (next() === SyntaxKind.StringLiteral) specifiers.push(scanner.getTokenValue());
  };

  let token = next();
  while (token !== SyntaxKind.EndOfFile) {
    if (token === SyntaxKind.ImportKeyword && last.beforePrevious !== SyntaxKind.DotToken) {
      token = next();
      if (token === SyntaxKind.StringLiteral) {
        specifiers.push(scanner.getTokenValue()); // import './side-effect.js'
      } else if (token === SyntaxKind.OpenParenToken) {
        if (next() === SyntaxKind.StringLiteral) specifiers.push(scanner.getTokenValue()); // import('…')
      } else if (token !== SyntaxKind.DotToken) {
        // import [type] x, { a, type b } from '…'; import * as x from '…'
        while (token !== SyntaxKind.FromKeyword && token !== SyntaxKind.SemicolonToken) {
          if (token === SyntaxKind.EndOfFile) return specifiers;
          token = next();
        }
        if (token === SyntaxKind.FromKeyword) stringAfterFrom();
      }
    } else if (token === SyntaxKind.ExportKeyword) {
      token = next();
      if (token === SyntaxKind.TypeKeyword) token = next();
      if (token === SyntaxKind.AsteriskToken) {
        // export * [as x] from '…'
        while (token !== SyntaxKind.FromKeyword && token !== SyntaxKind.EndOfFile) token = next();
        if (token === SyntaxKind.FromKeyword) stringAfterFrom();
      } else if (token === SyntaxKind.OpenBraceToken) {
        // export { a, type b } [from '…']
        const depth = braces.length;
        while (braces.length >= depth && token !== SyntaxKind.EndOfFile) token = next();
        if (token === SyntaxKind.CloseBraceToken && next() === SyntaxKind.FromKeyword) stringAfterFrom();
      }
    }
    token = next();
  }
  return specifiers;
}

/** Whether a `/` after this token divides (rather than starts a regular expression). */
function endsAnExpression(token: SyntaxKind): boolean {
  return [
    SyntaxKind.Identifier,
    SyntaxKind.NumericLiteral,
    SyntaxKind.BigIntLiteral,
    SyntaxKind.StringLiteral,
    SyntaxKind.NoSubstitutionTemplateLiteral,
    SyntaxKind.TemplateTail,
    SyntaxKind.RegularExpressionLiteral,
    SyntaxKind.CloseParenToken,
    SyntaxKind.CloseBracketToken,
    SyntaxKind.CloseBraceToken,
    SyntaxKind.ThisKeyword,
    SyntaxKind.SuperKeyword,
    SyntaxKind.TrueKeyword,
    SyntaxKind.FalseKeyword,
    SyntaxKind.NullKeyword,
    SyntaxKind.PlusPlusToken,
    SyntaxKind.MinusMinusToken,
  ].includes(token);
}

/** Every .ts file under these folders of root (declaration files aside), as paths relative to root. */
export function sourceFiles(root: string, folders: readonly string[]): string[] {
  const files: string[] = [];
  const walk = (folder: string): void => {
    for (const entry of readdirSync(join(root, folder), { withFileTypes: true })) {
      const path = join(folder, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) files.push(path.split(sep).join('/'));
    }
  };
  for (const folder of folders) walk(folder);
  return files.sort();
}

/**
 * The project file a relative specifier names, relative to root: `./x.js` is `./x.ts` (nodenext), a folder
 * is its index.ts. Undefined for packages and for files that are not TypeScript sources.
 */
export function resolveSpecifier(root: string, from: string, specifier: string): string | undefined {
  if (!specifier.startsWith('./') && !specifier.startsWith('../')) return undefined;
  const target = resolve(root, dirname(from), specifier);
  const candidates = [
    target.replace(/\.js$/, '.ts'),
    target.replace(/\.mjs$/, '.mts'),
    target,
    `${target}.ts`,
    join(target, 'index.ts'),
  ];
  const found = candidates.find((candidate) => /\.m?ts$/.test(candidate) && existsSync(candidate));
  return found === undefined ? undefined : relative(root, found).split(sep).join('/');
}

/** The graph: each file and the project files it imports. */
export type ImportGraph = ReadonlyMap<string, readonly string[]>;

export function importGraph(root: string, folders: readonly string[]): ImportGraph {
  const graph = new Map<string, string[]>();
  for (const file of sourceFiles(root, folders)) {
    const targets = moduleSpecifiers(readFileSync(join(root, file), 'utf8'))
      .map((specifier) => resolveSpecifier(root, file, specifier))
      .filter((target): target is string => target !== undefined);
    graph.set(file, [...new Set(targets)].sort());
  }
  return graph;
}

/**
 * The cycles of a graph, each as the path `a.ts → b.ts → a.ts`. Every file that lies on a cycle lies on one
 * of them: for each strongly connected component, the shortest cycle through its first file not yet named,
 * until all its files are. Deterministic, so that a failure reads the same on every run.
 */
export function importCycles(graph: ImportGraph): string[] {
  const cycles: string[] = [];
  for (const component of stronglyConnectedComponents(graph)) {
    const members = new Set(component);
    const only = component[0];
    if (only === undefined) continue;
    if (component.length === 1 && !(graph.get(only) ?? []).includes(only)) continue;
    const named = new Set<string>();
    for (const start of [...component].sort()) {
      if (named.has(start)) continue;
      const cycle = shortestCycle(graph, members, start);
      for (const file of cycle) named.add(file);
      cycles.push([...cycle, start].join(' → '));
    }
  }
  return cycles.sort();
}

/** The shortest path start → … → start inside the component (without the final start). */
function shortestCycle(graph: ImportGraph, members: ReadonlySet<string>, start: string): string[] {
  const cameFrom = new Map<string, string>();
  const queue = [start];
  for (let index = 0; index < queue.length; index++) {
    const file = queue[index] as string;
    for (const target of graph.get(file) ?? []) {
      if (!members.has(target)) continue;
      if (target === start) {
        const path = [file];
        for (let step = file; step !== start; ) {
          step = cameFrom.get(step) as string;
          path.unshift(step);
        }
        return path;
      }
      if (!cameFrom.has(target)) {
        cameFrom.set(target, file);
        queue.push(target);
      }
    }
  }
  return [start];
}

/** Tarjan's algorithm, iterative (the graph is deep enough to make recursion a risk). */
function stronglyConnectedComponents(graph: ImportGraph): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const components: string[][] = [];
  let counter = 0;

  for (const root of [...graph.keys()].sort()) {
    if (index.has(root)) continue;
    const work: { file: string; next: number }[] = [{ file: root, next: 0 }];
    index.set(root, counter);
    low.set(root, counter++);
    stack.push(root);
    onStack.add(root);
    while (work.length > 0) {
      const frame = work[work.length - 1] as { file: string; next: number };
      const targets = graph.get(frame.file) ?? [];
      if (frame.next < targets.length) {
        const target = targets[frame.next++] as string;
        if (!graph.has(target)) continue;
        if (!index.has(target)) {
          index.set(target, counter);
          low.set(target, counter++);
          stack.push(target);
          onStack.add(target);
          work.push({ file: target, next: 0 });
        } else if (onStack.has(target)) {
          low.set(frame.file, Math.min(low.get(frame.file) as number, index.get(target) as number));
        }
        continue;
      }
      work.pop();
      const parent = work[work.length - 1];
      if (parent !== undefined) {
        low.set(parent.file, Math.min(low.get(parent.file) as number, low.get(frame.file) as number));
      }
      if (low.get(frame.file) === index.get(frame.file)) {
        const component: string[] = [];
        let member: string | undefined;
        do {
          member = stack.pop() as string;
          onStack.delete(member);
          component.push(member);
        } while (member !== frame.file);
        components.push(component.sort());
      }
    }
  }
  return components;
}
