import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A request as the stand-in saw it. */
export interface StandInRequest {
  readonly method: string;
  readonly path: string;
  /** `X-Amz-Target` of the AWS JSON protocols (`AWSEvents.DescribeArchive`). */
  readonly target: string | undefined;
  /** `Action` of the AWS Query protocols (CloudFormation, SNS), from the form body. */
  readonly action: string | undefined;
  readonly body: string;
}

export interface StandInAnswer {
  readonly status: number;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body: string | Uint8Array;
}

export interface StandInRoute {
  readonly name: string;
  readonly matches: (request: StandInRequest) => boolean;
  readonly answer: (request: StandInRequest) => StandInAnswer;
}

/**
 * A stand-in for AWS APIs that have no local engine: an HTTP server that answers each operation the way
 * the service's protocol and API reference document it (the answers are given by the test, from recorded
 * responses). SDK clients reach it through their endpoint setting; a request no route answers is a 400 the
 * SDK turns into an error, and is kept in {@link unanswered}.
 */
export class AwsStandIn {
  readonly requests: StandInRequest[] = [];
  readonly unanswered: StandInRequest[] = [];

  private constructor(
    private readonly server: Server,
    readonly endpoint: string,
  ) {}

  static async start(routes: readonly StandInRoute[]): Promise<AwsStandIn> {
    let standIn: AwsStandIn | undefined;
    const server = createServer((incoming, response) => {
      void read(incoming).then((body) => {
        const url = new URL(incoming.url ?? '/', 'http://stand-in');
        const request: StandInRequest = {
          method: incoming.method ?? 'GET',
          path: decodeURIComponent(url.pathname),
          target: headerOf(incoming, 'x-amz-target'),
          action: new URLSearchParams(body).get('Action') ?? undefined,
          body,
        };
        standIn?.requests.push(request);
        const route = routes.find((r) => r.matches(request));
        if (!route) {
          standIn?.unanswered.push(request);
          response.writeHead(400, { 'content-type': 'application/json' });
          response.end(JSON.stringify({ message: `the stand-in has no answer for ${request.method} ${request.path}` }));
          return;
        }
        const answer = route.answer(request);
        response.writeHead(answer.status, answer.headers ?? {});
        response.end(answer.body);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    standIn = new AwsStandIn(server, `http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    return standIn;
  }

  stop(): Promise<void> {
    return new Promise((resolve) => {
      this.server.closeAllConnections();
      this.server.close(() => resolve());
    });
  }
}

function headerOf(request: IncomingMessage, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function read(request: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
  });
}

/** An operation of a REST-JSON API (SES v2), by method and path. */
export function restJson(
  name: string,
  method: string,
  path: RegExp,
  answer: (request: StandInRequest) => StandInAnswer,
): StandInRoute {
  return { name, matches: (request) => request.method === method && path.test(request.path), answer };
}

/** A JSON answer. */
export function json(body: unknown, status = 200, contentType = 'application/json'): StandInAnswer {
  return { status, headers: { 'content-type': contentType }, body: JSON.stringify(body) };
}

/**
 * An error of a REST-JSON API as AWS sends it: the HTTP status, the error's name in `x-amzn-ErrorType` and
 * its message in the body.
 */
export function restJsonError(status: number, type: string, message: string): StandInAnswer {
  return {
    status,
    headers: { 'content-type': 'application/json', 'x-amzn-errortype': type },
    body: JSON.stringify({ message }),
  };
}

/**
 * S3 for the report archive, answering PutObject and GetObject of `bucket` (path-style addresses, as the SDK
 * sends them to a local endpoint) as the S3 API reference documents them: an empty 200 with an ETag for a put,
 * the object for a get, and a 404 NoSuchKey error document otherwise.
 */
export function s3StandIn(bucket: string, objects: Map<string, string>): Promise<AwsStandIn> {
  const key = (path: string) => path.slice(`/${bucket}/`.length);
  return AwsStandIn.start([
    {
      name: 'PutObject',
      matches: (request) => request.method === 'PUT' && request.path.startsWith(`/${bucket}/`),
      answer: (request) => {
        objects.set(key(request.path), request.body);
        return { status: 200, headers: { etag: '"0123456789abcdef"' }, body: '' };
      },
    },
    {
      name: 'GetObject',
      matches: (request) => request.method === 'GET' && request.path.startsWith(`/${bucket}/`),
      answer: (request) => {
        const found = objects.get(key(request.path));
        return found === undefined
          ? {
              status: 404,
              headers: { 'content-type': 'application/xml' },
              body: '<?xml version="1.0" encoding="UTF-8"?><Error><Code>NoSuchKey</Code><Message>The specified key does not exist.</Message></Error>',
            }
          : { status: 200, headers: { 'content-type': 'text/html; charset=utf-8' }, body: found };
      },
    },
  ]);
}
