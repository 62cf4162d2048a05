import { createHash, createHmac } from 'node:crypto';

/** Credentials to sign with: a Lambda role's temporary ones come with a session token. */
export interface AwsCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string | undefined;
}

/** The credentials Lambda gives a function's role, from its environment. */
export function environmentCredentials(environment: NodeJS.ProcessEnv = process.env): AwsCredentials {
  const accessKeyId = environment.AWS_ACCESS_KEY_ID;
  const secretAccessKey = environment.AWS_SECRET_ACCESS_KEY;
  if (!accessKeyId || !secretAccessKey) throw new Error('no AWS credentials in the environment');
  return { accessKeyId, secretAccessKey, sessionToken: environment.AWS_SESSION_TOKEN || undefined };
}

/** S3 as a function's environment gives it: its region, its role's credentials, and `AWS_ENDPOINT_URL_S3` as the SDKs read it. */
export function environmentS3(environment: NodeJS.ProcessEnv = process.env): S3Objects {
  return new S3Objects({
    region: environment.AWS_REGION || environment.AWS_DEFAULT_REGION || 'us-east-1',
    credentials: () => environmentCredentials(environment),
    endpoint: environment.AWS_ENDPOINT_URL_S3 || undefined,
  });
}

/** The object operations the report archive uses, with S3's own names and input fields. */
export type S3Operation = 'PutObject' | 'GetObject';
export interface S3ObjectInput {
  readonly Bucket: string;
  readonly Key: string;
  /** PutObject's content. */
  readonly Body?: string | undefined;
  readonly ContentType?: string | undefined;
}

/** S3 answered with an error other than "no such key": its status and S3's error code, nothing of the body else. */
export class S3RequestError extends Error {
  override readonly name = 'S3RequestError';
  constructor(
    readonly operation: S3Operation,
    readonly status: number,
    readonly code: string | undefined,
  ) {
    super(`S3 ${operation} failed: HTTP ${status}${code ? ` ${code}` : ''}`);
  }
}

/**
 * Reads and writes S3 objects over S3's REST API, signed with Signature Version 4 (the package has no S3
 * client: these two calls are all it needs). Virtual-hosted addresses in AWS; path-style under `endpoint`
 * (a local stand-in).
 */
export class S3Objects {
  constructor(
    private readonly options: {
      readonly region: string;
      readonly credentials: () => AwsCredentials;
      /** Another address than AWS's, path-style: `http://127.0.0.1:4566`. */
      readonly endpoint?: string | undefined;
      readonly now?: () => Date;
    },
  ) {}

  /** One call: `undefined` for a GetObject of a key that does not exist, the object's text otherwise. */
  async send(operation: S3Operation, input: S3ObjectInput): Promise<string | undefined> {
    const path = `/${input.Key.split('/').map(encodeSegment).join('/')}`;
    const url = this.options.endpoint
      ? new URL(`${this.options.endpoint.replace(/\/$/, '')}/${encodeSegment(input.Bucket)}${path}`)
      : new URL(`https://${input.Bucket}.s3.${this.options.region}.amazonaws.com${path}`);
    const method = operation === 'PutObject' ? 'PUT' : 'GET';
    const body = operation === 'PutObject' ? (input.Body ?? '') : '';
    const extra: Record<string, string> =
      operation === 'PutObject' ? { 'content-type': input.ContentType ?? 'application/octet-stream' } : {};
    const headers = signedHeaders({
      method,
      host: url.host,
      path: url.pathname,
      headers: extra,
      body,
      region: this.options.region,
      service: 's3',
      credentials: this.options.credentials(),
      at: this.options.now?.() ?? new Date(),
    });
    const response = await fetch(url, { method, headers, ...(method === 'PUT' ? { body } : {}) });
    const text = await response.text();
    if (response.ok) return operation === 'GetObject' ? text : '';
    const code = /<Code>([A-Za-z]{1,64})<\/Code>/.exec(text)?.[1];
    if (operation === 'GetObject' && response.status === 404 && code === 'NoSuchKey') return undefined;
    throw new S3RequestError(operation, response.status, code);
  }
}

/** One path segment as Signature Version 4 wants it: RFC 3986 unreserved characters kept, the rest %XX. */
function encodeSegment(segment: string): string {
  return encodeURIComponent(segment).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');
const hmac = (key: string | Buffer, text: string) => createHmac('sha256', key).update(text, 'utf8').digest();

/**
 * The headers of a request signed with Signature Version 4 (Authorization header, signed payload): every
 * given header, host, x-amz-date, x-amz-content-sha256 and the session token are signed.
 */
export function signedHeaders(request: {
  readonly method: string;
  readonly host: string;
  /** Already encoded, as sent. */
  readonly path: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
  readonly region: string;
  readonly service: string;
  readonly credentials: AwsCredentials;
  readonly at: Date;
}): Record<string, string> {
  const amzDate = request.at
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
  const day = amzDate.slice(0, 8);
  const all: Record<string, string> = {
    ...Object.fromEntries(Object.entries(request.headers).map(([name, value]) => [name.toLowerCase(), value.trim()])),
    host: request.host,
    'x-amz-content-sha256': sha256(request.body),
    'x-amz-date': amzDate,
    ...(request.credentials.sessionToken ? { 'x-amz-security-token': request.credentials.sessionToken } : {}),
  };
  const names = Object.keys(all).sort();
  const canonical = [
    request.method,
    request.path,
    '',
    ...names.map((name) => `${name}:${all[name]}`),
    '',
    names.join(';'),
    all['x-amz-content-sha256'],
  ].join('\n');
  const scope = `${day}/${request.region}/${request.service}/aws4_request`;
  const toSign = ['AWS4-HMAC-SHA256', amzDate, scope, sha256(canonical)].join('\n');
  let key = hmac(`AWS4${request.credentials.secretAccessKey}`, day);
  for (const part of [request.region, request.service, 'aws4_request']) key = hmac(key, part);
  const signature = createHmac('sha256', key).update(toSign, 'utf8').digest('hex');
  const { host: _, ...sent } = all;
  return {
    ...sent,
    authorization: `AWS4-HMAC-SHA256 Credential=${request.credentials.accessKeyId}/${scope},SignedHeaders=${names.join(';')},Signature=${signature}`,
  };
}
