import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { errorLine } from '../domain/errors.js';
import { isLinkPath } from '../handlers/link-routes.js';
import { loopbackRefusal } from './loopback.js';

/** API Gateway's own payload limit: bodies above it never reach a Lambda function. */
const API_GATEWAY_MAX_BODY = 10 * 1024 * 1024;

export type ApiHandler = (event: APIGatewayProxyEventV2) => Promise<APIGatewayProxyStructuredResultV2>;
export type LocalRoute = (request: { method: string; path: string; query: URLSearchParams; body: string }) => Promise<{
  status: number;
  body: unknown;
  contentType?: string;
}>;

export interface LocalServerRoutes {
  /** `POST /webhooks/{source}`, served by the webhook Lambda handler. */
  readonly webhook: ApiHandler;
  /** `POST|OPTIONS /collect`, served by the collect Lambda handler (its origins are its own to check). */
  readonly collect: ApiHandler;
  /** `GET|POST /unsubscribe`, `/feedback`, `/confirm` and `/report`, served by the links Lambda handler. */
  readonly unsubscribe: ApiHandler;
  /** Local-only routes under `/_local/`, and `/`. */
  readonly local: LocalRoute;
}

/**
 * The webhook API of the local runtime: the same paths as the deployed HTTP API, each request turned into
 * the API Gateway v2 event the Lambda handler receives in AWS. Every request must be addressed to the
 * loopback interface by name, and the local-only routes refuse requests from other web sites
 * (loopback.ts); a path with a malformed percent escape is a 400.
 */
export function createLocalServer(routes: LocalServerRoutes): Server {
  return createServer((request, response) => {
    serve(routes, request, response).catch((error: unknown) => {
      if (!response.headersSent) {
        sendJson(response, 500, { error: 'InternalError', message: 'the request failed; see the console' });
      } else {
        response.end();
      }
      console.error(`local server: ${errorLine(error)}`);
    });
  });
}

async function serve(routes: LocalServerRoutes, request: IncomingMessage, response: ServerResponse): Promise<void> {
  const port = request.socket.localPort ?? 0;
  const refused = loopbackRefusal(request.headers, port, { crossOrigin: 'allow' });
  if (refused) {
    sendJson(response, refused.status, refused.body);
    return;
  }
  const url = parsePath(request.url);
  if (url === undefined) {
    sendJson(response, 400, { error: 'InvalidRequest', message: 'the path is malformed (a bad percent escape?)' });
    return;
  }
  const method = (request.method ?? 'GET').toUpperCase();
  const body = await readBody(request);
  if (body === undefined) {
    sendJson(response, 413, { error: 'PayloadTooLarge', message: 'request body too large' });
    return;
  }
  const webhook = /^\/webhooks\/([^/]+)$/.exec(url.pathname);
  if (webhook && method === 'POST') {
    send(
      response,
      await routes.webhook(
        toApiGatewayEvent(request, url, method, body, 'POST /webhooks/{source}', {
          source: decodeURIComponent(webhook[1] ?? ''),
        }),
      ),
    );
    return;
  }
  const schema = /^\/webhooks\/([^/]+)\/schema$/.exec(url.pathname);
  if (schema && method === 'GET') {
    send(
      response,
      await routes.webhook(
        toApiGatewayEvent(request, url, method, body, 'GET /webhooks/{source}/schema', {
          source: decodeURIComponent(schema[1] ?? ''),
        }),
      ),
    );
    return;
  }
  if (url.pathname === '/collect' && (method === 'POST' || method === 'OPTIONS')) {
    send(
      response,
      await routes.collect(toApiGatewayEvent(request, url, method, body, `${method} /collect`, undefined)),
    );
    return;
  }
  if (isLinkPath(url.pathname) && (method === 'GET' || method === 'POST')) {
    send(
      response,
      await routes.unsubscribe(toApiGatewayEvent(request, url, method, body, `${method} ${url.pathname}`, undefined)),
    );
    return;
  }
  // The local-only routes move the clock, forge SES reports and show customers: not for other web sites.
  const crossOrigin = loopbackRefusal(request.headers, port, { crossOrigin: 'refuse' });
  if (crossOrigin) {
    sendJson(response, crossOrigin.status, crossOrigin.body);
    return;
  }
  const result = await routes.local({
    method,
    path: url.pathname,
    query: url.searchParams,
    body: body.toString('utf8'),
  });
  const contentType = result.contentType ?? 'application/json; charset=utf-8';
  send(response, {
    statusCode: result.status,
    headers: { 'content-type': contentType },
    body: contentType.startsWith('application/json')
      ? `${JSON.stringify(result.body, null, 2)}\n`
      : String(result.body),
  });
}

/** The request's path and query, or undefined when the path does not decode (`/webhooks/%E0%A4%A`). */
function parsePath(target: string | undefined): URL | undefined {
  try {
    const url = new URL(target ?? '/', 'http://127.0.0.1');
    decodeURIComponent(url.pathname);
    return url;
  } catch {
    return undefined;
  }
}

function toApiGatewayEvent(
  request: IncomingMessage,
  url: URL,
  method: string,
  body: Buffer,
  routeKey: string,
  pathParameters: Record<string, string> | undefined,
): APIGatewayProxyEventV2 {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers)) {
    if (value !== undefined) headers[name.toLowerCase()] = Array.isArray(value) ? value.join(',') : value;
  }
  const query: Record<string, string> = {};
  for (const [name, value] of url.searchParams)
    query[name] = query[name] === undefined ? value : `${query[name]},${value}`;
  const now = new Date();
  const text = body.toString('utf8');
  // Like API Gateway: a body that is not valid UTF-8 text arrives base64-encoded.
  const binary = !Buffer.from(text, 'utf8').equals(body);
  return {
    version: '2.0',
    routeKey,
    rawPath: url.pathname,
    rawQueryString: url.search.slice(1),
    headers,
    ...(Object.keys(query).length > 0 ? { queryStringParameters: query } : {}),
    ...(pathParameters ? { pathParameters } : {}),
    requestContext: {
      accountId: '000000000000',
      apiId: 'local',
      domainName: headers.host ?? '127.0.0.1',
      domainPrefix: 'local',
      http: {
        method,
        path: url.pathname,
        protocol: `HTTP/${request.httpVersion}`,
        sourceIp: normaliseIp(request.socket.remoteAddress),
        userAgent: headers['user-agent'] ?? '',
      },
      requestId: randomUUID(),
      routeKey,
      stage: '$default',
      time: now.toUTCString(),
      timeEpoch: now.getTime(),
    },
    ...(body.length > 0 ? { body: binary ? body.toString('base64') : text } : {}),
    isBase64Encoded: binary,
  };
}

function normaliseIp(address: string | undefined): string {
  if (!address) return '127.0.0.1';
  return address.startsWith('::ffff:') ? address.slice(7) : address;
}

async function readBody(request: IncomingMessage): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > API_GATEWAY_MAX_BODY) return undefined;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

function sendJson(response: ServerResponse, status: number, body: unknown): void {
  send(response, { statusCode: status, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
}

function send(response: ServerResponse, result: APIGatewayProxyStructuredResultV2): void {
  response.statusCode = result.statusCode ?? 200;
  for (const [name, value] of Object.entries(result.headers ?? {})) response.setHeader(name, String(value));
  response.end(result.isBase64Encoded && result.body ? Buffer.from(result.body, 'base64') : (result.body ?? ''));
}
