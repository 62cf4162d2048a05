import type { TestProject } from 'vitest/node';
import { startDynamoDbLocal } from '../functions/local/dynamodb-local.js';
import { freePort } from '../functions/local/free-port.js';
import { startSesLocal } from '../functions/local/ses-local.js';

export { freePort };

declare module 'vitest' {
  export interface ProvidedContext {
    dynamoDbEndpoint: string;
    sesEndpoint: string;
  }
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
