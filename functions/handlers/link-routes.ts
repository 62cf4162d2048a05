import type { Logger } from '@aws-lambda-powertools/logger';
import type { Metrics } from '@aws-lambda-powertools/metrics';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import type { CustomerChangeDependencies } from '../domain/services/customer-change.js';
import type { ReportArchive } from '../ports/report-archive.js';

/**
 * The paths of the signed links in emails, all served by the links function (unsubscribe.ts): the HTTP
 * API (lib/webhook-api.ts) and the local server (functions/local/http-server.ts) route exactly these.
 */
export const LINK_PATHS = ['/unsubscribe', '/feedback', '/confirm', '/report'] as const;
export type LinkPath = (typeof LINK_PATHS)[number];

/** Whether a request path is one of the links' paths, exactly. */
export function isLinkPath(path: string): path is LinkPath {
  return (LINK_PATHS as readonly string[]).includes(path);
}

/**
 * The route a request to the links function takes, by the end of its path (a custom domain's base path may
 * come before it). Whatever is neither survey nor confirmation is the preference page, whose token check
 * answers it.
 */
export function linkRouteOf(rawPath: string): LinkPath {
  if (rawPath.endsWith('/feedback')) return '/feedback';
  if (rawPath.endsWith('/confirm')) return '/confirm';
  if (rawPath.endsWith('/report')) return '/report';
  return '/unsubscribe';
}

/** What every route of the links function needs. */
export interface LinkDependencies extends CustomerChangeDependencies {
  readonly storeName: string;
  /** The secret the links' tokens are signed with. */
  readonly tokenSecret: () => Promise<string>;
  readonly logger: Logger;
  readonly metrics: Metrics;
  /** Where the weekly reports are kept: `/report` answers with one; without it, every report link is refused. */
  readonly reports?: ReportArchive | undefined;
}

/** One route of the links function: an API Gateway request in, a page out. */
export type LinkRoute = (event: APIGatewayProxyEventV2) => Promise<APIGatewayProxyStructuredResultV2>;
