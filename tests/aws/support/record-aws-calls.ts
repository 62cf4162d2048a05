import { appendFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from '@smithy/core/client';
import { afterAll } from 'vitest';
import { currentFunction } from '../../../functions/local/lambda-context.js';
import { operationName } from '../../helpers/sdk-operation.js';
import { iamRequests } from './iam-requests.js';
import { AWS_CALLS_DIRECTORY_VARIABLE, type RecordedRequest } from './recorded-call.js';

/*
 * A vitest setup file: every AWS SDK client of the test process gets one more middleware, which records
 * the IAM requests of each call made inside a function's invocation (functions/local/lambda-context.ts:
 * the local runtime, the handler tests and the Lambda-entry test invoke functions that way). The requests
 * are written to a directory that tests/aws/permissions.test.ts reads after the rest of the suite, to check
 * each against the role of the function that made it in the synthesized template. Calls a test makes on
 * its own behalf (setting up a table, reading what a function wrote) belong to no function and are left out.
 */

type Middleware = (
  next: (args: { input: Record<string, unknown> }) => Promise<unknown>,
  context: { clientName?: string; commandName?: string },
) => (args: { input: Record<string, unknown> }) => Promise<unknown>;
interface Stack {
  add(middleware: Middleware, options: { step: string; priority: string; name: string; override: boolean }): void;
}

const recorded = new Map<string, RecordedRequest>();
const metered = new WeakSet<object>();

const record: Middleware = (next, context) => async (args) => {
  const fn = currentFunction();
  if (fn) {
    const service = (context.clientName ?? 'Unknown').replace(/(Document)?Client$/, '');
    const operation = operationName(context.commandName ?? 'Unknown');
    for (const request of iamRequests(service, operation, args.input, process.env)) {
      const entry = { function: fn, ...request };
      recorded.set(JSON.stringify(entry), entry);
    }
  }
  return next(args);
};

const send = Client.prototype.send;
Client.prototype.send = function (this: Client<never, never, never, never>, ...args: never[]) {
  if (!metered.has(this)) {
    metered.add(this);
    // At the start of serialisation: after the document client has turned its input into attribute values.
    (this.middlewareStack as unknown as Stack).add(record, {
      step: 'serialize',
      priority: 'high',
      name: 'recordIamRequests',
      override: true,
    });
  }
  return (send as (...a: never[]) => unknown).apply(this, args);
} as typeof send;

afterAll(() => {
  const directory = process.env[AWS_CALLS_DIRECTORY_VARIABLE];
  if (!directory || recorded.size === 0) return;
  mkdirSync(directory, { recursive: true });
  const lines = [...recorded.values()].map((entry) => JSON.stringify(entry)).join('\n');
  appendFileSync(join(directory, `${process.pid}.jsonl`), `${lines}\n`);
  recorded.clear();
});
