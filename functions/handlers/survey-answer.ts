import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { verifyToken } from '../adapters/unsubscribe-token.js';
import { recordSurveyAnswer } from '../domain/services/survey.js';
import { html } from './http.js';
import { invalidLinkPage, nothingToRecordPage, surveyQuestionPage, surveyRecordedPage } from './link-pages.js';
import type { LinkDependencies, LinkRoute } from './link-routes.js';

/**
 * The survey's answer links, `GET /feedback?token=…&score=N`: the page shows the chosen answer with a
 * button that records it (`POST`), as mail scanners open every link of an email and must not answer the
 * survey eleven times.
 */
export function createSurveyAnswerHandler(dependencies: LinkDependencies): LinkRoute {
  const { logger, metrics, storeName } = dependencies;

  return async (event) => {
    const token = event.queryStringParameters?.token ?? '';
    const customerId = verifyToken(token, await dependencies.tokenSecret(), 'feedback');
    const score = Number(event.queryStringParameters?.score);
    if (!customerId || !Number.isInteger(score) || score < 0 || score > 10) {
      metrics.addMetric('FeedbackTokenRejected', MetricUnit.Count, 1);
      return html(400, invalidLinkPage(storeName));
    }
    if (event.requestContext.http.method.toUpperCase() === 'GET') {
      return html(200, surveyQuestionPage(storeName, token, score));
    }
    const outcome = await recordSurveyAnswer(dependencies, customerId, score);
    if (outcome === 'unknown_customer') return html(404, nothingToRecordPage(storeName));
    metrics.addMetric('SurveyAnswered', MetricUnit.Count, 1);
    logger.info('survey answered', { customerId, score });
    return html(200, surveyRecordedPage(storeName));
  };
}
