import type { Server } from 'node:http';
import { createServer } from 'node:net';
import { LocalServiceError } from './errors.js';

/** A port the local runtime listens on, with the environment variable that sets it. */
export interface NamedPort {
  readonly port: number;
  /** `PORT`, `SES_PORT`, `DYNAMODB_PORT`. */
  readonly variable: string;
}

/**
 * Ports something else already listens on (another `npm start`, most often). One line naming each port and
 * the variable that moves it, for the command line to print as it is.
 */
export class PortInUseError extends LocalServiceError {
  constructor(readonly ports: readonly NamedPort[]) {
    const named = ports.map(({ port, variable }) => `${port} (${variable})`);
    const variables = ports.map(({ variable }) => variable);
    super(
      ports.length === 1
        ? `port ${named[0]} is in use, perhaps by another npm start: stop it, or set ${variables[0]} to a free port`
        : `ports ${list(named)} are in use, perhaps by another npm start: stop it, or set ${list(variables)} to free ports`,
    );
    this.name = 'PortInUseError';
  }
}

function list(items: readonly string[]): string {
  return items.length < 2 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} and ${items.at(-1)}`;
}

/**
 * Checks, before anything starts, that each port is free on 127.0.0.1 and that no two are the same; throws
 * a {@link PortInUseError} naming every busy one. Port 0 (the system picks) is always free.
 */
export async function checkPortsFree(ports: readonly NamedPort[]): Promise<void> {
  const wanted = ports.filter(({ port }) => port !== 0);
  for (const [index, { port, variable }] of wanted.entries()) {
    const twin = wanted.slice(index + 1).find((other) => other.port === port);
    if (twin) throw new LocalServiceError(`${variable} and ${twin.variable} are both ${port}: give each its own port`);
  }
  const busy: NamedPort[] = [];
  for (const named of wanted) {
    const problem = await tryListen(named.port);
    if (problem === 'EADDRINUSE') busy.push(named);
    else if (problem !== undefined) {
      throw new LocalServiceError(
        `port ${named.port} (${named.variable}) cannot be opened (${problem}): set ${named.variable} to another port, above 1023`,
      );
    }
  }
  if (busy.length > 0) throw new PortInUseError(busy);
}

/** Listens on 127.0.0.1:`port` and closes at once; the error code when it could not. */
function tryListen(port: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? 'error'));
    probe.listen({ port, host: '127.0.0.1', exclusive: true }, () => probe.close(() => resolve(undefined)));
  });
}

/** Starts `server` on 127.0.0.1:`named.port`; a busy port is a {@link PortInUseError}. */
export function listenOnLoopback(server: Server, named: NamedPort): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(error.code === 'EADDRINUSE' ? new PortInUseError([named]) : error),
    );
    server.listen(named.port, '127.0.0.1', () => resolve());
  });
}
