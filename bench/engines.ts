import { type RunningDynamoDbLocal, startDynamoDbLocal } from '../functions/local/dynamodb-local.js';
import { freePort } from '../functions/local/free-port.js';
import { type RunningSesLocal, startSesLocal } from '../functions/local/ses-local.js';

/** The real local engines the bench runs against, on ports nothing else uses. */
export interface Engines {
  readonly dynamoDbEndpoint: string;
  readonly sesEndpoint: string;
  stop(): Promise<void>;
}

/**
 * Starts DynamoDB Local (in memory) and the local SES, as tests/global-setup.ts does. They are stopped by
 * `stop()`, and on Ctrl-C or a crash of the bench, so that no Java process is left behind.
 */
export async function startEngines(): Promise<Engines> {
  let dynamoDb: RunningDynamoDbLocal | undefined;
  let ses: RunningSesLocal | undefined;
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    process.off('exit', onExit);
    await Promise.all([dynamoDb?.stop(), ses?.stop()]);
  };
  const onSignal = (signal: NodeJS.Signals) => {
    void stop().finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
  };
  // Last resort: the process is exiting without stop(); kill Java synchronously.
  const onExit = () => {
    if (!stopped && dynamoDb?.pid !== undefined) {
      try {
        process.kill(dynamoDb.pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  process.on('exit', onExit);
  try {
    dynamoDb = await startDynamoDbLocal({ port: await freePort() });
    ses = await startSesLocal({ port: await freePort() });
  } catch (error) {
    await stop();
    throw error;
  }
  return { dynamoDbEndpoint: dynamoDb.endpoint, sesEndpoint: ses.endpoint, stop };
}
