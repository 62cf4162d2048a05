/*
 * What the bundled functions use in place of `@aws-sdk/credential-provider-node` (lib/lifecycle-function.ts
 * aliases it here when esbuild bundles a function): the credentials of the function's execution role, which
 * Lambda puts in AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN ("Defined runtime environment
 * variables" in the Lambda developer guide). The SDK's default chain would try the same variables first; the
 * rest of it (profiles, SSO, web identity, the container and instance endpoints, with their nested STS, SSO
 * and sign-in clients) is about 90 KB of every bundle that a Lambda function never runs. Everything outside a
 * bundle (the local runtime, the CLI, the tests) keeps the SDK's whole chain.
 */

/** The credentials of an AWS call, as the SDK's providers give them. */
export interface EnvironmentCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
}

/** The role's credentials are missing from the environment: the function does not run in Lambda. */
export class MissingCredentialsError extends Error {
  constructor() {
    super('no AWS credentials: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not set (Lambda sets them)');
    this.name = 'MissingCredentialsError';
  }
}

/** The credentials in `environment`, read at each call as the SDK's `fromEnv` reads them. */
export function environmentCredentials(environment: NodeJS.ProcessEnv = process.env): EnvironmentCredentials {
  const accessKeyId = environment.AWS_ACCESS_KEY_ID;
  const secretAccessKey = environment.AWS_SECRET_ACCESS_KEY;
  if (!accessKeyId || !secretAccessKey) throw new MissingCredentialsError();
  const sessionToken = environment.AWS_SESSION_TOKEN;
  return { accessKeyId, secretAccessKey, ...(sessionToken ? { sessionToken } : {}) };
}

/** The SDK clients' default credential provider, as `@aws-sdk/credential-provider-node` exports it. */
export const defaultProvider = (_init?: unknown) => async (): Promise<EnvironmentCredentials> =>
  environmentCredentials();

/** Environment credentials carry no expiry: never refreshed, as the SDK's own treats them. */
export const credentialsWillNeedRefresh = (_credentials?: unknown): boolean => false;
export const credentialsTreatedAsExpired = (_credentials?: unknown): boolean => false;
