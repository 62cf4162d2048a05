/** Endpoint and credentials overrides, for the local runtime and tests. Empty in Lambda. */
export interface ClientOptions {
  readonly endpoint?: string | undefined;
  readonly region?: string | undefined;
  readonly credentials?: { readonly accessKeyId: string; readonly secretAccessKey: string } | undefined;
  /** Extra per-client settings, such as a shorter timeout in tests. */
  readonly maxAttempts?: number | undefined;
}

/** The settings of an SDK client: only the overrides that are given. */
export function clientSettings(options: ClientOptions) {
  return {
    ...(options.endpoint ? { endpoint: options.endpoint } : {}),
    ...(options.region ? { region: options.region } : {}),
    ...(options.credentials ? { credentials: options.credentials } : {}),
    ...(options.maxAttempts ? { maxAttempts: options.maxAttempts } : {}),
  };
}
