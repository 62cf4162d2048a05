/** A required environment variable is missing: the function was deployed without its wiring. */
export class MissingEnvironmentError extends Error {
  constructor(name: string) {
    super(`environment variable ${name} is required`);
    this.name = 'MissingEnvironmentError';
  }
}

/** Reads a required environment variable, failing fast at cold start rather than at the first event. */
export function requireEnv(name: string, environment: NodeJS.ProcessEnv = process.env): string {
  const value = environment[name];
  if (value === undefined || value === '') throw new MissingEnvironmentError(name);
  return value;
}

/** Names of the environment variables the stack gives its functions. */
export const ENV = {
  tableName: 'TABLE_NAME',
  busName: 'BUS_NAME',
  configurationSetName: 'CONFIGURATION_SET_NAME',
  publicApiUrl: 'PUBLIC_API_URL',
  unsubscribeSecretArn: 'UNSUBSCRIBE_SECRET_ARN',
  webhookSecretArns: 'WEBHOOK_SECRET_ARNS',
  /** The secret holding the Admin API token of the offer codes' provider, when it is a shop. */
  offerCodesSecretArn: 'OFFER_CODES_SECRET_ARN',
  /** The private bucket of the weekly reports (the report job writes, the links function reads). */
  reportBucket: 'REPORT_BUCKET',
  /** The queue the dispatcher's planner puts due work on for the workers. */
  dueWorkQueueUrl: 'DUE_WORK_QUEUE_URL',
} as const;
