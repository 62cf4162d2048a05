import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { missingTemplates } from '../domain/journeys/catalogue.js';
import type { JourneyDefinition } from '../domain/journeys/definition.js';

/** A template as kept in templates/<name>/: subject.txt, body.html and body.txt. */
export interface TemplateFiles {
  readonly name: string;
  readonly subject: string;
  readonly html: string;
  readonly text: string;
}

export class TemplateFilesError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TemplateFilesError';
  }
}

/** Reads every template under `directory`; a template missing one of its three parts is an error. */
export function readTemplateFiles(directory: string): TemplateFiles[] {
  if (!existsSync(directory)) throw new TemplateFilesError(`template directory not found: ${directory}`);
  return readdirSync(directory, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort()
    .map((name) => {
      const read = (file: string) => {
        const path = join(directory, name, file);
        if (!existsSync(path)) throw new TemplateFilesError(`template "${name}" has no ${file}`);
        return readFileSync(path, 'utf8');
      };
      return { name, subject: read('subject.txt').trim(), html: read('body.html'), text: read('body.txt') };
    });
}

/**
 * The templates of several directories, a later directory's template replacing an earlier one of the same
 * name: the built-in templates, then an application's own (its custom journeys' templates, and any built-in
 * one it rewrites).
 */
export function readTemplateDirectories(directories: readonly string[]): TemplateFiles[] {
  const byName = new Map<string, TemplateFiles>();
  for (const directory of new Set(directories)) {
    for (const template of readTemplateFiles(directory)) byName.set(template.name, template);
  }
  return [...byName.values()].sort((a, b) => a.name.localeCompare(b.name));
}

/** Fails with every send of `journeys` whose template `templates` lacks, naming the journey and the step. */
export function assertTemplatesExist(
  journeys: Iterable<JourneyDefinition>,
  templates: readonly TemplateFiles[],
  directories: readonly string[],
): void {
  const missing = missingTemplates(journeys, new Set(templates.map((t) => t.name)));
  if (missing.length === 0) return;
  const list = missing.map((m) => `journey "${m.journeyId}" step "${m.stepId}" sends "${m.template}"`).join('; ');
  throw new TemplateFilesError(
    `${list}, but no template of that name is in ${[...new Set(directories)].join(' or ')} (a folder with subject.txt, body.html and body.txt)`,
  );
}
