import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';

/**
 * Where commands write their files unless told otherwise: one folder under `.lifecycle/`, which git
 * ignores, never the repository's root (a report holds customer data).
 */
export const OUTPUT_DIRECTORY = join('.lifecycle', 'out');

/**
 * Writes a command's file to `given` (--out), else to {@link OUTPUT_DIRECTORY}/`name`, readable by its
 * owner only, and returns the path to print: relative to the working directory when it is inside it.
 */
export function writeOutput(given: string | undefined, name: string, content: string): string {
  const path = resolve(given ?? join(OUTPUT_DIRECTORY, name));
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, content, { mode: 0o600 });
  const shown = relative(process.cwd(), path);
  return shown.startsWith('..') || isAbsolute(shown) ? path : shown;
}
