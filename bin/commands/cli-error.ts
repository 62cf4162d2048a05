/** An error the command-line tool prints as one line (no stack) before exiting with status 1. */
export class CliError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CliError';
  }
}

/** Reads an integer port from the environment, with a default. */
export function portFromEnv(name: string, fallback: number, environment: NodeJS.ProcessEnv = process.env): number {
  const text = environment[name];
  if (text === undefined || text === '') return fallback;
  const port = Number(text);
  if (!Number.isInteger(port) || port < 0 || port > 65_535)
    throw new CliError(`${name} must be a port number, got "${text}"`);
  return port;
}
