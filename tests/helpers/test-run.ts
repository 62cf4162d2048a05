import { existsSync, readdirSync, readFileSync } from 'node:fs';

/**
 * The variable that marks every process a test run starts, with the run's id as its value: vitest.config.ts
 * puts it in the environment of the test processes, tests/helpers/processes.ts in that of every process a
 * test starts, and tests/process-check.ts finds by it whatever outlived the run.
 */
export const TEST_RUN_VARIABLE = 'LIFECYCLE_TEST_RUN';

/** A running process, as the check names it. */
export interface MarkedProcess {
  readonly pid: number;
  /** Its command line, shortened. */
  readonly command: string;
}

/**
 * The processes alive now whose environment carries `run` in {@link TEST_RUN_VARIABLE}, read from
 * /proc/<pid>/environ (the environment a process was started with). Empty where there is no /proc.
 */
export function markedProcesses(run: string, proc = '/proc'): MarkedProcess[] {
  if (!existsSync(proc)) return [];
  const marker = `${TEST_RUN_VARIABLE}=${run}`;
  const found: MarkedProcess[] = [];
  for (const entry of readdirSync(proc)) {
    if (!/^\d+$/.test(entry)) continue;
    const environment = readOrEmpty(`${proc}/${entry}/environ`);
    if (!environment.split('\0').includes(marker)) continue;
    const command = readOrEmpty(`${proc}/${entry}/cmdline`).split('\0').join(' ').trim();
    found.push({ pid: Number(entry), command: command.length > 200 ? `${command.slice(0, 200)}…` : command });
  }
  return found;
}

/** Kills every process still marked with `run` (but this one) and names them; empty when none is left. */
export function killMarkedProcesses(run: string, proc = '/proc'): MarkedProcess[] {
  const survivors = markedProcesses(run, proc).filter((found) => found.pid !== process.pid);
  for (const { pid } of survivors) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // It ended on its own meanwhile.
    }
  }
  return survivors;
}

/** The error that fails a run which left processes behind. */
export class ProcessLeftBehindError extends Error {
  constructor(survivors: readonly MarkedProcess[]) {
    super(
      `${survivors.length} process${survivors.length === 1 ? '' : 'es'} started by the tests outlived them ` +
        '(killed now; a test stops what it starts, in finally):\n' +
        survivors.map(({ pid, command }) => `  pid ${pid}: ${command}`).join('\n'),
    );
    this.name = 'ProcessLeftBehindError';
  }
}

/** A process may end, or belong to someone else, between listing /proc and reading it. */
function readOrEmpty(path: string): string {
  try {
    return readFileSync(path, 'latin1');
  } catch {
    return '';
  }
}
