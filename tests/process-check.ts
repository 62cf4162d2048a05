import type { TestProject } from 'vitest/node';
import { killMarkedProcesses, ProcessLeftBehindError, TEST_RUN_VARIABLE } from './helpers/test-run.js';

/**
 * Fails the run when a process started by it outlives it. Every process a test starts carries the run's
 * marker (tests/helpers/test-run.ts), and so do the engines of tests/global-setup.ts, which is listed after
 * this file so that its teardown, which stops them, runs before this one. Survivors are killed and named.
 */
export default function setup(project: TestProject) {
  const run = project.config.env[TEST_RUN_VARIABLE];
  if (!run) throw new Error(`${TEST_RUN_VARIABLE} is missing from the config's env (vitest.config.ts)`);
  // What the global setup starts from this process inherits it.
  process.env[TEST_RUN_VARIABLE] = run;
  return () => {
    const survivors = killMarkedProcesses(run);
    if (survivors.length === 0) return;
    // An error thrown by a teardown is printed, but does not change the exit code by itself.
    process.exitCode = 1;
    throw new ProcessLeftBehindError(survivors);
  };
}
