import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { createConfirmationHandler } from './confirmation.js';
import { type LinkDependencies, type LinkPath, type LinkRoute, linkRouteOf } from './link-routes.js';
import { createPreferencesHandler } from './preferences.js';
import { createReportLinkHandler } from './report-link.js';
import { createSurveyAnswerHandler } from './survey-answer.js';

/**
 * The links function: every signed link of an email, one handler per route (link-routes.ts), their pages
 * written in link-pages.ts.
 * - `/unsubscribe`: the preference page and RFC 8058 one-click unsubscribe (preferences.ts);
 * - `/feedback`: the survey's answers (survey-answer.ts);
 * - `/confirm`: double opt-in (confirmation.ts);
 * - `/report`: the weekly report, for the team (report-link.ts).
 */
export function createUnsubscribeHandler(dependencies: LinkDependencies) {
  const routes: Readonly<Record<LinkPath, LinkRoute>> = {
    '/unsubscribe': createPreferencesHandler(dependencies),
    '/feedback': createSurveyAnswerHandler(dependencies),
    '/confirm': createConfirmationHandler(dependencies),
    '/report': createReportLinkHandler(dependencies),
  };
  const handle = (event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> =>
    routes[linkRouteOf(event.rawPath)](event);
  return middy(handle).use(injectLambdaContext(dependencies.logger)).use(logMetrics(dependencies.metrics));
}
