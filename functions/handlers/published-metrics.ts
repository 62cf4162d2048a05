import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { DispatchSummary } from '../domain/services/dispatch/summary.js';

/** The counts of a dispatch's summary, each published as a metric of its own. */
type SummaryCount = {
  [K in keyof DispatchSummary]: DispatchSummary[K] extends number ? K : never;
}[keyof DispatchSummary];

/** A metric the functions publish, in their stack's namespace (handlers/powertools.ts). */
export interface PublishedMetric {
  /** The function that publishes it: its Powertools `service` dimension. */
  readonly service: string;
  readonly name: string;
  readonly unit: (typeof MetricUnit)[keyof typeof MetricUnit];
  /** The dimension it has besides `service`, if any: one metric per value of it. */
  readonly dimension?: 'source' | 'key' | 'journey';
  /** The count of a dispatch's summary it publishes (left out when zero), for the dispatcher's counts. */
  readonly count?: SummaryCount;
}

const { Count, Seconds } = MetricUnit;

/**
 * Every metric the functions publish, with its unit and dimensions. The dispatcher publishes from it, the
 * bench's bill (bench/bill.ts) prices each of it, and tests/unit/published-metrics.test.ts checks that the
 * other handlers publish no name it lacks. The dashboard and the alarms (lib/) read these names.
 */
export const PUBLISHED_METRICS = [
  { service: 'webhook', name: 'WebhookAccepted', unit: Count, dimension: 'source' },
  { service: 'webhook', name: 'WebhookRejected', unit: Count, dimension: 'source' },
  { service: 'webhook', name: 'WebhookIgnored', unit: Count, dimension: 'source' },
  { service: 'collect', name: 'CollectAccepted', unit: Count, dimension: 'key' },
  { service: 'collect', name: 'CollectViewsMerged', unit: Count, dimension: 'key' },
  { service: 'collect', name: 'CollectRejected', unit: Count, dimension: 'key' },
  { service: 'collect', name: 'CollectThrottled', unit: Count, dimension: 'key' },
  { service: 'collect', name: 'CollectDropped', unit: Count, dimension: 'key' },
  { service: 'customer', name: 'CustomerEventRecorded', unit: Count },
  { service: 'customer', name: 'CustomerCreated', unit: Count },
  { service: 'customer', name: 'JourneyEntered', unit: Count },
  { service: 'customer', name: 'CustomerEventDeduplicated', unit: Count },
  { service: 'customer', name: 'CustomerEventIgnored', unit: Count },
  { service: 'customer', name: 'StoreOrderRecorded', unit: Count },
  { service: 'customer', name: 'ProductRecorded', unit: Count },
  { service: 'customer', name: 'ProductChangeSuperseded', unit: Count },
  { service: 'customer', name: 'OfferRedeemed', unit: Count },
  { service: 'customer', name: 'OrderCurrencyUnconverted', unit: Count },
  { service: 'customer', name: 'CustomerErased', unit: Count },
  { service: 'customer', name: 'CustomerDataExported', unit: Count },
  { service: 'customer', name: 'InventoryItemUnknown', unit: Count },
  { service: 'customer', name: 'ProductNewsTold', unit: Count },
  { service: 'dispatcher', name: 'DueBacklogAgeSeconds', unit: Seconds },
  { service: 'dispatcher', name: 'DueWorkEnqueued', unit: Count },
  { service: 'dispatcher', name: 'EmailSent', unit: Count, count: 'sent' },
  { service: 'dispatcher', name: 'EmailSent', unit: Count, dimension: 'journey' },
  { service: 'dispatcher', name: 'EmailDeferred', unit: Count, count: 'deferred' },
  { service: 'dispatcher', name: 'EmailDropped', unit: Count, count: 'dropped' },
  { service: 'dispatcher', name: 'EmailSuppressed', unit: Count, count: 'suppressed' },
  { service: 'dispatcher', name: 'EmailSkipped', unit: Count, count: 'skipped' },
  { service: 'dispatcher', name: 'EmailFailed', unit: Count, count: 'failed' },
  { service: 'dispatcher', name: 'TemplateNotFound', unit: Count, count: 'templateMissing' },
  { service: 'dispatcher', name: 'EmailDeferredForQuota', unit: Count, count: 'deferredForQuota' },
  { service: 'dispatcher', name: 'EmailHeldForTemplate', unit: Count, count: 'heldForTemplate' },
  { service: 'dispatcher', name: 'EmailRefused', unit: Count, count: 'refused' },
  { service: 'dispatcher', name: 'OfferIssued', unit: Count, count: 'offersIssued' },
  { service: 'dispatcher', name: 'OfferCodesExhausted', unit: Count, count: 'offerFallbacks' },
  { service: 'dispatcher', name: 'SesSandbox', unit: Count },
  { service: 'dispatcher', name: 'SesSendingPaused', unit: Count },
  { service: 'email-feedback', name: 'EmailDelivered', unit: Count },
  { service: 'email-feedback', name: 'EmailOpened', unit: Count },
  { service: 'email-feedback', name: 'EmailClicked', unit: Count },
  { service: 'email-feedback', name: 'EmailBounced', unit: Count },
  { service: 'email-feedback', name: 'AddressSuppressed', unit: Count },
  { service: 'email-feedback', name: 'EmailComplained', unit: Count },
  { service: 'email-feedback', name: 'EmailRejected', unit: Count },
  { service: 'email-feedback', name: 'TemplateRenderingFailed', unit: Count },
  { service: 'email-feedback', name: 'EmailEventDiscarded', unit: Count },
  { service: 'unsubscribe', name: 'Unsubscribed', unit: Count },
  { service: 'unsubscribe', name: 'TopicsChanged', unit: Count },
  { service: 'unsubscribe', name: 'Resubscribed', unit: Count },
  { service: 'unsubscribe', name: 'SubscriptionConfirmed', unit: Count },
  { service: 'unsubscribe', name: 'SurveyAnswered', unit: Count },
  { service: 'unsubscribe', name: 'UnsubscribeTokenRejected', unit: Count },
  { service: 'unsubscribe', name: 'FeedbackTokenRejected', unit: Count },
  { service: 'unsubscribe', name: 'ConfirmTokenRejected', unit: Count },
  { service: 'unsubscribe', name: 'ReportTokenRejected', unit: Count },
  { service: 'model-job', name: 'StoreModelRefreshed', unit: Count },
  { service: 'model-job', name: 'CustomersReassessed', unit: Count },
  { service: 'template-history', name: 'TemplateVersionKept', unit: Count },
  { service: 'template-history', name: 'TemplateEditBroken', unit: Count },
  { service: 'weekly-report', name: 'WeeklyReportSent', unit: Count },
] as const satisfies readonly PublishedMetric[];

/** The name of a metric the functions publish. */
export type MetricName = (typeof PUBLISHED_METRICS)[number]['name'];

/** The metric of `service` named `name`, with `dimension` if given (without any if not). */
export function publishedMetric(
  service: string,
  name: MetricName,
  dimension?: PublishedMetric['dimension'],
): PublishedMetric {
  const found = (PUBLISHED_METRICS as readonly PublishedMetric[]).find(
    (metric) => metric.service === service && metric.name === name && metric.dimension === dimension,
  );
  if (!found) throw new Error(`no published metric ${service}/${name}${dimension ? ` by ${dimension}` : ''}`);
  return found;
}

/** A metric that publishes a count of a dispatch's summary. */
type DispatchCount = PublishedMetric & { readonly count: SummaryCount };

/** The dispatcher's counts of a dispatch's summary, in the order it publishes them. */
export const DISPATCH_COUNTS: readonly DispatchCount[] = (PUBLISHED_METRICS as readonly PublishedMetric[]).filter(
  (metric): metric is DispatchCount => metric.count !== undefined,
);
