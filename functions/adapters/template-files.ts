import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

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
