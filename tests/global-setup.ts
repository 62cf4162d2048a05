import { createServer } from 'node:net';
import type { TestProject } from 'vitest/node';
import { startDynamoDbLocal } from '../functions/local/dynamodb-local.js';
import { startSesLocal } from '../functions/local/ses-local.js';

declare module 'vitest' {
  export interface ProvidedContext {
    dynamoDbEndpoint: string;
    sesEndpoint: string;
  }
}

/** A port nothing listens on right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Starts the real engines once per `npm test` run, and stops them at the end. */
export default async function setup(project: TestProject) {
  const dynamoDb = await startDynamoDbLocal({ port: await freePort() });
  let ses: Awaited<ReturnType<typeof startSesLocal>>;
  try {
    ses = await startSesLocal({ port: await freePort() });
  } catch (error) {
    await dynamoDb.stop();
    throw error;
  }
  project.provide('dynamoDbEndpoint', dynamoDb.endpoint);
  project.provide('sesEndpoint', ses.endpoint);
  return async () => {
    await Promise.all([dynamoDb.stop(), ses.stop()]);
  };
}
