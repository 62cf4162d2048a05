import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { TEMPLATE_PARTS, type TemplateSource } from '../domain/template-lint.js';
import { TemplateFilesError } from './template-files.js';

/** The content of a template as SES stores it. */
export interface TemplateContent {
  readonly subject: string;
  readonly html: string;
  readonly text: string;
}

/** The sample data of a template, shipped next to its parts for `lifecycle templates preview`. */
export const SAMPLE_FILE = 'sample.json';

/**
 * Reads every template directory under `directory` as it is, a missing part left `undefined`, for the lint
 * to report (readTemplateFiles, used by deploys, refuses an incomplete template instead).
 */
export function readTemplateSources(directory: string): TemplateSource[] {
  if (!existsSync(directory)) throw new TemplateFilesError(`template directory not found: ${directory}`);
  return readdirSync(directory, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && !entry.name.startsWith('.'))
    .map((entry) => entry.name)
    .sort()
    .map((name) => {
      const read = (file: string) => {
        const path = join(directory, name, file);
        return existsSync(path) ? readFileSync(path, 'utf8') : undefined;
      };
      const parts = Object.fromEntries(TEMPLATE_PARTS.map(({ file, part }) => [part, read(file)]));
      return { name, ...parts, sample: read(SAMPLE_FILE) };
    });
}

/** A template's content from its source; the subject without its final newline, as deploys seed it. */
export function contentOf(source: TemplateSource): TemplateContent {
  return { subject: (source.subject ?? '').trim(), html: source.html ?? '', text: source.text ?? '' };
}

/** Whether a template's files and a stored template say the same (a subject's surrounding spaces aside). */
export function sameContent(a: TemplateContent, b: TemplateContent): boolean {
  return a.subject.trim() === b.subject.trim() && a.html === b.html && a.text === b.text;
}

/**
 * Writes a template's parts into `directory/name/`, leaving files that already say the same untouched.
 * Answers the files written, and whether the directory is new.
 */
export function writeTemplateContent(
  directory: string,
  name: string,
  content: TemplateContent,
): { readonly created: boolean; readonly written: readonly string[] } {
  const folder = join(directory, name);
  const created = !existsSync(folder);
  mkdirSync(folder, { recursive: true });
  const written: string[] = [];
  for (const { file, part } of TEMPLATE_PARTS) {
    const path = join(folder, file);
    const current = existsSync(path) ? readFileSync(path, 'utf8') : undefined;
    const wanted = part === 'subject' ? `${content.subject.trim()}\n` : content[part];
    const same =
      current !== undefined && (part === 'subject' ? current.trim() === content.subject.trim() : current === wanted);
    if (same) continue;
    writeFileSync(path, wanted);
    written.push(file);
  }
  return { created, written };
}
