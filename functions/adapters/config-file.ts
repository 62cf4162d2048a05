import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { transform } from 'esbuild';
import { type LifecycleConfig, parseConfig } from '../domain/config.js';
import { ConfigError } from '../domain/errors.js';
import { PACKAGE_ROOT } from './package-files.js';

/** The name of the configuration file. */
export const CONFIG_FILE_NAME = 'lifecycle.config.ts';

/**
 * The configuration file of the application the command runs in: lifecycle.config.ts in the current
 * directory or the nearest directory above it; else, when the tool runs from this repository, its own.
 */
export function configFile(from = process.cwd()): string {
  for (let directory = resolve(from); ; directory = dirname(directory)) {
    const file = join(directory, CONFIG_FILE_NAME);
    if (existsSync(file)) return file;
    if (dirname(directory) === directory) return join(PACKAGE_ROOT, CONFIG_FILE_NAME);
  }
}

/**
 * The validated configuration, read from its file when asked: what the command-line tool and the CDK app
 * use. Whatever is wrong with the file (a syntax error, a failure while it runs, an unknown or invalid
 * setting) is one {@link ConfigError} of one sentence naming the file, and the line and column or the
 * setting. The functions run the configuration their stack bundled instead (functions/adapters/config.ts).
 */
export async function loadConfigFile(file = configFile()): Promise<LifecycleConfig> {
  const name = relative(process.cwd(), file) || file;
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new ConfigError('', `${name}: cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  const syntax = await syntaxError(text);
  if (syntax) throw new ConfigError('', `${name}:${syntax.line}:${syntax.column}: syntax error: ${syntax.text}`);
  let module: { default?: unknown };
  try {
    module = await import(pathToFileURL(file).href);
  } catch (error) {
    throw new ConfigError('', `${name}: fails while loading: ${firstLine(error)}`);
  }
  if (module.default === undefined) {
    throw new ConfigError('', `${name}: has no configuration; it should export default defineConfig({ … })`);
  }
  return parseConfig(module.default, name);
}

/** The first syntax error of a TypeScript text, with its line and column counted from 1, if any. */
async function syntaxError(text: string): Promise<{ line: number; column: number; text: string } | undefined> {
  try {
    await transform(text, { loader: 'ts', logLevel: 'silent' });
    return undefined;
  } catch (error) {
    const [first] = (error as { errors?: { text: string; location: { line: number; column: number } | null }[] })
      .errors ?? [{ text: firstLine(error), location: null }];
    return { line: first?.location?.line ?? 1, column: (first?.location?.column ?? 0) + 1, text: first?.text ?? '' };
  }
}

function firstLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n')[0] ?? '';
}
