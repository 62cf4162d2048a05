import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import type { Context } from 'aws-lambda';

/** The functions of the stack, by their Powertools service name (POWERTOOLS_SERVICE_NAME in the stack). */
export const FUNCTION_NAMES = [
  'webhook',
  'collect',
  'unsubscribe',
  'customer',
  'email-feedback',
  'dispatcher',
  'dispatch-worker',
  'model-job',
  'template-seed',
  'template-history',
  'weekly-report',
] as const;
export type FunctionName = (typeof FUNCTION_NAMES)[number];

/** A Lambda context for handlers invoked in the local runtime: the same code path as in AWS. */
export function localLambdaContext(functionName: FunctionName, timeoutMs = 60_000): Context {
  const started = Date.now();
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName: `local-${functionName}`,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:local:000000000000:function:local-${functionName}`,
    memoryLimitInMB: '512',
    awsRequestId: randomUUID(),
    logGroupName: `/local/${functionName}`,
    logStreamName: 'local',
    getRemainingTimeInMillis: () => Math.max(0, timeoutMs - (Date.now() - started)),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

const invocation = new AsyncLocalStorage<FunctionName>();

/**
 * Runs `work` as an invocation of the named function: everything it starts, awaited or not, knows which
 * function it runs in ({@link currentFunction}), as each Lambda function is its own process in AWS. The
 * tests use it to check every AWS call against the IAM role of the function that made it.
 */
export function asFunction<T>(functionName: FunctionName, work: () => Promise<T>): Promise<T> {
  return invocation.run(functionName, work);
}

/** Invokes a handler locally as Lambda would: with a fresh context, inside {@link asFunction}. */
export function invokeLocally<E, R>(
  functionName: FunctionName,
  handler: (event: E, context: Context) => Promise<R>,
  event: E,
  timeoutMs?: number,
): Promise<R> {
  return asFunction(functionName, () => handler(event, localLambdaContext(functionName, timeoutMs)));
}

/** The function whose invocation the caller runs in, if any. */
export function currentFunction(): FunctionName | undefined {
  return invocation.getStore();
}
