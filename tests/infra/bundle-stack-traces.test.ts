import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { lambdaBundleOptions } from '../../lib/lifecycle-function.js';
import { run } from '../helpers/processes.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const ENTRY = join(ROOT, 'tests', 'fixtures', 'bundled-error', 'handler.ts');

/** Imports a bundle in a fresh Node process, as Lambda does, invokes its handler, and prints the error's stack. */
const INVOKE = `
const { handler } = await import(process.argv[1]);
try {
  await handler({ body: '{}' });
} catch (error) {
  console.log(JSON.stringify({ thrown: error.stack }));
}
`;

/*
 * A deployed function's bundle is one minified file: its stack traces name the TypeScript sources only through
 * its source map, which Node does not read at start (no --enable-source-maps: that costs every cold start).
 * An entry bundled with the stack's own esbuild options (lib/lifecycle-function.ts) and run as Lambda runs it.
 */
describe('the stack traces of a bundled function', () => {
  it('name the TypeScript file and line of the error, in the log and in the error the handler throws', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'lifecycle-stack-traces-'));
    try {
      const bundle = join(directory, 'index.mjs');
      await build({ ...lambdaBundleOptions(), entryPoints: [ENTRY], outfile: bundle, logLevel: 'silent' });
      // The map comes without the sources' text: files, lines and names are all a stack trace needs.
      expect(existsSync(`${bundle}.map`)).toBe(true);
      expect(JSON.parse(readFileSync(`${bundle}.map`, 'utf8')).sourcesContent).toBeUndefined();

      const finished = await run(process.execPath, ['--input-type=module', '-e', INVOKE, pathToFileURL(bundle).href], {
        env: { POWERTOOLS_LOG_LEVEL: 'INFO', AWS_REGION: 'eu-west-1' },
      });
      // The logger writes errors to standard error; the script, the stack thrown, to standard output.
      const lines = `${finished.stderr}\n${finished.stdout}`
        .split('\n')
        .filter((line) => line.startsWith('{'))
        .map((line) => JSON.parse(line) as Record<string, unknown>);
      const logged = lines.find((line) => line.message === 'order not accepted')?.error as
        | { name: string; location: string; stack: string }
        | undefined;
      const thrown = lines.find((line) => 'thrown' in line)?.thrown as string | undefined;

      // `throw new OrderRefusedError()` is line 10 of order.ts, in acceptOrder, called by the handler at line 13.
      expect(logged?.name).toBe('OrderRefusedError');
      expect(logged?.location).toMatch(/tests\/fixtures\/bundled-error\/order\.ts:10$/);
      for (const stack of [logged?.stack, thrown]) {
        const frames = stack?.split('\n').slice(1) ?? [];
        expect(frames[0]).toMatch(/^ {4}at acceptOrder \(.*tests\/fixtures\/bundled-error\/order\.ts:10:\d+\)$/);
        // The handler's own name is the bundle's: the map names a function where it is called from the bundle.
        expect(frames[1]).toMatch(/^ {4}at .*\(.*tests\/fixtures\/bundled-error\/handler\.ts:13:\d+\)$/);
        expect(stack).not.toContain('index.mjs');
      }
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  });
});
