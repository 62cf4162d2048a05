import { rmSync } from 'node:fs';
import type { TestProject } from 'vitest/node';
import { AWS_CALLS_DIRECTORY_VARIABLE } from './recorded-call.js';

/** Removes the run's recorded AWS calls once the checks that read them are done. */
export default function setup(project: TestProject) {
  return () => {
    const directory = project.config.env[AWS_CALLS_DIRECTORY_VARIABLE];
    if (directory) rmSync(directory, { recursive: true, force: true });
  };
}
