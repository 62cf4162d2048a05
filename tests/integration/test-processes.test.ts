import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { run, runSync, start } from '../helpers/processes.js';
import {
  killMarkedProcesses,
  markedProcesses,
  ProcessLeftBehindError,
  TEST_RUN_VARIABLE,
} from '../helpers/test-run.js';

/*
 * The suite's own hygiene: the processes tests start get an environment of their own, carry the run's
 * marker, and are found, killed and named when they outlive the run (tests/process-check.ts).
 */

const shellSecret = process.env.GENERIC_WEBHOOK_SECRET;
afterEach(() => {
  if (shellSecret === undefined) delete process.env.GENERIC_WEBHOOK_SECRET;
  else process.env.GENERIC_WEBHOOK_SECRET = shellSecret;
});

describe('a process a test starts', () => {
  it("gets PATH, HOME, the run's marker and what the test gives it, never the caller's environment", () => {
    process.env.GENERIC_WEBHOOK_SECRET = 'set-in-the-shell';
    const result = runSync('env', [], { env: { PORT: '4321' } });
    expect(result.status, result.stderr).toBe(0);
    const names = result.stdout
      .trim()
      .split('\n')
      .map((line) => line.slice(0, line.indexOf('=')));
    expect(names.sort()).toEqual(['HOME', TEST_RUN_VARIABLE, 'PATH', 'PORT'].sort());
    expect(result.stdout).toContain(`${TEST_RUN_VARIABLE}=${process.env[TEST_RUN_VARIABLE]}\n`);
  });

  it('is stopped with everything it started: its whole process group', async () => {
    const marker = randomUUID();
    // A shell that starts a sleep of its own and waits for it, as `lifecycle dev` starts Java.
    const shell = start('sh', ['-c', 'sleep 600 & echo started; wait'], { env: { [TEST_RUN_VARIABLE]: marker } });
    try {
      await shell.waitFor('started');
      expect(markedProcesses(marker).map((found) => found.command)).toEqual(
        expect.arrayContaining(['sleep 600', expect.stringMatching(/^sh -c /)]),
      );
    } finally {
      await shell.stop();
    }
    expect(killMarkedProcesses(marker)).toEqual([]);
  });

  it('is killed at its time-out, with what it started', async () => {
    const marker = randomUUID();
    const result = await run('sh', ['-c', 'sleep 600 & wait'], {
      env: { [TEST_RUN_VARIABLE]: marker },
      timeoutMs: 500,
    });
    expect(result).toMatchObject({ timedOut: true, signal: 'SIGKILL' });
    expect(killMarkedProcesses(marker)).toEqual([]);
  });
});

describe('the check at the end of the run (tests/process-check.ts)', () => {
  it('kills and names a process that outlived the test that started it, and leaves other runs alone', async () => {
    const marker = randomUUID();
    const leaked = start('sleep', ['600'], { env: { [TEST_RUN_VARIABLE]: marker } });
    const another = start('sleep', ['601'], { env: { [TEST_RUN_VARIABLE]: randomUUID() } });
    try {
      const survivors = killMarkedProcesses(marker);
      expect(survivors).toEqual([{ pid: leaked.child.pid, command: 'sleep 600' }]);
      expect((await leaked.exited).signal).toBe('SIGKILL');
      expect(another.child.exitCode).toBeNull();
      expect(new ProcessLeftBehindError(survivors).message).toBe(
        '1 process started by the tests outlived them (killed now; a test stops what it starts, in finally):\n' +
          `  pid ${leaked.child.pid}: sleep 600`,
      );
    } finally {
      await leaked.stop();
      await another.stop();
    }
  });
});
