import type { FunctionName } from '../../../functions/local/lambda-context.js';

/**
 * What a call asks of AWS's authorisation, in the terms of the stack rather than of the test that made
 * it: tables, buses and secrets are named by what they are in the stack (the test's own table becomes the
 * stack's table when the template is read), so the record holds no name a test made up.
 */
export type ResourceRef =
  /** The stack's table, or one of its indexes. */
  | { readonly type: 'table'; readonly index?: string }
  /** The account's default bus (SES's events) or the stack's own bus. */
  | { readonly type: 'event-bus'; readonly bus: 'default' | 'stack' }
  /** The identity SES sends from: the configured sender's address or its domain. */
  | { readonly type: 'ses-sender-identity' }
  | { readonly type: 'ses-configuration-set' }
  /** A template by its name without the stack's prefix (the names of templates/). */
  | { readonly type: 'ses-template'; readonly name: string }
  /** A secret, found by the environment variable (and key of its JSON value) that names it to the function. */
  | { readonly type: 'secret'; readonly variable: string; readonly key?: string }
  /** An object of the bucket the function's environment names (REPORT_BUCKET), by its key. */
  | { readonly type: 'bucket-object'; readonly variable: string; readonly key: string }
  /** The queue whose URL the function's environment names (DUE_WORK_QUEUE_URL). */
  | { readonly type: 'queue'; readonly variable: string }
  /** An action that has no resource type: granted on `*`. */
  | { readonly type: 'none' }
  /** A call the recorder does not know how to place: the check fails and names it. */
  | { readonly type: 'unknown'; readonly detail: string };

/** One IAM request: one action on one resource, with the condition keys AWS would evaluate. */
export interface RecordedRequest {
  readonly function: FunctionName;
  /** The SDK operation that made it, e.g. `DynamoDB.TransactWriteItems`. */
  readonly operation: string;
  /** The IAM action, e.g. `dynamodb:PutItem`. */
  readonly action: string;
  readonly resource: ResourceRef;
  readonly context: Readonly<Record<string, string | readonly string[]>>;
}

/** The directory the test processes write their requests to; read by tests/aws/permissions.test.ts. */
export const AWS_CALLS_DIRECTORY_VARIABLE = 'LIFECYCLE_AWS_CALLS_DIRECTORY';
