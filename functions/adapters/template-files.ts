import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { missingTemplates } from '../domain/journeys/catalogue.js';
import type { JourneyDefinition } from '../domain/journeys/definition.js';
import { BUILT_IN_TEMPLATES } from './package-files.js';

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
 * The templates an engine seeds: the built-in ones, then an application's own directory over them (its
 * journeys' templates, and any built-in one it rewrites, by name). Fails, naming the journey and the step,
 * when a send of `journeys` has a template neither holds: the stack would not synthesize, nor the local
 * runtime start, with a journey that could never send.
 */
export function engineTemplates(journeys: Iterable<JourneyDefinition>, ownDirectory?: string): TemplateFiles[] {
  const directories = [...new Set([BUILT_IN_TEMPLATES, ...(ownDirectory ? [ownDirectory] : [])])];
  const byName = new Map<string, TemplateFiles>();
  for (const directory of directories) {
    for (const template of readTemplateFiles(directory)) byName.set(template.name, template);
  }
  const missing = missingTemplates(journeys, new Set(byName.keys()));
  if (missing.length > 0) {
    const list = missing.map((m) => `journey "${m.journeyId}" step "${m.stepId}" sends "${m.template}"`).join('; ');
    throw new TemplateFilesError(
      `${list}, but no template of that name is in ${directories.join(' or ')} (a folder with subject.txt, body.html and body.txt)`,
    );
  }
  return [...byName.values()].sort((a, b) => a.name.localeCompare(b.name));
}
