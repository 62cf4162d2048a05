import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { TEST_RUN_VARIABLE } from './test-run.js';

/*
 * Every process a test starts is started here: with an environment of its own (never the caller's, so that a
 * variable set in the developer's shell changes nothing), marked with the run's id (tests/process-check.ts
 * fails the run if one outlives it), and in a process group of its own, so that stopping it stops whatever
 * it started in turn (`lifecycle dev` starts Java, `npx` starts node).
 */

type Variables = Readonly<Record<string, string | undefined>>;

/**
 * The environment of a process a test starts: PATH and HOME (to find Node, Java and the tools, and npm's
 * cache), the run's marker, and `variables` (which may replace PATH or HOME; undefined ones are left out).
 */
export function testEnvironment(variables: Variables = {}): Record<string, string> {
  const environment: Record<string, string | undefined> = {
    PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin',
    HOME: process.env.HOME ?? tmpdir(),
    [TEST_RUN_VARIABLE]: process.env[TEST_RUN_VARIABLE],
    ...variables,
  };
  return Object.fromEntries(
    Object.entries(environment).filter((entry): entry is [string, string] => entry[1] !== undefined),
  );
}

export interface RunOptions {
  /** Variables besides PATH, HOME and the marker (see {@link testEnvironment}). */
  readonly env?: Variables;
  readonly cwd?: string;
  /** Standard input; without it the process reads an empty one. */
  readonly input?: string;
  /** The process group is killed when it runs longer. @default 60 s */
  readonly timeoutMs?: number;
}

export interface Finished {
  /** The exit code; null when it was killed (`signal` says how). */
  readonly status: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly timedOut: boolean;
}

/** `lifecycle <args>` as `npx lifecycle` runs it: Node with tsx, from the repository's root. */
export function lifecycleCli(args: readonly string[]): [string, string[]] {
  return [process.execPath, ['--import', 'tsx', 'bin/lifecycle.ts', ...args]];
}

/**
 * Runs a command that starts no process of its own to its end, blocking (it is killed at the time-out).
 * For one that does, or when this process must keep serving meanwhile (a stand-in server), use {@link run}.
 */
export function runSync(command: string, args: readonly string[], options: RunOptions = {}): Finished {
  const result = spawnSync(command, args, {
    cwd: options.cwd,
    env: testEnvironment(options.env),
    input: options.input ?? '',
    encoding: 'utf8',
    timeout: options.timeoutMs ?? 60_000,
    killSignal: 'SIGKILL',
  });
  return {
    status: result.status,
    signal: result.signal,
    stdout: result.stdout ?? '',
    stderr: result.stderr ?? '',
    timedOut: (result.error as NodeJS.ErrnoException | undefined)?.code === 'ETIMEDOUT',
  };
}

/**
 * Runs a command to its end; then kills whatever it left behind in its process group, and the whole group
 * at the time-out.
 */
export async function run(command: string, args: readonly string[], options: RunOptions = {}): Promise<Finished> {
  const started = start(command, args, options);
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    void started.stop();
  }, options.timeoutMs ?? 60_000);
  try {
    const { status, signal } = await started.exited;
    return { status, signal, stdout: started.stdout(), stderr: started.stderr(), timedOut };
  } finally {
    clearTimeout(timer);
    await started.stop();
  }
}

export interface Started {
  readonly child: ChildProcess;
  /** Resolves when the process ends, however it ends. */
  readonly exited: Promise<{ status: number | null; signal: NodeJS.Signals | null }>;
  stdout(): string;
  stderr(): string;
  /** Standard output and error, interleaved as they came. */
  output(): string;
  /** Waits until the output contains `text`; fails with the output when the process ends first or at the time-out. */
  waitFor(text: string, timeoutMs?: number): Promise<void>;
  /** Sends `signal` to the process alone, as a user's Ctrl-C or kill would, and waits for it to end. */
  signal(signal: NodeJS.Signals): Promise<number | null>;
  /** Kills the whole process group and waits for the process to end. Safe to call again, in finally. */
  stop(): Promise<void>;
}

/** Starts a long-running command in a process group of its own. Stop it in finally with {@link Started.stop}. */
export function start(command: string, args: readonly string[], options: Omit<RunOptions, 'timeoutMs'> = {}): Started {
  const child = spawn(command, args, {
    cwd: options.cwd,
    env: testEnvironment(options.env),
    stdio: [options.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    // Leader of a new process group: one kill reaches everything it starts.
    detached: true,
  });
  if (options.input !== undefined) child.stdin?.end(options.input);
  let stdout = '';
  let stderr = '';
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
    output += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
    output += chunk.toString();
  });
  const exited = new Promise<{ status: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('error', (error) => {
      stderr += error.message;
      output += error.message;
      resolve({ status: null, signal: null });
    });
    child.once('close', (status, signal) => resolve({ status, signal }));
  });
  const ended = () => child.exitCode !== null || child.signalCode !== null;
  const killGroup = () => {
    if (child.pid === undefined) return;
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {
      // Nothing of the group is left.
    }
  };
  return {
    child,
    exited,
    stdout: () => stdout,
    stderr: () => stderr,
    output: () => output,
    async waitFor(text, timeoutMs = 90_000) {
      const deadline = Date.now() + timeoutMs;
      while (!output.includes(text)) {
        if (ended()) throw new Error(`${command} ended before printing "${text}":\n${output}`);
        if (Date.now() > deadline) throw new Error(`${command} did not print "${text}" in time:\n${output}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    },
    async signal(signal) {
      child.kill(signal);
      return (await exited).status;
    },
    async stop() {
      killGroup();
      await exited;
    },
  };
}
